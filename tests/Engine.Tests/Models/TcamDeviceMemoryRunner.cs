using HdrOfx.Dev.Cuda;
using HdrOfx.Engine.Models;
using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Cuda;
using HdrOfx.Engine.Tests.Tensors.Cuda.Emulator;
using HdrOfx.Tests;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Models;

/// <summary>
/// Explicit: the device memory of `tcam`'s whole-image forward pass, measured on the emulated device (the same backend
/// and allocator as a GPU; without cuDNN, so im2col columns instead of cuDNN's workspace) at two sizes, and its linear
/// extrapolation to 1080p and 4K. docs/models.md §6 quotes the result.
/// </summary>
[Explicit, NonParallelizable]
public class TcamDeviceMemoryRunner
{
    [TestCase(2)]
    [TestCase(4)]
    public void PeakDeviceMemory(int k)
    {
        if (!CudaEmulator.TryGet(out var lib, out string why)) Prerequisite.Missing("no CUDA emulator: " + why);
        using var net = TcamDeviceCheck.RandomNet(TcamConfig.Compact, 7);
        var peaks = new List<(int Pixels, long Peak)>();
        foreach (var (w, h) in new[] { (48, 32), (96, 64) })
        {
            var gpu = new CudaBackend(new EmulatedCudaApi(lib), index: 40 + 2 * k + peaks.Count);
            Backends.Register(gpu);
            var placement = new TcamDevice(() => (gpu, ""), _ => { });
            using (new TensorScope())
                Assert.That(placement.TryResidual(net, TcamDeviceCheck.RandomBatch(1, w, h, k)), Is.Not.Null, placement.FallbackReason);
            peaks.Add((w * h, gpu.Pool.PeakInUseBytes));
            TestContext.Out.WriteLine($"{w}×{h}, {k} neighbours: pool peak in use {gpu.Pool.PeakInUseBytes / 1048576.0:F2} MiB, in use after {gpu.Pool.InUseBytes / 1048576.0:F2} MiB");
        }
        double perPixel = (double)(peaks[1].Peak - peaks[0].Peak) / (peaks[1].Pixels - peaks[0].Pixels);
        double fixedBytes = peaks[0].Peak - perPixel * peaks[0].Pixels;
        foreach (var (name, px) in new[] { ("1920×1080", 1920 * 1080), ("3840×2160", 3840 * 2160) })
            TestContext.Out.WriteLine($"extrapolated {name}, {k} neighbours: {(fixedBytes + perPixel * px) / 1073741824.0:F2} GiB ({perPixel:F0} B/pixel)");
    }
}
