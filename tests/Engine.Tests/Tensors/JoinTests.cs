using HdrOfx.Engine.Tensors;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Tensors;

public class JoinTests
{
    [TestCase(0)]
    [TestCase(1)]
    [TestCase(-1)]
    public void ConcatMatchesReferenceWithGradients(int dim)
    {
        var rng = new Rng(7);
        int[] s1 = { 2, 3, 4 }, s2 = { 2, 3, 4 };
        int d = dim < 0 ? dim + 3 : dim;
        s2[d] = 5;
        using var a = Tensor.Randn(rng, s1);
        using var b = Tensor.Randn(rng, s2);
        GradCheck.Check(t => Tensor.Concat(t, dim), r => Reference.Concat(r, dim), new[] { a, b }).AssertWithin(1e-7, 1e-6);
    }

    [Test]
    public void StackAddsADim()
    {
        var rng = new Rng(6);
        using var a = Tensor.Randn(rng, 2, 3);
        using var b = Tensor.Randn(rng, 2, 3);
        GradCheck.Check(t => Tensor.Stack(t, 1), r =>
        {
            var y = new RefTensor(new[] { 2, 2, 3 });
            for (int i = 0; i < 2; i++) for (int k = 0; k < 2; k++) for (int j = 0; j < 3; j++) y[i, k, j] = r[k][i, j];
            return y;
        }, new[] { a, b }).AssertWithin(1e-7, 1e-6);
    }

    [Test]
    public void SplitInvertsConcat()
    {
        var rng = new Rng(8);
        using var x = Tensor.Randn(rng, 2, 9, 3);
        var parts = x.Split(new[] { 2, 3, 4 }, 1);
        Assert.That(parts.Select(p => p.Shape[1]), Is.EqualTo(new[] { 2, 3, 4 }));
        using var back = Tensor.Concat(parts, 1);
        Assert.That(back.ToArray(), Is.EqualTo(x.ToArray()));
        // gradient of a weighted use of the pieces
        GradCheck.Check(t =>
        {
            var p = t[0].Split(new[] { 2, 3, 4 }, 1);
            return Tensor.Concat(new[] { p[2], p[0] }, 1) * 2f;
        }, r =>
        {
            var y = Reference.Concat(new[] { Slice(r[0], 5, 9), Slice(r[0], 0, 2) }, 1);
            return Reference.Map(y, v => 2 * v);
        }, new[] { x }).AssertWithin(1e-7, 1e-6);
        Assert.That(x.Chunk(3, 1).Length, Is.EqualTo(3));
    }

    private static RefTensor Slice(RefTensor x, int s, int e)
    {
        var shape = (int[])x.Shape.Clone(); shape[1] = e - s;
        var y = new RefTensor(shape);
        for (int i = 0; i < y.Length; i++) { var idx = y.Unravel(i); idx[1] += s; y.Data[i] = x[idx]; }
        return y;
    }

    [TestCase(2)]
    [TestCase(3)]
    public void PixelShuffleAndUnshuffleMatchReference(int r)
    {
        var rng = new Rng(9);
        using var x = Tensor.Randn(rng, 2, 2 * r * r, 3, 4);
        GradCheck.Check(t => t[0].PixelShuffle(r), q => Reference.PixelShuffle(q[0], r), new[] { x }).AssertWithin(1e-7, 1e-6);
        using var y = Tensor.Randn(rng, 2, 3, 2 * r, 3 * r);
        GradCheck.Check(t => t[0].PixelUnshuffle(r), q => Reference.PixelUnshuffle(q[0], r), new[] { y }).AssertWithin(1e-7, 1e-6);
        using var ps = x.PixelShuffle(r);
        using var back = ps.PixelUnshuffle(r);
        Assert.That(back.ToArray(), Is.EqualTo(x.ToArray()));
    }
}
