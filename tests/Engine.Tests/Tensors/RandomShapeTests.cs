using HdrOfx.Engine.Tensors;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Tensors;

/// <summary>Gradient checks on randomly drawn shapes and parameters (fixed seeds, so failures reproduce).</summary>
public class RandomShapeTests
{
    private static int[] RandomShape(Rng rng, int rank, int max = 5)
    {
        var s = new int[rank];
        for (int i = 0; i < rank; i++) s[i] = 1 + rng.NextInt(max);
        return s;
    }

    /// <summary>A shape that broadcasts against <paramref name="s"/>: some dims set to 1, some leading dims dropped.</summary>
    private static int[] BroadcastPartner(Rng rng, int[] s)
    {
        int drop = rng.NextInt(s.Length);
        return s.Skip(drop).Select(d => rng.NextInt(3) == 0 ? 1 : d).ToArray();
    }

    [Test]
    public void BroadcastArithmeticOnRandomShapes([Range(1, 12)] int seed)
    {
        var rng = new Rng((ulong)seed * 7919);
        var sa = RandomShape(rng, 1 + rng.NextInt(5));
        var sb = BroadcastPartner(rng, sa);
        if (rng.NextInt(2) == 0) (sa, sb) = (sb, sa);
        using var a = Tensor.Randn(rng, sa);
        using var b = Tensor.Rand(rng, sb, 0.5f, 2f);
        TestContext.Out.WriteLine($"{Tensor.ShapeString(sa)} op {Tensor.ShapeString(sb)}");
        GradCheck.Check(x => (x[0] * x[1] - x[0]) / x[1], r => Reference.Binary(Reference.Binary(Reference.Binary(r[0], r[1], (p, q) => p * q), r[0], (p, q) => p - q), r[1], (p, q) => p / q),
            new[] { a, b }, seed: (ulong)seed).AssertWithin(1e-5, 1e-4);
    }

    [Test]
    public void ReductionsOnRandomShapes([Range(1, 12)] int seed)
    {
        var rng = new Rng((ulong)seed * 104729);
        var s = RandomShape(rng, 1 + rng.NextInt(5), 6);
        var dims = Enumerable.Range(0, s.Length).Where(_ => rng.NextInt(2) == 0).ToArray();
        if (dims.Length == 0) dims = new[] { s.Length - 1 };
        bool keep = rng.NextInt(2) == 0;
        using var x = Tensor.Randn(rng, s);
        TestContext.Out.WriteLine($"sum {Tensor.ShapeString(s)} over {Tensor.ShapeString(dims)} keep={keep}");
        GradCheck.Check(t => t[0].Sum(dims, keep), r => Reference.Sum(r[0], dims, keep), new[] { x }, seed: (ulong)seed).AssertWithin(1e-5, 1e-5);
        int d = rng.NextInt(s.Length);
        GradCheck.Check(t => t[0].Softmax(d), r => Reference.Softmax(r[0], d), new[] { x }, seed: (ulong)seed).AssertWithin(1e-5, 1e-4);
    }

    [Test]
    public void BatchedMatMulOnRandomShapes([Range(1, 10)] int seed)
    {
        var rng = new Rng((ulong)seed * 15485863);
        int m = 1 + rng.NextInt(20), k = 1 + rng.NextInt(20), n = 1 + rng.NextInt(20);
        var batch = RandomShape(rng, rng.NextInt(3), 3);
        var ba = BroadcastPartner(rng, batch.Length == 0 ? new[] { 1 } : batch);
        var bb = batch;
        using var a = Tensor.Randn(rng, ba.Concat(new[] { m, k }).ToArray());
        using var b = Tensor.Randn(rng, bb.Concat(new[] { k, n }).ToArray());
        TestContext.Out.WriteLine($"{Tensor.ShapeString(a.Shape)} @ {Tensor.ShapeString(b.Shape)}");
        GradCheck.Check(t => Tensor.MatMul(t[0], t[1]), r => Reference.MatMul(r[0], r[1]), new[] { a, b }, seed: (ulong)seed, maxPerInput: 32).AssertWithin(1e-4, 1e-4);
    }

    [Test]
    public void Conv2dOnRandomGeometry([Range(1, 10)] int seed)
    {
        var rng = new Rng((ulong)seed * 32452843);
        int groups = 1 + rng.NextInt(2);
        int c = groups * (1 + rng.NextInt(3)), o = groups * (1 + rng.NextInt(3));
        int k = 1 + rng.NextInt(3), s = 1 + rng.NextInt(2), d = 1 + rng.NextInt(2), p = rng.NextInt(3);
        int h = d * (k - 1) + 1 + rng.NextInt(6), w = d * (k - 1) + 1 + rng.NextInt(6);
        int n = 1 + rng.NextInt(2);
        using var x = Tensor.Randn(rng, n, c, h, w);
        using var wt = Tensor.Randn(rng, new[] { o, c / groups, k, k }, 0.5f);
        using var b = Tensor.Randn(rng, o);
        TestContext.Out.WriteLine($"x {Tensor.ShapeString(x.Shape)} w {Tensor.ShapeString(wt.Shape)} s={s} p={p} d={d} g={groups}");
        GradCheck.Check(t => Tensor.Conv2d(t[0], t[1], t[2], s, p, d, groups), r => Reference.Conv2d(r[0], r[1], r[2], s, s, p, p, d, d, groups),
            new[] { x, wt, b }, seed: (ulong)seed, maxPerInput: 24).AssertWithin(1e-4, 1e-4);
    }
}
