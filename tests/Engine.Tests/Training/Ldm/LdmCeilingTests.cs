using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.Metrics;
using HdrOfx.Engine.Training.Ldm;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Training.Ldm;

public class LdmCeilingTests
{
    [Test]
    public void TheCeilingTakesTheTruthOnlyWhereTheInputIsClipped()
    {
        const int w = 5, h = 3, n = w * h;
        var linear = new ImageF(w, h, 3);
        var truth = new ImageF(w, h, 3);
        for (int i = 0; i < 3 * n; i++) (linear.Data[i], truth.Data[i]) = (0.3f + 0.01f * (i % 7), 0.25f + 0.02f * (i % 5));
        linear.Data[4] = 1f;             // pixel 4 clipped in red only
        linear.Data[2 * n + 9] = 0.995f; // pixel 9 clipped in blue only
        truth.Data[4] = 6f;
        var mask = LdmValidation.ClippedMask(linear);
        var ceiling = LdmValidation.WithTruthWhere(linear, truth, mask);
        for (int p = 0; p < n; p++)
            for (int c = 0; c < 3; c++)
            {
                int i = c * n + p;
                float expected = p is 4 or 9 ? truth.Data[i] : linear.Data[i];
                Assert.That(ceiling.Data[i], Is.EqualTo(expected), $"pixel {p} channel {c}");
            }
        Assert.That(Psnr.Mu(ceiling, truth, 6f), Is.GreaterThan(Psnr.Mu(linear, truth, 6f)));
    }
}
