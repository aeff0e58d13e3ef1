using System.Diagnostics;
using HdrOfx.Engine.Parallelism;
using HdrOfx.Engine.Tensors;
using NUnit.Framework;
using static HdrOfx.Engine.Tests.Tensors.Ops2.Ops2Check;

namespace HdrOfx.Engine.Tests.Tensors.Ops2;

/// <summary>
/// Forward+backward timings of the vision ops at model-sized shapes (explicit: run on demand with
/// --filter "FullyQualifiedName~VisionOpsTimings"). Prints the best of 3 runs after a warm-up.
/// </summary>
[Explicit, NonParallelizable]
public class VisionOpsTimings
{
    private static void Time(string name, Func<Tensor> fwd)
    {
        double best = double.MaxValue, bestF = double.MaxValue;
        for (int it = 0; it < 4; it++)
        {
            using var scope = new TensorScope();
            var sw = Stopwatch.StartNew();
            var y = fwd();
            double tf = sw.Elapsed.TotalMilliseconds;
            var loss = y.Sum();
            loss.Backward();
            double t = sw.Elapsed.TotalMilliseconds;
            if (it > 0) { best = Math.Min(best, t); bestF = Math.Min(bestF, tf); }
        }
        TestContext.Out.WriteLine($"{name,-58} fwd {bestF,8:F2} ms   fwd+bwd {best,8:F2} ms");
    }

    [Test]
    public void Run()
    {
        TestContext.Out.WriteLine($"threads {ParallelRange.MaxThreads}");
        var x = Randn(1, 1, 64, 128, 128).RequireGrad();
        var g = Tensor.Ones(64).RequireGrad(); var b = Tensor.Zeros(64).RequireGrad();
        Time("GroupNorm 1x64x128x128 G=8", () => Tensor.GroupNorm(x, 8, g, b));
        Time("LayerNormChannels 1x64x128x128", () => Tensor.LayerNormChannels(x, g, b));
        var xl = Randn(2, 16384, 64).RequireGrad();
        Time("LayerNorm [16384, 64]", () => Tensor.LayerNorm(xl, g, b));
        var q = Randn(3, 4 * 64 * 2, 64, 32).RequireGrad(); // 4 images of 64x64 in 8x8 windows, 2 heads
        Time("SDPA [512 windows·heads, 64, 32]", () => Tensor.ScaledDotProductAttention(q, q, q));
        var cq = Randn(4, 1, 4, 16, 128 * 128).RequireGrad();
        var temp = Tensor.Ones(4, 1, 1).RequireGrad();
        Time("ChannelAttention [1, 4 heads, 16, 128x128]", () => Tensor.ChannelAttention(cq, cq, cq, temp));
        var flow = Randn(5, 1, 2, 128, 128).RequireGrad();
        Time("FlowWarp 1x64x128x128", () => Tensor.FlowWarp(x, flow));
        var f = Randn(6, 1, 64, 64, 64).RequireGrad();
        Time("Correlation 1x64x64x64 R=4", () => Tensor.Correlation(f, f, 4));
        var off = Randn(7, 1, 18, 64, 64).RequireGrad();
        var m = Rand(8, new[] { 1, 9, 64, 64 }, 0f, 1f).RequireGrad();
        var w = Randn(9, new[] { 64, 64, 3, 3 }).RequireGrad();
        Time("DeformConv2d 1x64x64x64 3x3 64->64", () => Tensor.DeformConv2d(f, off, m, w, null, 1, 1));
        var w2 = Randn(9, new[] { 64, 64, 3, 3 }).RequireGrad();
        Time("Conv2d 1x64x64x64 3x3 64->64 (for scale)", () => Tensor.Conv2d(f, w2, null, 1, 1));
        Time("Resize 1x64x128x128 -> 256x256", () => x.Resize(256, 256));
        Time("AvgPool2d 2 on 1x64x128x128", () => x.AvgPool2d(2));
        Time("MaxPool2d 2 on 1x64x128x128", () => x.MaxPool2d(2));
        var i1 = Rand(10, new[] { 4, 3, 128, 128 }, 0f, 1f).RequireGrad(); var i2 = Rand(11, new[] { 4, 3, 128, 128 }, 0f, 1f);
        Time("SsimLoss 4x3x128x128", () => Tensor.SsimLoss(i1, i2));
    }

    [Test]
    public void NormKernels()
    {
        foreach (var (shape, kind) in new[] { (new[] { 1, 64, 128, 128 }, 0), (new[] { 16384, 64, 1 }, 0), (new[] { 1, 64, 16384 }, 1) })
        {
            var x = Randn(1, shape); var y = Tensor.EmptyLike(x); var dx = Tensor.EmptyLike(x);
            int c = shape[1], grp = kind == 0 && shape[2] > 1 ? 8 : 1;
            var st = kind == 0 ? new[] { shape[0], grp } : new[] { shape[0], shape[2] };
            var mean = Tensor.Empty(st); var rstd = Tensor.Empty(st);
            var gm = Tensor.Ones(c); var bt = Tensor.Zeros(c); var dg = Tensor.Empty(c); var db = Tensor.Empty(c);
            double bf = 1e9, bb = 1e9;
            for (int it = 0; it < 5; it++)
            {
                var sw = Stopwatch.StartNew();
                if (kind == 0) Backends.Cpu.GroupNorm(x, gm, bt, y, mean, rstd, grp, 1e-5f); else Backends.Cpu.ChannelNorm(x, gm, bt, y, mean, rstd, 1e-5f);
                bf = Math.Min(bf, sw.Elapsed.TotalMilliseconds); sw.Restart();
                if (kind == 0) Backends.Cpu.GroupNormBackward(x, gm, mean, rstd, y, dx, dg, db, grp); else Backends.Cpu.ChannelNormBackward(x, gm, mean, rstd, y, dx, dg, db);
                bb = Math.Min(bb, sw.Elapsed.TotalMilliseconds);
            }
            TestContext.Out.WriteLine($"{(kind == 0 ? "GroupNorm" : "ChannelNorm")} {Tensor.ShapeString(shape)} G={grp}: fwd {bf:F2} ms, bwd {bb:F2} ms");
        }
    }

    [Test]
    public void AttentionParts()
    {
        var q = Randn(3, 512, 64, 32);
        using var _ = HdrOfx.Engine.Tensors.Autograd.GradMode.NoGrad();
        void T(string name, Func<Tensor> f)
        {
            double best = 1e9;
            for (int i = 0; i < 4; i++) { var sw = Stopwatch.StartNew(); using var y = f(); best = Math.Min(best, sw.Elapsed.TotalMilliseconds); }
            TestContext.Out.WriteLine($"{name,-40} {best,8:F2} ms");
        }
        var kt = q.Transpose(-2, -1);
        var s = Tensor.MatMul(q, kt);
        T("q·kᵀ [512, 64x32 · 32x64]", () => Tensor.MatMul(q, kt));
        T("softmax [512, 64, 64]", () => s.Softmax(-1));
        T("a·v [512, 64x64 · 64x32]", () => Tensor.MatMul(s, q));
        T("q·0.17", () => q.MulScalar(0.17f));
        T("SDPA total", () => Tensor.ScaledDotProductAttention(q, q, q));
    }
}
