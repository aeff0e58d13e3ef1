using HdrOfx.Engine.Tensors;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Tensors;

public class ViewTests
{
    private static RefTensor Permute(RefTensor x, int[] p)
    {
        var shape = p.Select(d => x.Shape[d]).ToArray();
        var y = new RefTensor(shape);
        for (int i = 0; i < y.Length; i++)
        {
            var yi = y.Unravel(i);
            var xi = new int[x.Rank];
            for (int k = 0; k < p.Length; k++) xi[p[k]] = yi[k];
            y.Data[i] = x[xi];
        }
        return y;
    }

    private static RefTensor Slice(RefTensor x, int dim, int start, int end, int step)
    {
        var shape = (int[])x.Shape.Clone();
        shape[dim] = (end - start + step - 1) / step;
        var y = new RefTensor(shape);
        for (int i = 0; i < y.Length; i++)
        {
            var idx = y.Unravel(i); idx[dim] = start + idx[dim] * step;
            y.Data[i] = x[idx];
        }
        return y;
    }

    [Test]
    public void PermuteTransposeReshapeAreViewsWithGradients()
    {
        var rng = new Rng(1);
        using var x = Tensor.Randn(rng, 2, 3, 4, 5);
        using var p = x.Permute(2, 0, 3, 1);
        Assert.That(p.Shape, Is.EqualTo(new[] { 4, 2, 5, 3 }));
        Assert.That(p.IsContiguous, Is.False);
        Assert.That(ReferenceEquals(p.Storage, x.Storage), Is.True);
        GradCheck.Check(t => t[0].Permute(2, 0, 3, 1), r => Permute(r[0], new[] { 2, 0, 3, 1 }), new[] { x }).AssertWithin(1e-7, 1e-6);
        // reshape of a non-contiguous view copies, and still differentiates
        GradCheck.Check(t => t[0].Permute(2, 0, 3, 1).Reshape(8, -1), r => new RefTensor(Permute(r[0], new[] { 2, 0, 3, 1 }).Data, new[] { 8, 15 }), new[] { x })
            .AssertWithin(1e-7, 1e-6);
        GradCheck.Check(t => t[0].Transpose(1, 3), r => Permute(r[0], new[] { 0, 3, 2, 1 }), new[] { x }).AssertWithin(1e-7, 1e-6);
    }

    [Test]
    public void NarrowSliceSelectWithGradients()
    {
        var rng = new Rng(2);
        using var x = Tensor.Randn(rng, 3, 10, 4);
        GradCheck.Check(t => t[0].Narrow(1, 2, 5), r => Slice(r[0], 1, 2, 7, 1), new[] { x }).AssertWithin(1e-7, 1e-6);
        GradCheck.Check(t => t[0].Slice(1, 1, 10, 3), r => Slice(r[0], 1, 1, 10, 3), new[] { x }).AssertWithin(1e-7, 1e-6);
        GradCheck.Check(t => t[0].Select(2, -1), r => new RefTensor(Slice(r[0], 2, 3, 4, 1).Data, new[] { 3, 10 }), new[] { x }).AssertWithin(1e-7, 1e-6);
    }

    [Test]
    public void ExpandBroadcastsWithStrideZeroAndSumsGradient()
    {
        var rng = new Rng(3);
        using var x = Tensor.Randn(rng, 3, 1, 2);
        using var e = x.Expand(4, 3, 5, 2);
        Assert.That(e.Strides, Is.EqualTo(new[] { 0, 2, 0, 1 }));
        GradCheck.Check(t => t[0].Expand(4, 3, 5, 2), r =>
        {
            var y = new RefTensor(new[] { 4, 3, 5, 2 });
            for (int i = 0; i < y.Length; i++) y.Data[i] = Reference.BroadcastGet(r[0], y.Unravel(i));
            return y;
        }, new[] { x }).AssertWithin(1e-7, 1e-6);
        Assert.Throws<ArgumentException>(() => x.Expand(2, 2, 2));
    }

    [Test]
    public void UnsqueezeSqueezeFlatten()
    {
        using var x = Tensor.Arange(24).Reshape(2, 3, 4);
        using var u = x.Unsqueeze(1);
        Assert.That(u.Shape, Is.EqualTo(new[] { 2, 1, 3, 4 }));
        using var s = u.Squeeze(1);
        Assert.That(s.ToArray(), Is.EqualTo(x.ToArray()));
        using var f = x.Flatten(1);
        Assert.That(f.Shape, Is.EqualTo(new[] { 2, 12 }));
        using var u2 = x.Unsqueeze(-1);
        Assert.That(u2.Shape, Is.EqualTo(new[] { 2, 3, 4, 1 }));
        Assert.That(x[1, 2, 3], Is.EqualTo(23f));
        Assert.Throws<ArgumentException>(() => x.Reshape(5, -1));
    }

    [Test]
    public void ContiguousCopyOfStridedViewIsRowMajor()
    {
        using var x = Tensor.Arange(12).Reshape(3, 4);
        using var t = x.Transpose(0, 1);
        using var c = t.Contiguous();
        Assert.That(c.IsContiguous, Is.True);
        Assert.That(c.ToArray(), Is.EqualTo(new float[] { 0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11 }));
    }
}
