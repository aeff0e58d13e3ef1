using System.Diagnostics;
using HdrOfx.Engine.Parallelism;
using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Cpu;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Tensors;

/// <summary>
/// On demand: the depthwise 3×3 kernel against the grouped GEMM on the Restormer blocks' shapes, one thread, the best
/// of 15 runs (the best run is the one least disturbed by other load on a shared machine).
/// </summary>
[Explicit("benchmark; run on demand")]
public class ConvKernelBenchmarkRunner
{
    [TestCase(1, 170, 136)]
    [TestCase(1, 84, 270)]
    [TestCase(1, 96, 136)]
    public void DepthwiseVersusGroupedGemm(int n, int c, int size)
    {
        var rng = new Rng(1);
        using var x = Tensor.Randn(rng, n, c, size, size);
        using var w = Tensor.Randn(rng, new[] { c, 1, 3, 3 }, 0.2f);
        using var b = Tensor.Randn(rng, c);
        double gemm, direct;
        try
        {
            CpuBackend.DepthwiseKernel = false;
            gemm = BestOneThread(15, () => Tensor.Conv2d(x, w, b, 1, 1, 1, c).Dispose());
            CpuBackend.DepthwiseKernel = true;
            direct = BestOneThread(15, () => Tensor.Conv2d(x, w, b, 1, 1, 1, c).Dispose());
        }
        finally { CpuBackend.DepthwiseKernel = true; }
        double gflop = 2.0 * n * c * 9 * size * size / 1e9;
        TestContext.Out.WriteLine($"depthwise [{n},{c},{size},{size}]: grouped GEMM {gemm:F2} ms ({gflop / gemm * 1e3:F1} GFLOP/s), kernel {direct:F2} ms ({gflop / direct * 1e3:F1} GFLOP/s)");
    }

    /// <summary>The direct small-output kernel against the implicit GEMM on TCAM's dense k×k shapes (one tile or image row band).</summary>
    [TestCase(1, 36, 136, 136, 8, 1)]   // decoder full1, one tile
    [TestCase(1, 8, 136, 136, 8, 1)]    // decoder full2
    [TestCase(1, 6, 136, 256, 8, 1)]    // encoder full
    [TestCase(1, 8, 136, 256, 16, 2)]   // encoder half
    [TestCase(1, 16, 136, 240, 27, 1)]  // DCN offsets + mask
    [TestCase(1, 16, 136, 240, 32, 2)]  // encoder quarter
    [TestCase(1, 32, 68, 120, 32, 1)]   // spatial attention 3×3
    [TestCase(1, 24, 136, 136, 8, 1, 1)]   // TCAM fuse_full 1×1, one tile
    [TestCase(1, 64, 136, 240, 16, 1, 1)]  // guide / in_half 1×1
    [TestCase(1, 85, 68, 120, 32, 1, 1)]   // GDFN out 1×1 at 1/4
    [TestCase(1, 8, 136, 136, 3, 1, 1)]    // head 1×1
    public void DirectVersusGemm(int n, int c, int h, int w, int o, int stride, int k = 3)
    {
        var rng = new Rng(1);
        using var x = Tensor.Randn(rng, n, c, h, w);
        using var wt = Tensor.Randn(rng, new[] { o, c, k, k }, 0.2f);
        using var b = Tensor.Randn(rng, o);
        double gemm, direct;
        try
        {
            CpuBackend.DirectConvKernel = false;
            gemm = BestOneThread(15, () => Tensor.Conv2d(x, wt, b, stride, k / 2).Dispose());
            CpuBackend.DirectConvKernel = true;
            direct = BestOneThread(15, () => Tensor.Conv2d(x, wt, b, stride, k / 2).Dispose());
        }
        finally { CpuBackend.DirectConvKernel = true; }
        double gflop = 2.0 * n * o * c * k * k * (h / stride) * (w / stride) / 1e9;
        TestContext.Out.WriteLine($"conv {k}x{k} {c}->{o} s{stride} [{n},{c},{h},{w}]: GEMM {gemm:F2} ms ({gflop / gemm * 1e3:F1} GFLOP/s), direct {direct:F2} ms ({gflop / direct * 1e3:F1} GFLOP/s)");
    }

    /// <summary>TCAM's DCN at 1/2 resolution (one neighbour, 270×480, 16 → 16, 3×3): scalar against vector taps, one thread.</summary>
    [Test]
    public void DeformableConvTaps()
    {
        var rng = new Rng(1);
        int h = 270, w = 480;
        using var x = Tensor.Randn(rng, 1, 16, h, w);
        using var off = Tensor.Randn(rng, new[] { 1, 18, h, w }, 1.5f);
        using var m = Tensor.Rand(rng, 1, 9, h, w);
        using var wt = Tensor.Randn(rng, new[] { 16, 16, 3, 3 }, 0.2f);
        double scalar, vector, plain;
        try
        {
            CpuBackend.DcnVectorTaps = false;
            scalar = BestOneThread(7, () => Tensor.DeformConv2d(x, off, m, wt, null, 1, 1).Dispose());
            CpuBackend.DcnVectorTaps = true;
            vector = BestOneThread(7, () => Tensor.DeformConv2d(x, off, m, wt, null, 1, 1).Dispose());
            CpuBackend.DirectConvKernel = false;
            plain = BestOneThread(7, () => Tensor.Conv2d(x, wt, null, 1, 1).Dispose());
        }
        finally
        {
            CpuBackend.DcnVectorTaps = true;
            CpuBackend.DirectConvKernel = true;
        }
        TestContext.Out.WriteLine($"DCN [1,16,{h},{w}] 16->16 3x3: scalar taps {scalar:F1} ms, vector taps {vector:F1} ms; the same conv without deformation as an implicit GEMM {plain:F1} ms");
    }

    /// <summary>TCAM's tile fusions: conv(concat(parts)) with the concatenation against the direct kernel reading the parts in place.</summary>
    [TestCase(1)]
    [TestCase(3)]
    public void PartsVersusConcat(int k)
    {
        var rng = new Rng(1);
        using var m1 = Tensor.Randn(rng, 2, 8, 136, 136);
        using var halfUp = Tensor.Randn(rng, 2, 16, 140, 140);
        var up = halfUp.Narrow(2, 2, 136).Narrow(3, 2, 136);
        using var cl = Tensor.Randn(rng, 1, 4, 136, 136);
        var parts = k == 1 ? new[] { m1, up } : new[] { m1.Narrow(0, 0, 1), m1.Narrow(0, 1, 1), up.Narrow(0, 0, 1), cl };
        int cin = parts.Sum(t => t.Shape[1]);
        using var w = Tensor.Randn(rng, new[] { 8, cin, k, k }, 0.2f);
        using var b = Tensor.Randn(rng, 8);
        var p = Conv2dParams.Create(1, k / 2, 1, 1);
        double concat = BestOneThread(15, () => { using var x = Tensor.Concat(parts, 1); using var y = Tensor.Conv2d(x, w, b, p); });
        double direct = BestOneThread(15, () => { CpuBackend.TryConv2dParts(parts, w, b, p, out var y); y!.Dispose(); });
        TestContext.Out.WriteLine($"conv {k}x{k} {cin}->8 of {parts.Length} parts: concat + conv {concat:F2} ms, parts in place {direct:F2} ms");
    }

    /// <summary>The best of <paramref name="runs"/> runs of <paramref name="run"/> on one thread, in ms.</summary>
    private static double BestOneThread(int runs, Action run)
    {
        int threads = ParallelRange.MaxThreads;
        ParallelRange.MaxThreads = 1;
        try
        {
            double best = double.MaxValue;
            for (int r = 0; r < runs; r++)
            {
                var sw = Stopwatch.StartNew();
                run();
                best = Math.Min(best, sw.Elapsed.TotalMilliseconds);
            }
            return best;
        }
        finally { ParallelRange.MaxThreads = threads; }
    }
}
