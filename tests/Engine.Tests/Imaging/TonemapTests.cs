using HdrOfx.Engine.Imaging;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Imaging;

public class TonemapTests
{
    [Test]
    public void MuLawHandValues()
    {
        Assert.That(Tonemap.MuLaw(0f), Is.EqualTo(0f));
        Assert.That(Tonemap.MuLaw(1f), Is.EqualTo(1f).Within(1e-6f));
        // ln(2501)/ln(5001) = 7.824446/8.517393
        Assert.That(Tonemap.MuLaw(0.5f), Is.EqualTo(0.918643f).Within(1e-5f));
        // Normalized by the peak: H = 2 with peak 4 is h = 0.5.
        Assert.That(Tonemap.MuLaw(2f, 4f), Is.EqualTo(Tonemap.MuLaw(0.5f)));
        // ln(1+5000·0.001)/ln(5001) = ln 6 / ln 5001
        Assert.That(Tonemap.MuLaw(0.001f), Is.EqualTo(0.210371f).Within(1e-5f));
        Assert.That(Tonemap.MuLaw(7f, 4f), Is.EqualTo(1f).Within(1e-6f), "clamped above the peak");
        Assert.That(Tonemap.MuLaw(-1f), Is.EqualTo(0f));
        Assert.That(Tonemap.MuLaw(float.NaN), Is.EqualTo(0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tonemap.MuLaw(1f, 0f));
    }

    [Test]
    public void MuLawInverseAndSpanAndImageAgree()
    {
        for (float h = 0; h <= 1; h += 1f / 64)
            Assert.That(Tonemap.MuLawInverse(Tonemap.MuLaw(h * 3f, 3f), 3f), Is.EqualTo(h * 3f).Within(1e-4f));
        float[] src = Enumerable.Range(0, 100).Select(i => i / 37f).ToArray();
        var dst = new float[src.Length];
        Tonemap.MuLaw(src, dst, 2f);
        for (int i = 0; i < src.Length; i++) Assert.That(dst[i], Is.EqualTo(Tonemap.MuLaw(src[i], 2f)).Within(1e-7f));
        var img = new ImageF(10, 10, 1, src);
        Assert.That(Tonemap.MuLaw(img, 2f).Data, Is.EqualTo(dst));
        Assert.That(Tonemap.Peak(img), Is.EqualTo(99 / 37f));
    }

    [Test]
    public void PreviewCurvesHandValues()
    {
        // Reinhard: 1 → 0.5 → sRGB 0.735357
        Assert.That(Tonemap.PreviewLinear(1f, 0, PreviewCurve.Reinhard), Is.EqualTo(0.5f));
        Assert.That(Tonemap.Preview(1f, 0, PreviewCurve.Reinhard), Is.EqualTo(0.735357f).Within(1e-5f));
        // ACES fit: 1 → 2.54/3.16 = 0.803797
        Assert.That(Tonemap.PreviewLinear(1f, 0, PreviewCurve.AcesFitted), Is.EqualTo(0.803797f).Within(1e-5f));
        // Exposure +1 EV doubles: Reinhard(2) = 2/3
        Assert.That(Tonemap.PreviewLinear(1f, 1f, PreviewCurve.Reinhard), Is.EqualTo(2f / 3f).Within(1e-6f));
        Assert.That(Tonemap.PreviewLinear(3f, 0, PreviewCurve.Clip), Is.EqualTo(1f));
        Assert.That(Tonemap.Preview(0.18f, 0, PreviewCurve.Clip), Is.EqualTo(0.461356f).Within(1e-5f)); // sRGB(0.18)
        Assert.That(Tonemap.Preview(-1f), Is.EqualTo(0f));
        Assert.That(Tonemap.Preview(1e6f), Is.EqualTo(1f).Within(1e-6f));
    }

    [Test]
    public void PreviewImageKeepsAlpha()
    {
        var img = new ImageF(2, 1, 4, [1f, 1f, 1f, 1f, 1f, 1f, 0.5f, 2f]);
        var p = Tonemap.Preview(img, 0, PreviewCurve.Reinhard);
        Assert.That(p[0, 0, 0], Is.EqualTo(0.735357f).Within(1e-5f));
        Assert.That(p[3, 0, 0], Is.EqualTo(0.5f));
        Assert.That(p[3, 0, 1], Is.EqualTo(1f));
    }
}
