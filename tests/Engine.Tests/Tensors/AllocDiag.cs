using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Autograd;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Tensors;

[Explicit("diagnostic")]
public class AllocDiag
{
    private static long Measure(Action a, int reps = 20)
    {
        a(); a();
        long b0 = GC.GetTotalAllocatedBytes(true);
        for (int i = 0; i < reps; i++) a();
        return (GC.GetTotalAllocatedBytes(true) - b0) / reps;
    }

    [Test]
    public void PerOpAllocations()
    {
        var rng = new Rng(1);
        using var x = Tensor.Randn(rng, 4, 32, 128, 128);
        using var w = Tensor.Randn(rng, new[] { 32, 32, 3, 3 }, 0.1f);
        using var b = Tensor.Zeros(32);
        var A = new float[512 * 512]; var B = new float[512 * 512]; var C = new float[512 * 512];
        TestContext.Out.WriteLine($"sgemm 512 2 threads: {Measure(() => HdrOfx.Engine.Tensors.Cpu.Sgemm.Run(512, 512, 512, A, 0, 512, 1, B, 0, 512, 1, C, 0, 512, false))} B");
        TestContext.Out.WriteLine($"parallel for empty: {Measure(() => System.Threading.Tasks.Parallel.For(0, 2, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i => { }))} B");
        TestContext.Out.WriteLine($"threads: {System.Threading.ThreadPool.ThreadCount}");
        int threads = HdrOfx.Engine.Parallelism.ParallelRange.MaxThreads;
        HdrOfx.Engine.Parallelism.ParallelRange.MaxThreads = 1;
        try
        {
            TestContext.Out.WriteLine($"conv fwd nograd 1 thread: {Measure(() => { using var _ = GradMode.NoGrad(); Tensor.Conv2d(x, w, b, 1, 1).Dispose(); })} B");
        }
        finally
        {
            HdrOfx.Engine.Parallelism.ParallelRange.MaxThreads = threads;
        }
        using var x1 = Tensor.Randn(rng, 1, 32, 128, 128);
        TestContext.Out.WriteLine($"conv fwd nograd N=1: {Measure(() => { using var _ = GradMode.NoGrad(); Tensor.Conv2d(x1, w, b, 1, 1).Dispose(); })} B");
        TestContext.Out.WriteLine($"conv fwd nograd: {Measure(() => { using var _ = GradMode.NoGrad(); Tensor.Conv2d(x, w, b, 1, 1).Dispose(); })} B");
        TestContext.Out.WriteLine($"gelu: {Measure(() => x.Gelu().Dispose())} B");
        TestContext.Out.WriteLine($"add bias: {Measure(() => (x + b.Reshape(1, 32, 1, 1)).Dispose())} B");
        TestContext.Out.WriteLine($"sum: {Measure(() => x.Sum().Dispose())} B");
        var be = Backends.Cpu;
        using var y = Tensor.Empty(4, 32, 128, 128);
        using var dw = Tensor.Empty(32, 32, 3, 3);
        var p = Conv2dParams.Create(1, 1);
        TestContext.Out.WriteLine($"conv dX kernel: {Measure(() => be.Conv2dBackwardInput(x, w, y, p))} B");
        TestContext.Out.WriteLine($"conv dW kernel: {Measure(() => be.Conv2dBackwardWeight(x, y, dw, p))} B");
        TestContext.Out.WriteLine($"sgemm 256: {Measure(() => HdrOfx.Dev.Benchmarks.TensorBenchmarks.Gemm(64, 64, 64, 0))} B (includes arrays)");
    }
}
