using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.Metrics;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Metrics;

/// <summary>
/// The faster metric kernels (SSIM in vector lanes, PU21 codes remembered by half value, flicker with each frame
/// tonemapped once) against their plain per-pixel formulas, written out here: equal to the bit, except SSIM (within 1e-10).
/// </summary>
public class MetricReferenceTests
{
    private static ImageF Frame(int w, int h, int seed, bool halves, float scale = 2f)
    {
        var rng = new Random(seed);
        var img = new ImageF(w, h, 3);
        for (int i = 0; i < img.Data.Length; i++)
        {
            float v = rng.NextSingle() * scale - 0.1f;
            if (i % 17 == 0) v = scale * 3;
            img.Data[i] = halves ? (float)(Half)v : v;
        }
        return img;
    }

    private static double SsimReference(ReadOnlySpan<float> x, ReadOnlySpan<float> y, int width, int height)
    {
        var k = Ssim.Kernel();
        int r = Ssim.Radius, ow = width - 2 * r, oh = height - 2 * r;
        const double c1 = Ssim.K1 * Ssim.K1, c2 = Ssim.K2 * Ssim.K2;
        var h = new double[5, ow * height];
        for (int row = 0; row < height; row++)
            for (int ox = 0; ox < ow; ox++)
            {
                double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
                for (int i = 0; i < k.Length; i++)
                {
                    double vx = x[row * width + ox + i], vy = y[row * width + ox + i], w = k[i];
                    sx += w * vx; sy += w * vy; sxx += w * vx * vx; syy += w * vy * vy; sxy += w * vx * vy;
                }
                int o = row * ow + ox;
                h[0, o] = sx; h[1, o] = sy; h[2, o] = sxx; h[3, o] = syy; h[4, o] = sxy;
            }
        double total = 0;
        for (int oy = 0; oy < oh; oy++)
            for (int ox = 0; ox < ow; ox++)
            {
                double mx = 0, my = 0, exx = 0, eyy = 0, exy = 0;
                for (int i = 0; i < k.Length; i++)
                {
                    int o = (oy + i) * ow + ox;
                    double w = k[i];
                    mx += w * h[0, o]; my += w * h[1, o]; exx += w * h[2, o]; eyy += w * h[3, o]; exy += w * h[4, o];
                }
                double vx = exx - mx * mx, vy = eyy - my * my, cxy = exy - mx * my;
                total += (2 * mx * my + c1) * (2 * cxy + c2) / ((mx * mx + my * my + c1) * (vx + vy + c2));
            }
        return total / ((double)ow * oh);
    }

    // Widths past Ssim.Strip (256 output columns) cross strips; the last strip is then narrower, with a scalar tail.
    [TestCase(11, 11)] [TestCase(12, 11)] [TestCase(14, 15)] [TestCase(15, 12)] [TestCase(37, 23)] [TestCase(100, 13)]
    [TestCase(266, 12)] [TestCase(267, 14)] [TestCase(533, 17)] [TestCase(1031, 11)]
    public void Ssim_matches_the_per_pixel_formula_within_1e_10(int w, int h)
    {
        // SSIM folds the symmetric Gaussian taps and uses fused multiply-adds: the float64 rounding differs in the last bits.
        var a = Frame(w, h, 1, false, 1f);
        var b = Frame(w, h, 2, false, 1f);
        Assert.That(Ssim.OnPlane(a.Plane(1), b.Plane(1), w, h), Is.EqualTo(SsimReference(a.Plane(1), b.Plane(1), w, h)).Within(1e-10));
        // Nearly equal planes (SSIM near 1, small variances: the cancellation case).
        var c = a.Clone();
        for (int i = 0; i < c.Data.Length; i++) c.Data[i] = Math.Clamp(c.Data[i] * 0.999f + 1e-4f, 0f, 1f);
        Assert.That(Ssim.OnPlane(a.Plane(0), c.Plane(0), w, h), Is.EqualTo(SsimReference(a.Plane(0), c.Plane(0), w, h)).Within(1e-10));
    }

    [TestCase(true)] [TestCase(false)]
    public void Pu21_psnr_equals_the_per_pixel_formula(bool halves)
    {
        var a = Frame(40, 30, 3, halves);
        var b = Frame(40, 30, 4, halves);
        a.Data[6] = -0f;
        b.Data[7] = float.PositiveInfinity;
        float peak = 1.7f;
        double scale = Pu21.DisplayPeak / peak, sum = 0;
        for (int i = 0; i < a.Data.Length; i++)
        {
            double d = Pu21.Encode(Math.Min(a.Data[i], peak) * scale) - Pu21.Encode(Math.Min(b.Data[i], peak) * scale);
            sum += d * d;
        }
        Assert.That(Psnr.Pu21Encoded(a, b, peak), Is.EqualTo(MetricGuard.PsnrFromMse(sum / a.Data.Length, Pu21.PeakCode)));
    }

    [Test]
    public void Flicker_equals_the_per_pixel_formula()
    {
        // Truth frames with still areas (the same value in consecutive frames) and moving ones.
        var truth = new List<ImageF>();
        var result = new List<ImageF>();
        for (int t = 0; t < 4; t++)
        {
            var tr = Frame(33, 21, 10, true, 1f);
            for (int i = 0; i < tr.Data.Length; i += 3) tr.Data[i] *= 1 + 0.1f * t;
            truth.Add(tr);
            result.Add(Frame(33, 21, 20 + t, false, 1f));
        }
        float peak = 1.3f, inv = 1f / peak;
        double sum = 0;
        long n = 0;
        for (int t = 1; t < 4; t++)
            for (int i = 0; i < truth[t].PlaneSize; i++)
            {
                bool still = true;
                for (int c = 0; c < 3 && still; c++)
                    still = MathF.Abs(MuLaw.Apply(truth[t].Plane(c)[i] * inv) - MuLaw.Apply(truth[t - 1].Plane(c)[i] * inv)) < 1e-3f;
                if (!still) continue;
                for (int c = 0; c < 3; c++)
                    sum += MathF.Abs(MuLaw.Apply(result[t].Plane(c)[i] * inv) - MuLaw.Apply(result[t - 1].Plane(c)[i] * inv));
                n += 3;
            }
        Assert.That(n, Is.GreaterThan(0), "the case has still pixels");
        Assert.That(TemporalStability.Flicker(result, truth, peak), Is.EqualTo(sum / n));
    }

    [Test]
    public void Metrics_of_tonemapped_frames_equal_the_metrics_of_the_frames()
    {
        var result = Enumerable.Range(0, 3).Select(t => Frame(29, 17, 40 + t, true, 1.5f)).ToList();
        var truth = Enumerable.Range(0, 3).Select(t => Frame(29, 17, 40, true, 1.5f)).ToList();
        for (int i = 0; i < truth[1].Data.Length; i += 2) truth[1].Data[i] *= 1.2f;
        float peak = 1.4f;
        var tr = result.Select(f => MuLaw.Tonemap(f, peak)).ToList();
        var tt = truth.Select(f => MuLaw.Tonemap(f, peak)).ToList();
        for (int t = 0; t < 3; t++)
        {
            Assert.That(Psnr.MuOfTonemapped(tr[t], tt[t]), Is.EqualTo(Psnr.Mu(result[t], truth[t], peak)), $"PSNR-μ, frame {t}");
            Assert.That(Ssim.MuOfTonemapped(tr[t], tt[t]), Is.EqualTo(Ssim.Mu(result[t], truth[t], peak)), $"SSIM-μ, frame {t}");
        }
        // Summed in vector lanes, pairs in parallel: the same terms in another order.
        double flicker = TemporalStability.Flicker(result, truth, peak);
        Assert.That(flicker, Is.GreaterThan(0));
        Assert.That(TemporalStability.FlickerOfTonemapped(tr, tt), Is.EqualTo(flicker).Within(1e-12 * flicker));
        foreach (var img in tr.Concat(tt)) img.Dispose();
    }
}
