using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Training.Ldm;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Training.Ldm;

public class SaturationPenaltyTests
{
    [Test]
    public void IsTheMeanSquaredExcessOverTheKneeAndSilentBelowIt()
    {
        using var scope = new TensorScope();
        float[] u = [-5f, -2.5f, -2f, -1f, 0f, 0.3f, 1.99f, 2f, 2.01f, 3f, 7.5f, -0.7f];
        var t = Tensor.FromArray(u, 3, 4);
        t.RequiresGrad = true;
        var p = LdmTrainer.SaturationPenalty(t);
        double expected = u.Select(v => Math.Max(0, Math.Abs((double)v) - LdmTrainer.SaturationKnee)).Select(e => e * e).Average();
        Assert.That(p.Item(), Is.EqualTo(expected).Within(1e-6));
        p.Backward();
        var g = t.Grad!.ToArray();
        for (int i = 0; i < u.Length; i++)
        {
            double e = Math.Max(0, Math.Abs((double)u[i]) - LdmTrainer.SaturationKnee);
            Assert.That(g[i], Is.EqualTo(2 * e * Math.Sign(u[i]) / u.Length).Within(1e-6), $"d/du at {u[i]}");
        }
        Assert.That(g.Where((_, i) => Math.Abs(u[i]) <= LdmTrainer.SaturationKnee), Has.All.EqualTo(0f), "no pull inside the knee");
    }
}
