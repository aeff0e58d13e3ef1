using HdrOfx.Engine.Imaging;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Imaging;

/// <summary>PQ (SMPTE ST 2084) and HLG (ITU-R BT.2100) against published values and an independent float64 transcription.</summary>
public class HdrEncodingTests
{
    // Independent transcription of ST 2084 with its constants written as decimals.
    private static double RefPq(double nits)
    {
        const double m1 = 0.1593017578125, m2 = 78.84375, c1 = 0.8359375, c2 = 18.8515625, c3 = 18.6875;
        double y = Math.Pow(nits / 10000.0, m1);
        return Math.Pow((c1 + c2 * y) / (1 + c3 * y), m2);
    }

    private static double RefHlg(double e) => e <= 1.0 / 12 ? Math.Sqrt(3 * e) : 0.17883277 * Math.Log(12 * e - 0.28466892) + 0.55991073;

    [TestCase(100.0, 0.508078)]   // 10-bit code 520
    [TestCase(1000.0, 0.751827)]  // 10-bit code 769
    [TestCase(203.0, 0.580689)]   // BT.2408 reference white ≈ 58 %
    [TestCase(10000.0, 1.0)]
    public void PqMatchesPublishedValues(double nits, double signal)
    {
        Assert.That(HdrEncoding.PqInverseEotf(nits), Is.EqualTo(signal).Within(2e-6));
        Assert.That(HdrEncoding.PqInverseEotf(nits), Is.EqualTo(RefPq(nits)).Within(1e-12));
        Assert.That(HdrEncoding.PqEotf(signal), Is.EqualTo(nits).Within(nits * 2e-5));
    }

    [Test]
    public void PqOfZeroIsC1ToTheM2AndEotfOfZeroIsZero()
    {
        Assert.That(HdrEncoding.PqInverseEotf(0), Is.EqualTo(Math.Pow(0.8359375, 78.84375)).Within(1e-15));
        Assert.That(HdrEncoding.PqEotf(0), Is.EqualTo(0.0));
        Assert.That(HdrEncoding.PqInverseEotf(-5), Is.EqualTo(HdrEncoding.PqInverseEotf(0)));
    }

    [Test]
    public void PqRoundTripsAcrossTheRange()
    {
        for (double l = 0.001; l <= 10000; l *= 1.7)
            Assert.That(HdrEncoding.PqEotf(HdrEncoding.PqInverseEotf(l)), Is.EqualTo(l).Within(l * 1e-9));
    }

    [Test]
    public void SceneLinearOneIsReferenceWhite()
    {
        Assert.That(HdrEncoding.PqFromLinear(1f), Is.EqualTo((float)RefPq(203)).Within(1e-6f));
        Assert.That(HdrEncoding.PqFromLinear(1f, 100), Is.EqualTo((float)RefPq(100)).Within(1e-6f));
        Assert.That(HdrEncoding.LinearFromPq(HdrEncoding.PqFromLinear(2.5f)), Is.EqualTo(2.5f).Within(1e-4f));
        Assert.That(HdrEncoding.HlgFromLinear(1f), Is.EqualTo(0.75f).Within(1e-6f));
        Assert.That(HdrEncoding.LinearFromHlg(0.75f), Is.EqualTo(1f).Within(1e-6f));
        // (exp((0.75 − c)/a) + b)/12
        Assert.That(HdrEncoding.HlgReferenceWhiteScene, Is.EqualTo((Math.Exp((0.75 - 0.55991073) / 0.17883277) + 0.28466892) / 12).Within(1e-12));
        Assert.That(HdrEncoding.HlgReferenceWhiteScene, Is.EqualTo(0.26496).Within(1e-5));
    }

    [TestCase(1.0 / 12, 0.5)]
    [TestCase(1.0, 1.0)]
    [TestCase(0.0, 0.0)]
    [TestCase(1.0 / 48, 0.25)] // sqrt(3/48)
    public void HlgMatchesPublishedValues(double e, double signal)
    {
        Assert.That(HdrEncoding.HlgOetf(e), Is.EqualTo(signal).Within(1e-7));
        Assert.That(HdrEncoding.HlgInverseOetf(signal), Is.EqualTo(e).Within(1e-7));
    }

    [Test]
    public void HlgMatchesReferenceAndIsContinuous()
    {
        for (double e = 1e-4; e <= 1.0; e *= 1.3)
        {
            Assert.That(HdrEncoding.HlgOetf(e), Is.EqualTo(RefHlg(e)).Within(1e-12));
            Assert.That(HdrEncoding.HlgInverseOetf(HdrEncoding.HlgOetf(e)), Is.EqualTo(e).Within(e * 1e-9));
        }
        double below = HdrEncoding.HlgOetf(1.0 / 12 - 1e-12), above = HdrEncoding.HlgOetf(1.0 / 12 + 1e-12);
        Assert.That(above - below, Is.LessThan(1e-7));
    }

    [Test]
    public void SpanVersionsMatchScalar()
    {
        float[] src = Enumerable.Range(0, 257).Select(i => i / 32f).ToArray();
        var dst = new float[src.Length];
        HdrEncoding.PqFromLinear(src, dst);
        for (int i = 0; i < src.Length; i++) Assert.That(dst[i], Is.EqualTo(HdrEncoding.PqFromLinear(src[i])));
        HdrEncoding.LinearFromPq(dst, dst);
        for (int i = 0; i < src.Length; i++) Assert.That(dst[i], Is.EqualTo(src[i]).Within(1e-4f * Math.Max(1f, src[i])));
        HdrEncoding.HlgFromLinear(src, dst);
        for (int i = 0; i < src.Length; i++) Assert.That(dst[i], Is.EqualTo(HdrEncoding.HlgFromLinear(src[i])));
        HdrEncoding.LinearFromHlg(dst, dst);
        for (int i = 0; i < src.Length; i++) Assert.That(dst[i], Is.EqualTo(src[i]).Within(1e-4f * Math.Max(1f, src[i])));
        Assert.Throws<ArgumentException>(() => HdrEncoding.PqFromLinear(src, new float[3]));
    }

    /// <summary>RGB→XYZ from chromaticities (SMPTE RP 177), computed here in float64.</summary>
    private static double[,] RgbToXyz(double xr, double yr, double xg, double yg, double xb, double yb)
    {
        const double xw = 0.3127, yw = 0.3290;
        double[,] p = { { xr / yr, xg / yg, xb / yb }, { 1, 1, 1 }, { (1 - xr - yr) / yr, (1 - xg - yg) / yg, (1 - xb - yb) / yb } };
        double[] w = { xw / yw, 1, (1 - xw - yw) / yw };
        var inv = Inverse(p);
        var s = new double[3];
        for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) s[i] += inv[i, j] * w[j];
        var m = new double[3, 3];
        for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) m[i, j] = p[i, j] * s[j];
        return m;
    }

    private static double[,] Inverse(double[,] a)
    {
        double det = a[0, 0] * (a[1, 1] * a[2, 2] - a[1, 2] * a[2, 1]) - a[0, 1] * (a[1, 0] * a[2, 2] - a[1, 2] * a[2, 0]) + a[0, 2] * (a[1, 0] * a[2, 1] - a[1, 1] * a[2, 0]);
        var r = new double[3, 3];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
            {
                int i1 = (j + 1) % 3, i2 = (j + 2) % 3, j1 = (i + 1) % 3, j2 = (i + 2) % 3;
                r[i, j] = (a[i1, j1] * a[i2, j2] - a[i1, j2] * a[i2, j1]) / det;
            }
        return r;
    }

    [Test]
    public void Bt709ToBt2020MatchesPrimariesAndBt2087()
    {
        var m709 = RgbToXyz(0.64, 0.33, 0.30, 0.60, 0.15, 0.06);
        var inv2020 = Inverse(RgbToXyz(0.708, 0.292, 0.170, 0.797, 0.131, 0.046));
        var m = HdrEncoding.Bt709ToBt2020.ToArray();
        double[] bt2087 = [0.6274, 0.3293, 0.0433, 0.0691, 0.9195, 0.0114, 0.0164, 0.0880, 0.8956];
        for (int i = 0; i < 3; i++)
        {
            double rowSum = 0;
            for (int j = 0; j < 3; j++)
            {
                double e = 0;
                for (int k = 0; k < 3; k++) e += inv2020[i, k] * m709[k, j];
                Assert.That(m[3 * i + j], Is.EqualTo(e).Within(1e-9), $"[{i},{j}]");
                Assert.That(m[3 * i + j], Is.EqualTo(bt2087[3 * i + j]).Within(1e-4), $"BT.2087 [{i},{j}]");
                rowSum += m[3 * i + j];
            }
            Assert.That(rowSum, Is.EqualTo(1.0).Within(1e-12), "white maps to white");
        }
        var img = new ImageF(1, 1, 3, [1f, 0f, 0f]);
        HdrEncoding.ConvertBt709ToBt2020(img);
        Assert.That(img.Data, Is.EqualTo(new[] { 0.6274039f, 0.0690973f, 0.0163914f }).Within(1e-6f));
    }
}
