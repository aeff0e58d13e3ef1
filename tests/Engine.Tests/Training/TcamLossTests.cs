using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Training;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Training;

public class TcamLossTests
{
    [TestCase(0f)]
    [TestCase(0.5f)]
    [TestCase(2f)]
    public void TotalWeighsTheTermsAsGiven(float temporalWeight)
    {
        var rng = new Rng(3);
        using var scope = new TensorScope();
        var pred = Tensor.FromArray(Enumerable.Range(0, 4 * 3 * 16 * 16).Select(_ => rng.NextFloat()).ToArray(), 4, 3, 16, 16);
        var truth = Tensor.FromArray(Enumerable.Range(0, 4 * 3 * 16 * 16).Select(_ => rng.NextFloat()).ToArray(), 4, 3, 16, 16);
        var flow = Tensor.FromArray(Enumerable.Range(0, 2 * 2 * 16 * 16).Select(_ => rng.NextFloat() * 2 - 1).ToArray(), 2, 2, 16, 16);
        var valid = Tensor.FromArray(Enumerable.Repeat(1f, 2 * 16 * 16).ToArray(), 2, 1, 16, 16);
        var t = TcamLoss.Compute(pred, truth, flow, valid, temporalWeight);
        double expected = t.L1.Item() + TcamLoss.SsimWeight * t.Ssim.Item() + temporalWeight * t.Temporal.Item();
        Assert.That(t.Temporal.Item(), Is.GreaterThan(0));
        Assert.That(t.Total.Item(), Is.EqualTo(expected).Within(1e-6));
    }
}
