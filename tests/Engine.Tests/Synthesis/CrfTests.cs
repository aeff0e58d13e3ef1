using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.Synthesis;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Synthesis;

public class CrfTests
{
    private static IEnumerable<Crf> Curves()
    {
        yield return Crf.Gamma22;
        yield return Crf.Srgb;
        yield return Crf.Linear;
        yield return Crf.InverseSigmoid(0.4, 0.4);
        yield return Crf.InverseSigmoid(0.9, 0.8);
        yield return Crf.Sample(CrfKind.InverseSigmoid, new SynthRandom(5));
    }

    [TestCaseSource(nameof(Curves))]
    public void InvertRoundTripsAndIsMonotonic(Crf crf)
    {
        Assert.That(crf.Apply(0f), Is.EqualTo(0f).Within(1e-7));
        Assert.That(crf.Apply(1f), Is.EqualTo(1f).Within(1e-6));
        float prev = -1;
        for (int i = 0; i <= 1000; i++)
        {
            float x = i / 1000f;
            float y = crf.Apply(x);
            Assert.That(y, Is.GreaterThanOrEqualTo(prev), $"not monotonic at x={x}");
            prev = y;
            Assert.That(crf.Invert(y), Is.EqualTo(x).Within(2e-5 + 1e-4 * x), $"{crf}: f⁻¹(f({x}))");
            Assert.That(crf.Apply(crf.Invert(x)), Is.EqualTo(x).Within(2e-5), $"{crf}: f(f⁻¹({x}))");
        }
        var span = new float[] { 0f, 0.25f, 0.5f, 1f };
        var copy = (float[])span.Clone();
        crf.Apply(span);
        crf.Invert(span);
        Assert.That(span, Is.EqualTo(copy).Within(1e-4));
    }

    [Test]
    public void Gamma22AndSrgbMatchTheReconstructionTransfers()
    {
        for (int i = 0; i <= 255; i++)
        {
            float y = i / 255f;
            Assert.That(Crf.Gamma22.Invert(y), Is.EqualTo(TransferFunctions.ToLinear(TransferFunctions.Parse(Crf.Gamma22.TransferName!), y)));
            Assert.That(Crf.Srgb.Invert(y), Is.EqualTo(TransferFunctions.ToLinear(TransferFunctions.Parse(Crf.Srgb.TransferName!), y)));
        }
        Assert.That(Crf.Gamma22.TransferName, Is.EqualTo("gamma2.2"));
        Assert.That(Crf.Srgb.TransferName, Is.EqualTo("srgb"));
        Assert.That(Crf.InverseSigmoid(0.6, 0.6).TransferName, Is.Null);
    }

    [Test]
    public void InverseSigmoidFormula()
    {
        var crf = Crf.InverseSigmoid(0.65, 0.6);
        double x = 0.3, xn = Math.Pow(x, 0.65);
        Assert.That(crf.Apply((float)x), Is.EqualTo((1 + 0.6) * xn / (xn + 0.6)).Within(1e-6));
    }

    [Test]
    public void InverseSigmoidParametersStayInTheClippedRanges()
    {
        double sn = 0, ss = 0;
        int atNMin = 0;
        const int n = 4000;
        for (int i = 0; i < n; i++)
        {
            var c = Crf.Sample(CrfKind.InverseSigmoid, new SynthRandom((ulong)i));
            Assert.That(c.N, Is.InRange(0.4, 0.9));
            Assert.That(c.Sigma, Is.InRange(0.4, 0.8));
            sn += c.N; ss += c.Sigma;
            if (c.N == 0.4) atNMin++;
        }
        // N(0.65, 0.1) clipped at ±2.5σ and N(0.6, 0.1) at ±2σ: means stay near the centres.
        Assert.That(sn / n, Is.EqualTo(0.65).Within(0.01));
        Assert.That(ss / n, Is.EqualTo(0.6).Within(0.01));
        Assert.That(atNMin, Is.GreaterThan(0), "clipping (not truncation) puts mass at the bound");
    }
}
