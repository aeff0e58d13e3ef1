using HdrOfx.Engine.Nn;
using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Autograd;
using HdrOfx.Engine.Tensors.Cpu;
using HdrOfx.Engine.Tensors.Profiling;

namespace HdrOfx.Engine.Models;

/// <summary>
/// conv(concat(parts, channels)), the shape of TCAM's full-resolution fusions (matching + upsampled 1/2 result;
/// reference, aligned mean, upsampled d2 and classical). Without a gradient on the CPU, and where the direct
/// small-output kernel takes the conv, the parts (crops and views included) are read where they are: no concatenated
/// copy and no contiguous copies of the crops — the same values bit for bit. Otherwise the plain composite.
/// </summary>
internal static class ConvConcat
{
    public static Tensor Forward(Conv2d conv, params Tensor[] parts)
    {
        if (!GradMode.IsEnabled)
        {
            long t0 = OpProfiler.On ? System.Diagnostics.Stopwatch.GetTimestamp() : 0;
            if (CpuBackend.TryConv2dParts(parts, conv.Weight, conv.Bias, conv.Params, out var y))
            {
                if (OpProfiler.On) OpProfiler.Record($"Conv2d of parts {conv.KernelSize}x{conv.KernelSize} {conv.InChannels}->{conv.OutChannels}", System.Diagnostics.Stopwatch.GetTimestamp() - t0, 4L * y!.Numel);
                return y!;
            }
        }
        return conv.Forward(Tensor.Concat(parts, 1));
    }
}
