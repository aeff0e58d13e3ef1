using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Autograd;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Tensors;

public class AutogradTests
{
    [Test]
    public void ReusedTensorAccumulatesAlongEveryPath()
    {
        // y = x·x + 3x → dy/dx = 2x + 3 (x used three times: diamond graph)
        using var x = Tensor.FromArray(new[] { 1f, -2f, 0.5f }).RequireGrad();
        var y = (x * x + x * 3f).Sum();
        y.Backward();
        Assert.That(x.Grad!.ToArray(), Is.EqualTo(new[] { 5f, -1f, 4f }));
    }

    [Test]
    public void GradientsAccumulateAcrossBackwardCallsUntilZeroGrad()
    {
        using var x = Tensor.FromArray(new[] { 2f }).RequireGrad();
        (x * x).Sum().Backward();
        (x * x).Sum().Backward();
        Assert.That(x.Grad!.Item(), Is.EqualTo(8f));
        x.ZeroGrad();
        Assert.That(x.Grad, Is.Null);
        (x * 5f).Sum().Backward();
        Assert.That(x.Grad!.Item(), Is.EqualTo(5f));
        x.ZeroGrad(setToNull: false);
        Assert.That(x.Grad!.Item(), Is.EqualTo(0f));
    }

    [Test]
    public void NoGradRecordsNothing()
    {
        using var x = Tensor.Ones(3).RequireGrad();
        Tensor y;
        using (GradMode.NoGrad()) y = x * 2f;
        Assert.That(y.RequiresGrad, Is.False);
        Assert.That(y.GradFn, Is.Null);
        Assert.Throws<InvalidOperationException>(() => y.Sum().Backward());
        Assert.That(GradMode.IsEnabled, Is.True);
    }

    [Test]
    public void DetachCutsTheGraph()
    {
        using var x = Tensor.FromArray(new[] { 3f }).RequireGrad();
        var d = (x * x).Detach();
        var y = (d * x).Sum(); // only the direct x path: dy/dx = d = 9
        y.Backward();
        Assert.That(x.Grad!.Item(), Is.EqualTo(9f));
        Assert.That(d.RequiresGrad, Is.False);
    }

    [Test]
    public void BackwardWithExplicitGradientAndShapeChecks()
    {
        using var x = Tensor.FromArray(new[] { 1f, 2f }).RequireGrad();
        var y = x * 3f;
        Assert.Throws<InvalidOperationException>(() => y.Backward()); // not a scalar
        using var g = Tensor.FromArray(new[] { 1f, 10f });
        y.Backward(g);
        Assert.That(x.Grad!.ToArray(), Is.EqualTo(new[] { 3f, 30f }));
        using var bad = Tensor.Zeros(3);
        Assert.Throws<ArgumentException>(() => y.Backward(bad));
    }

    [Test]
    public void OnlyLeavesCanToggleRequiresGrad()
    {
        using var x = Tensor.Ones(2).RequireGrad();
        var y = x * 2f;
        Assert.Throws<InvalidOperationException>(() => y.RequiresGrad = false);
        Assert.That(x.IsLeaf, Is.True);
        Assert.That(y.IsLeaf, Is.False);
        Assert.That(y.GradFn!.Name, Is.EqualTo("MulScalar"));
    }

    [Test]
    public void DeepChainOfViewsAndOps()
    {
        // a small "network": conv → gelu → pixel shuffle → mean, gradients through every kind of node
        var rng = new Rng(12);
        using var x = Tensor.Randn(rng, 1, 2, 6, 6);
        using var w = Tensor.Randn(rng, new[] { 8, 2, 3, 3 }, 0.3f);
        var rep = GradCheck.Check(t => Tensor.Conv2d(t[0], t[1], null, 1, 1).Gelu().PixelShuffle(2).Permute(0, 1, 3, 2).Mean(new[] { 2 }),
            r =>
            {
                var c = Reference.Map(Reference.Conv2d(r[0], r[1], null, 1, 1, 1, 1, 1, 1, 1), Reference.Gelu);
                var p = Reference.PixelShuffle(c, 2); // [1,2,12,12]; permute (h,w) then mean over new dim 2 = mean over w
                var y = new RefTensor(new[] { 1, 2, 12 });
                for (int ch = 0; ch < 2; ch++) for (int h = 0; h < 12; h++)
                {
                    double s = 0; for (int ww = 0; ww < 12; ww++) s += p[0, ch, h, ww];
                    y[0, ch, h] = s / 12;
                }
                return y;
            }, new[] { x, w }, maxPerInput: 24);
        rep.AssertWithin(1e-4, 1e-4);
    }

    [Test]
    public void ScopeDisposesIntermediatesButNotParameterGradients()
    {
        using var w = Tensor.Ones(4).RequireGrad();
        Tensor y, kept;
        using (var scope = new TensorScope())
        {
            y = (w * 2f).Sum();
            kept = TensorScope.Keep(w * 3f);
            y.Backward();
            Assert.That(scope.Count, Is.GreaterThan(0));
        }
        Assert.That(y.IsDisposed, Is.True);
        Assert.That(kept.IsDisposed, Is.False);
        Assert.That(w.Grad!.IsDisposed, Is.False);
        Assert.That(w.Grad!.ToArray(), Is.All.EqualTo(2f));
        Assert.Throws<ObjectDisposedException>(() => y.ToArray());
        kept.Dispose();
    }
}
