using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.Metrics;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Metrics;

public class MetricsTests
{
    private static ImageF Constant(int w, int h, float v)
    {
        var img = new ImageF(w, h, 3);
        Array.Fill(img.Data, v);
        return img;
    }

    private static ImageF Random(int w, int h, int seed, float scale)
    {
        var rng = new System.Random(seed);
        var img = new ImageF(w, h, 3);
        for (int i = 0; i < img.Data.Length; i++) img.Data[i] = (float)rng.NextDouble() * scale;
        return img;
    }

    // Values below were computed by hand (python, float64) from the formulas in the docs.
    [Test]
    public void MuLawMatchesHandValues()
    {
        Assert.That(MuLaw.Apply(0.5f), Is.EqualTo(0.9186432718796463).Within(1e-6));
        Assert.That(MuLaw.Apply(0.25f), Is.EqualTo(0.8373100040042943).Within(1e-6));
        Assert.That(MuLaw.Apply(0f), Is.EqualTo(0));
        Assert.That(MuLaw.Apply(1f), Is.EqualTo(1).Within(1e-6));
        Assert.That(MuLaw.Apply(7f), Is.EqualTo(1).Within(1e-6), "inputs above the peak clamp");
    }

    [Test]
    public void PsnrMuOfConstantImages()
    {
        Assert.That(Psnr.Mu(Constant(16, 16, 0.25f), Constant(16, 16, 0.5f), 1f), Is.EqualTo(21.794635558123133).Within(1e-4));
        // Scaling result, truth and peak together changes nothing: normalization is per clip.
        Assert.That(Psnr.Mu(Constant(16, 16, 2.5f), Constant(16, 16, 5f), 10f), Is.EqualTo(21.794635558123133).Within(1e-4));
    }

    [Test]
    public void PsnrLinearIsTwentyDbForATenthError()
    {
        Assert.That(Psnr.Linear(Constant(8, 8, 0.4f), Constant(8, 8, 0.5f), 1f), Is.EqualTo(20).Within(1e-5));
        Assert.That(Psnr.Linear(Constant(8, 8, 1.6f), Constant(8, 8, 2f), 4f), Is.EqualTo(20).Within(1e-5));
    }

    [Test]
    public void IdenticalImagesCapAtOneHundredDb()
    {
        var a = Random(20, 20, 1, 3f);
        Assert.That(Psnr.Mu(a, a.Clone(), 3f), Is.EqualTo(100));
        Assert.That(Ssim.Mu(a, a.Clone(), 3f), Is.EqualTo(1).Within(1e-9));
    }

    [Test]
    public void Pu21MatchesPublishedShape()
    {
        Assert.That(Pu21.Encode(100), Is.EqualTo(256.3838973127039).Within(1e-6));
        Assert.That(Pu21.Encode(10000), Is.EqualTo(595.393920020095).Within(1e-6));
        Assert.That(Pu21.Encode(1e6), Is.EqualTo(Pu21.Encode(10000)), "clamps above 10000 cd/m²");
        Assert.That(Pu21.Encode(0.001), Is.EqualTo(Pu21.Encode(0.005)), "clamps below 0.005 cd/m²");
    }

    [Test]
    public void PsnrPu21OfConstantImages()
    {
        // peak 1 → 1000 cd/m²: 0.1 → 100 cd/m², 0.2 → 200 cd/m².
        double expected = 20 * Math.Log10(Pu21.PeakCode / Math.Abs(Pu21.Encode(200) - Pu21.Encode(100)));
        Assert.That(Psnr.Pu21Encoded(Constant(8, 8, 0.1f), Constant(8, 8, 0.2f), 1f), Is.EqualTo(expected).Within(1e-4));
    }

    [Test]
    public void SsimOfConstantImagesIsTheLuminanceTerm()
    {
        // Constant planes: variances are zero, so SSIM = (2ab + C1)/(a² + b² + C1).
        var a = new float[15 * 15]; Array.Fill(a, 0.5f);
        var b = new float[15 * 15]; Array.Fill(b, 0.25f);
        Assert.That(Ssim.OnPlane(a, b, 15, 15), Is.EqualTo(0.8000639795265515).Within(1e-7));
    }

    [Test]
    public void SsimMatchesANaiveTwoDimensionalWindow()
    {
        const int w = 23, h = 19;
        var rng = new System.Random(7);
        var x = new float[w * h];
        var y = new float[w * h];
        for (int i = 0; i < x.Length; i++) { x[i] = (float)rng.NextDouble(); y[i] = Math.Clamp(x[i] + (float)(rng.NextDouble() - 0.5) * 0.3f, 0, 1); }
        var k = Ssim.Kernel();
        double total = 0; int n = 0;
        for (int oy = 0; oy + 10 < h; oy++)
            for (int ox = 0; ox + 10 < w; ox++)
            {
                double mx = 0, my = 0, sxx = 0, syy = 0, sxy = 0;
                for (int j = 0; j < 11; j++)
                    for (int i = 0; i < 11; i++)
                    {
                        double wt = k[i] * k[j], vx = x[(oy + j) * w + ox + i], vy = y[(oy + j) * w + ox + i];
                        mx += wt * vx; my += wt * vy; sxx += wt * vx * vx; syy += wt * vy * vy; sxy += wt * vx * vy;
                    }
                double c1 = 1e-4, c2 = 9e-4;
                total += (2 * mx * my + c1) * (2 * (sxy - mx * my) + c2) / ((mx * mx + my * my + c1) * (sxx - mx * mx + syy - my * my + c2));
                n++;
            }
        Assert.That(Ssim.OnPlane(x, y, w, h), Is.EqualTo(total / n).Within(1e-9));
        Assert.That(Ssim.OnPlane(x, y, w, h), Is.LessThan(0.99));
    }

    [Test]
    public void MetricsRejectMismatchedSizes()
    {
        Assert.Throws<ArgumentException>(() => Psnr.Mu(Constant(8, 8, 1), Constant(9, 8, 1), 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Psnr.Mu(Constant(8, 8, 1), Constant(8, 8, 1), 0));
        Assert.Throws<ArgumentException>(() => ClipPeak.Of([Constant(4, 4, 0)]));
    }

    [Test]
    public void FlickerCountsOnlyStaticPixels()
    {
        // Truth static everywhere; result alternates between 0.25 and 0.5 → flicker = |T(0.5) − T(0.25)|.
        var truth = Enumerable.Range(0, 4).Select(_ => Constant(6, 6, 0.5f)).ToList();
        var result = Enumerable.Range(0, 4).Select(t => Constant(6, 6, t % 2 == 0 ? 0.5f : 0.25f)).ToList();
        Assert.That(TemporalStability.Flicker(result, truth, 1f), Is.EqualTo(0.9186432718796463 - 0.8373100040042943).Within(1e-6));
        // Truth that changes everywhere leaves no static pixel to judge.
        var moving = Enumerable.Range(0, 4).Select(t => Constant(6, 6, 0.1f * (t + 1))).ToList();
        Assert.That(TemporalStability.Flicker(result, moving, 1f), Is.EqualTo(0));
    }

    [Test]
    public void WarpingErrorIsZeroForExactFlowAndPositiveForWrongFlow()
    {
        // Frame t is frame t-1 shifted right by 2 px: frame t-1 at p + (-2, 0) matches frame t at p.
        const int w = 24, h = 12;
        var frames = new List<ImageF>();
        for (int t = 0; t < 3; t++)
        {
            var img = new ImageF(w, h, 3);
            for (int c = 0; c < 3; c++) for (int y = 0; y < h; y++) for (int x = 0; x < w; x++)
                img[c, y, x] = 0.05f + 0.9f * (0.5f + 0.5f * MathF.Sin(0.7f * (x - 2 * t) + 0.3f * y + c));
            frames.Add(img);
        }
        ImageF Flow(float dx) { var f = new ImageF(w, h, 2); f.Plane(0).Fill(dx); return f; }
        var good = new ImageF?[] { null, Flow(-2), Flow(-2) };
        var bad = new ImageF?[] { null, Flow(2), Flow(2) };
        Assert.That(TemporalStability.WarpingError(frames, good, null, 1f), Is.LessThan(1e-6));
        Assert.That(TemporalStability.WarpingError(frames, bad, null, 1f), Is.GreaterThan(0.01));
    }
}
