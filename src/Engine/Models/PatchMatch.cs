using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Autograd;
using HdrOfx.Engine.Tensors.Cpu;
using HdrOfx.Engine.Tensors.Profiling;

namespace HdrOfx.Engine.Models;

/// <summary>
/// TCAM's finest-scale patch-correlation matching (hdr-v-diff §3.2, after Yang et al. 2020 and Chung &amp; Cho 2023):
/// for each pixel p the correlation c_d(p) = mean_c q(p)·k(p + d) over the (2R+1)² displacements d, a softmax over d
/// with temperature τ, and the matched feature out(p) = Σ_d softmax_d(τ·c(p))·v(p + d) (zero outside the image).
/// Composed of differentiable ops (Correlation, Softmax, Pad2d, Narrow), so its gradient is theirs; without a gradient
/// on the CPU it runs as one fused kernel (<see cref="PatchMatchKernel"/>, the same values within a few ulps).
/// </summary>
public static class PatchMatch
{
    public static Tensor Apply(Tensor query, Tensor key, Tensor value, int radius, Tensor temperature)
    {
        if (query.Rank != 4 || !query.Shape.AsSpan().SequenceEqual(key.Shape) || value.Rank != 4 || value.Shape[0] != query.Shape[0]
            || value.Shape[2] != query.Shape[2] || value.Shape[3] != query.Shape[3])
            throw new ArgumentException($"PatchMatch: query {Tensor.ShapeString(query.Shape)}, key {Tensor.ShapeString(key.Shape)}, value {Tensor.ShapeString(value.Shape)} do not match");
        int h = query.Shape[2], w = query.Shape[3], side = 2 * radius + 1;
        if (!GradMode.IsEnabled && radius >= 0 && temperature.Numel == 1 && temperature.Device == Device.Cpu && PatchMatchKernel.Supports(query, key, value))
            return Fused(query, key, value, radius, temperature.Item());
        var weights = (Tensor.Correlation(query, key, radius) * temperature).Softmax(1);
        var padded = value.Pad2d(radius, radius, radius, radius);
        Tensor? sum = null;
        for (int dy = 0; dy < side; dy++)
        {
            for (int dx = 0; dx < side; dx++)
            {
                var shifted = padded.Narrow(2, dy, h).Narrow(3, dx, w);
                var term = shifted * weights.Narrow(1, dy * side + dx, 1);
                if (sum is null) sum = term;
                else if (GradMode.IsEnabled) sum = sum + term;
                else
                {
                    sum.AddInPlace(term); // inference: accumulate without a new full-resolution tensor per tap
                    term.Dispose();
                }
            }
        }
        return sum!;
    }

    /// <summary>Inference: the fused CPU kernel (one pass, no full-size intermediates), within a few ulps of the composite.</summary>
    private static Tensor Fused(Tensor query, Tensor key, Tensor value, int radius, float tau)
    {
        var y = Tensor.Empty(value.Shape[0], value.Shape[1], query.Shape[2], query.Shape[3]);
        long t0 = OpProfiler.On ? System.Diagnostics.Stopwatch.GetTimestamp() : 0;
        PatchMatchKernel.Forward(query, key, value, radius, tau, y);
        if (OpProfiler.On) OpProfiler.Record("PatchMatch fused", System.Diagnostics.Stopwatch.GetTimestamp() - t0, 4L * y.Numel);
        return y;
    }
}
