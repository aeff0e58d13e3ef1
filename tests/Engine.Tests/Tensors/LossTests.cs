using HdrOfx.Engine.Tensors;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Tensors;

public class LossTests
{
    private static RefTensor Scalar(double v) => new(new[] { v }, Array.Empty<int>());

    [Test]
    public void L1MseCharbonnierMatchReference()
    {
        var rng = new Rng(31);
        using var p = Tensor.Randn(rng, 2, 3, 4, 5);
        using var t = TestData.Randn(rng, new[] { 2, 3, 4, 5 });
        // keep p − t away from 0 so FD does not straddle the |x| kink
        using var tt = Tensor.Add(t, Tensor.Full(t.Shape, 0f));
        var ps = p.Span; var ts = tt.Span;
        for (int i = 0; i < ps.Length; i++) if (MathF.Abs(ps[i] - ts[i]) < 0.01f) ts[i] += 0.05f;
        GradCheck.Check(x => Tensor.L1Loss(x[0], x[1]), r => Scalar(Reference.Mean(Reference.Binary(r[0], r[1], (a, b) => Math.Abs(a - b)))), new[] { p, tt })
            .AssertWithin(1e-5, 1e-4);
        GradCheck.Check(x => Tensor.MseLoss(x[0], x[1]), r => Scalar(Reference.Mean(Reference.Binary(r[0], r[1], (a, b) => (a - b) * (a - b)))), new[] { p, tt })
            .AssertWithin(1e-5, 1e-4);
        const double eps = 1e-3;
        GradCheck.Check(x => Tensor.CharbonnierLoss(x[0], x[1]), r => Scalar(Reference.Mean(Reference.Binary(r[0], r[1], (a, b) => Math.Sqrt((a - b) * (a - b) + eps * eps)))), new[] { p, tt })
            .AssertWithin(1e-5, 1e-4);
    }

    [Test]
    public void LossRejectsShapeMismatch()
    {
        using var a = Tensor.Zeros(2, 3);
        using var b = Tensor.Zeros(3, 2);
        Assert.Throws<ArgumentException>(() => Tensor.L1Loss(a, b));
    }
}
