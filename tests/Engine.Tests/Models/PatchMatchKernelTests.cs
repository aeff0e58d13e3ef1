using HdrOfx.Engine.Models;
using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Autograd;
using HdrOfx.Engine.Tensors.Cpu;
using HdrOfx.Engine.Tests.Tensors;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Models;

/// <summary>
/// The fused inference kernel of the patch matching (<see cref="PatchMatchKernel"/>) against the float64 naive-loop
/// reference of <see cref="PatchMatchTests"/> and against the composite of differentiable ops (the training path):
/// odd sizes, widths below, at and above a vector, R = 1, 2, 3, key ≠ value with other channel counts, strided views.
/// </summary>
public class PatchMatchKernelTests
{
    // N, C, Cv, H, W, R
    [TestCase(1, 8, 8, 9, 13, 1)]
    [TestCase(2, 3, 5, 7, 5, 1)]
    [TestCase(1, 16, 4, 11, 17, 2)]
    [TestCase(2, 1, 1, 3, 1, 1)]
    [TestCase(1, 5, 3, 6, 23, 3)]
    [TestCase(3, 8, 8, 16, 16, 1)]
    public void FusedKernelMatchesTheFloat64Reference(int n, int c, int cv, int h, int w, int r)
    {
        var rng = new Rng((ulong)(n * 1000 + c * 100 + h * 10 + w + r));
        var q = Tensor.Randn(rng, new[] { n, c, h, w });
        var k = Tensor.Randn(rng, new[] { n, c, h, w });
        var v = Tensor.Randn(rng, new[] { n, cv, h, w });
        const float tau = 2.3f;
        var y = Tensor.Empty(n, cv, h, w);
        PatchMatchKernel.Forward(q, k, v, r, tau, y);
        var expected = PatchMatchTests.Reference(GradCheck.ToRef(q), GradCheck.ToRef(k), GradCheck.ToRef(v), tau, r);
        AssertClose(y.ToArray(), expected.Data, 2e-6, 2e-6);
    }

    [Test]
    public void FusedKernelReadsStridedViewsAndSharedKeyValue()
    {
        var rng = new Rng(11);
        var bigQ = Tensor.Randn(rng, new[] { 2, 8, 20, 30 });
        var bigK = Tensor.Randn(rng, new[] { 2, 8, 20, 30 });
        var q = bigQ.Narrow(2, 3, 13).Narrow(3, 5, 19);
        var kv = bigK.Narrow(2, 2, 13).Narrow(3, 4, 19);
        var y = Tensor.Empty(2, 8, 13, 19);
        PatchMatchKernel.Forward(q, kv, kv, 1, 4f, y);
        var expected = PatchMatchTests.Reference(GradCheck.ToRef(q.Contiguous()), GradCheck.ToRef(kv.Contiguous()), GradCheck.ToRef(kv.Contiguous()), 4.0, 1);
        AssertClose(y.ToArray(), expected.Data, 2e-6, 2e-6);
    }

    /// <summary>PatchMatch.Apply without a gradient (the fused kernel) against the same call with one (the composite).</summary>
    [TestCase(1, 8, 12, 21, 1, 4f)]
    [TestCase(2, 8, 9, 8, 1, 50f)]
    [TestCase(1, 6, 10, 13, 2, 0.5f)]
    public void InferencePathMatchesTheComposite(int n, int c, int h, int w, int r, float tau)
    {
        var rng = new Rng((ulong)(c + h + w));
        var q = Tensor.Randn(rng, new[] { n, c, h, w });
        var kv = Tensor.Randn(rng, new[] { n, c, h, w });
        var t = Tensor.Full(new[] { 1 }, tau);
        float[] composite = PatchMatch.Apply(q, kv, kv, r, t).ToArray(); // gradient mode on: the composite
        float[] fused;
        using (GradMode.NoGrad()) fused = PatchMatch.Apply(q, kv, kv, r, t).ToArray();
        double maxDiff = 0;
        for (int i = 0; i < fused.Length; i++) maxDiff = Math.Max(maxDiff, Math.Abs(fused[i] - composite[i]));
        TestContext.Out.WriteLine($"max |fused − composite| = {maxDiff:G3}");
        Assert.That(maxDiff, Is.LessThanOrEqualTo(2e-6));
    }

    private static void AssertClose(float[] actual, double[] expected, double abs, double rel)
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length));
        double worst = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double err = Math.Abs(actual[i] - expected[i]);
            worst = Math.Max(worst, err);
            Assert.That(err, Is.LessThanOrEqualTo(abs + rel * Math.Abs(expected[i])), $"element {i}: {actual[i]} vs {expected[i]}");
        }
        TestContext.Out.WriteLine($"max abs error {worst:G3}");
    }
}

/// <summary>On demand: the fused matching kernel against the composite on a tile (two neighbours), one thread, best of 15.</summary>
[Explicit("benchmark; run on demand")]
public class PatchMatchKernelBenchmarkRunner
{
    [TestCase(2, 8, 136, 136)]
    public void FusedVersusComposite(int n, int c, int h, int w)
    {
        var rng = new Rng(1);
        using var q = Tensor.Randn(rng, new[] { n, c, h, w });
        using var kv = Tensor.Randn(rng, new[] { n, c, h, w });
        using var tau = Tensor.Full(new[] { 1 }, 4f);
        int threads = HdrOfx.Engine.Parallelism.ParallelRange.MaxThreads;
        HdrOfx.Engine.Parallelism.ParallelRange.MaxThreads = 1;
        try
        {
            double Best(Action run)
            {
                double best = double.MaxValue;
                for (int r = 0; r < 15; r++)
                {
                    var sw = System.Diagnostics.Stopwatch.StartNew();
                    run();
                    best = Math.Min(best, sw.Elapsed.TotalMilliseconds);
                }
                return best;
            }
            double composite = Best(() => // gradient mode on: the composite
            {
                using var scope = new TensorScope();
                PatchMatch.Apply(q, kv, kv, 1, tau);
            });
            double fused;
            using (GradMode.NoGrad()) fused = Best(() => { using var y = PatchMatch.Apply(q, kv, kv, 1, tau); });
            TestContext.Out.WriteLine($"patch match [{n},{c},{h},{w}] R=1: composite {composite:F2} ms, fused {fused:F2} ms");
        }
        finally { HdrOfx.Engine.Parallelism.ParallelRange.MaxThreads = threads; }
    }
}

