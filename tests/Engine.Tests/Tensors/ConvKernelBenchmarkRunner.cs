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
        int threads = ParallelRange.MaxThreads;
        ParallelRange.MaxThreads = 1;
        try
        {
            double Best(bool kernel)
            {
                CpuBackend.DepthwiseKernel = kernel;
                double best = double.MaxValue;
                for (int r = 0; r < 15; r++)
                {
                    var sw = Stopwatch.StartNew();
                    using var y = Tensor.Conv2d(x, w, b, 1, 1, 1, c);
                    best = Math.Min(best, sw.Elapsed.TotalMilliseconds);
                }
                return best;
            }
            double gemm = Best(false), direct = Best(true);
            double gflop = 2.0 * n * c * 9 * size * size / 1e9;
            TestContext.Out.WriteLine($"depthwise [{n},{c},{size},{size}]: grouped GEMM {gemm:F2} ms ({gflop / gemm * 1e3:F1} GFLOP/s), kernel {direct:F2} ms ({gflop / direct * 1e3:F1} GFLOP/s)");
        }
        finally
        {
            CpuBackend.DepthwiseKernel = true;
            ParallelRange.MaxThreads = threads;
        }
    }
}
