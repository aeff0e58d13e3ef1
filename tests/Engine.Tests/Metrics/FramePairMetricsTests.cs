using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.Metrics;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Metrics;

/// <summary>
/// Eval's one-pass metrics (<see cref="FramePairMetrics"/>, <see cref="HalfValueTables"/>, <see cref="ClipPeak.OfFrame"/>)
/// against the per-pixel formulas written out here and against the separate metric functions: equal to the bit.
/// </summary>
public class FramePairMetricsTests
{
    /// <summary>Zeros, negatives, values above 1 and above the peak; half values, or a mix with plain floats.</summary>
    private static ImageF Frame(int w, int h, int channels, int seed, bool halvesOnly)
    {
        var rng = new Random(seed);
        var img = new ImageF(w, h, channels);
        for (int i = 0; i < img.Data.Length; i++)
        {
            float v = (i % 11) switch
            {
                0 => 0f,
                1 => -rng.NextSingle() * 0.2f,
                2 => 1f + rng.NextSingle() * 9f,
                3 => rng.NextSingle() * 1e-4f,
                _ => rng.NextSingle() * 1.5f,
            };
            img.Data[i] = halvesOnly || i % 3 != 0 ? (float)(Half)v : v;
        }
        return img;
    }

    [TestCase(0.3f)] [TestCase(1.7f)] [TestCase(8.4375f)] [TestCase(1000f)]
    public void Tables_give_the_formula_for_every_half_and_for_other_floats(float peak)
    {
        var t = new HalfValueTables(peak);
        float inv = 1f / peak;
        double scale = Pu21.DisplayPeak / peak;
        var values = new List<float>();
        for (int bits = 0; bits < 65536; bits++)
        {
            var h = BitConverter.UInt16BitsToHalf((ushort)bits);
            if (!Half.IsNaN(h)) values.Add((float)h);
        }
        var rng = new Random(5);
        for (int i = 0; i < 20000; i++) values.Add((rng.NextSingle() - 0.1f) * peak * 2);
        values.AddRange([float.Epsilon, 1e-30f, 1e30f, float.MaxValue, -float.MaxValue, peak, BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(peak) + 1)]);
        foreach (float v in values)
        {
            Assert.That(t.MuOf(v), Is.EqualTo(MuLaw.Apply(v * inv)), $"μ-law of {v:R}");
            Assert.That(t.Pu21Of(v), Is.EqualTo(Pu21.Encode(Math.Min(v, peak) * scale)), $"PU21 of {v:R}");
            Assert.That(t.LinearOf(v), Is.EqualTo(Math.Clamp(v * (1.0 / peak), 0, 1)), $"linear of {v:R}");
        }
    }

    [TestCase(11, 11, 3, 3, true)] [TestCase(37, 23, 3, 3, true)] [TestCase(37, 23, 3, 3, false)]
    [TestCase(300, 13, 4, 3, false)] [TestCase(14, 15, 4, 4, true)]
    public void Scores_equal_the_per_pixel_formulas(int w, int h, int resultChannels, int truthChannels, bool halvesOnly)
    {
        var result = Frame(w, h, resultChannels, 1, halvesOnly);
        var truth = Frame(w, h, truthChannels, 2, halvesOnly);
        float peak = ClipPeak.Of([truth]);
        var (s, tr, tt) = FramePairMetrics.Score(result, truth, new HalfValueTables(peak));

        // Written out: the three PSNR sums, channel by channel, sample by sample.
        float inv = 1f / peak;
        double invD = 1.0 / peak, scale = Pu21.DisplayPeak / peak, mu = 0, lin = 0, pu = 0;
        int n = 3 * w * h;
        for (int i = 0; i < n; i++)
        {
            float a = result.Data[i], b = truth.Data[i];
            double dm = MuLaw.Apply(a * inv) - MuLaw.Apply(b * inv);
            mu += dm * dm;
            double dl = Math.Clamp(a * invD, 0, 1) - Math.Clamp(b * invD, 0, 1);
            lin += dl * dl;
            double dp = Pu21.Encode(Math.Min(a, peak) * scale) - Pu21.Encode(Math.Min(b, peak) * scale);
            pu += dp * dp;
            Assert.That(tr.Data[i], Is.EqualTo(MuLaw.Apply(a * inv)), $"μ-law result sample {i}");
            Assert.That(tt.Data[i], Is.EqualTo(MuLaw.Apply(b * inv)), $"μ-law truth sample {i}");
        }
        Assert.That(s.PsnrMu, Is.EqualTo(MetricGuard.PsnrFromMse(mu / n, 1.0)));
        Assert.That(s.PsnrLinear, Is.EqualTo(MetricGuard.PsnrFromMse(lin / n, 1.0)));
        Assert.That(s.PsnrPu21, Is.EqualTo(MetricGuard.PsnrFromMse(pu / n, Pu21.PeakCode)));
        // And the metric functions eval used before.
        Assert.That(s.PsnrMu, Is.EqualTo(Psnr.Mu(result, truth, peak)));
        Assert.That(s.PsnrLinear, Is.EqualTo(Psnr.Linear(result, truth, peak)));
        Assert.That(s.PsnrPu21, Is.EqualTo(Psnr.Pu21Encoded(result, truth, peak)));
        Assert.That(s.SsimMu, Is.EqualTo(Ssim.Mu(result, truth, peak)));
        tr.Dispose();
        tt.Dispose();
    }

    [Test]
    public void Identical_frames_score_the_cap()
    {
        var a = Frame(20, 16, 3, 3, true);
        var (s, tr, tt) = FramePairMetrics.Score(a, a.Clone(), new HalfValueTables(ClipPeak.Of([a])));
        Assert.That((s.PsnrMu, s.PsnrLinear, s.PsnrPu21), Is.EqualTo((100.0, 100.0, 100.0)));
        Assert.That(s.SsimMu, Is.EqualTo(1.0).Within(1e-12));
        tr.Dispose();
        tt.Dispose();
    }

    [Test]
    public void Mismatched_frames_are_refused()
    {
        var t = new HalfValueTables(1f);
        Assert.Throws<ArgumentException>(() => FramePairMetrics.Score(new ImageF(12, 12, 3), new ImageF(13, 12, 3), t));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HalfValueTables(0f));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HalfValueTables(float.NaN));
    }

    [TestCase(1)] [TestCase(7)] [TestCase(8)] [TestCase(9)] [TestCase(1037)]
    public void Frame_peak_is_the_largest_finite_sample(int length)
    {
        var rng = new Random(length);
        var img = new ImageF(length, 1, 3);
        for (int i = 0; i < img.Data.Length; i++) img.Data[i] = (rng.NextSingle() - 0.3f) * 4;
        img.Data[^1] = float.PositiveInfinity;
        if (length > 1) img.Data[1] = float.NaN;
        img.Data[length] = 50f; // in the second plane
        float expected = 0f;
        foreach (float v in img.Data) if (v > expected && float.IsFinite(v)) expected = v;
        Assert.That(ClipPeak.OfFrame(img), Is.EqualTo(expected));
        Assert.That(ClipPeak.OfFrame(new ImageF(length, 1, 1)), Is.EqualTo(0f));
        Assert.Throws<ArgumentException>(() => ClipPeak.Of([0f, 0f]));
    }

    [TestCase(37, 23, 3)] [TestCase(16, 12, 1)] [TestCase(35, 13, 4)]
    public void Flicker_of_scored_frames_matches_the_per_pixel_formula(int w, int h, int channels)
    {
        // Truth frames with still pixels (a copy of the frame before) and moving ones; results all different.
        var truth = new List<ImageF>();
        var result = new List<ImageF>();
        for (int t = 0; t < 5; t++)
        {
            var tr = t == 0 ? Frame(w, h, channels, 7, true) : truth[t - 1].Clone();
            for (int i = t; i < tr.Data.Length; i += 4) tr.Data[i] = (float)(Half)(tr.Data[i] * 1.3f + 0.01f);
            truth.Add(tr);
            result.Add(Frame(w, h, channels, 30 + t, t % 2 == 0));
        }
        float peak = ClipPeak.Of(truth);
        var tables = new HalfValueTables(peak);
        var scored = Enumerable.Range(0, 5).Select(t => FramePairMetrics.Score(result[t], truth[t], tables)).ToList();
        int cs = Math.Min(channels, 3);
        float inv = 1f / peak;
        double sum = 0;
        long n = 0;
        for (int t = 1; t < 5; t++)
            for (int i = 0; i < w * h; i++)
            {
                bool still = true;
                for (int c = 0; c < cs && still; c++)
                    still = MathF.Abs(MuLaw.Apply(truth[t].Plane(c)[i] * inv) - MuLaw.Apply(truth[t - 1].Plane(c)[i] * inv)) < 1e-3f;
                if (!still) continue;
                for (int c = 0; c < cs; c++)
                    sum += MathF.Abs(MuLaw.Apply(result[t].Plane(c)[i] * inv) - MuLaw.Apply(result[t - 1].Plane(c)[i] * inv));
                n += cs;
            }
        Assert.That(n, Is.GreaterThan(0), "the case has still pixels");
        double flicker = TemporalStability.FlickerOfTonemapped(scored.Select(x => x.TonedResult).ToList(), scored.Select(x => x.TonedTruth).ToList());
        Assert.That(flicker, Is.EqualTo(sum / n).Within(1e-12 * (sum / n)));
        Assert.That(flicker, Is.EqualTo(TemporalStability.Flicker(result, truth, peak)).Within(1e-12 * (sum / n)));
        foreach (var x in scored) { x.TonedResult.Dispose(); x.TonedTruth.Dispose(); }
    }

    [TestCase(1)] [TestCase(2)] [TestCase(7)]
    public void Flicker_accumulated_in_any_order_equals_the_flicker_of_all_frames(int frames)
    {
        var truth = new List<ImageF>();
        var result = new List<ImageF>();
        for (int t = 0; t < frames; t++)
        {
            var tr = t == 0 ? Frame(29, 19, 3, 11, true) : truth[t - 1].Clone();
            for (int i = t; i < tr.Data.Length; i += 3) tr.Data[i] = (float)(Half)(tr.Data[i] * 0.9f + 0.02f);
            truth.Add(tr);
            result.Add(Frame(29, 19, 3, 50 + t, true));
        }
        var tables = new HalfValueTables(ClipPeak.Of(truth));
        var toned = Enumerable.Range(0, frames).Select(t => FramePairMetrics.Score(result[t], truth[t], tables)).ToList();
        double expected = TemporalStability.FlickerOfTonemapped(toned.Select(x => x.TonedResult).ToList(), toned.Select(x => x.TonedTruth).ToList());
        // Copies, added from two threads in a shuffled order.
        var acc = new FlickerAccumulator(frames);
        var copies = toned.Select(x => (R: x.TonedResult.Clone(), T: x.TonedTruth.Clone())).ToList();
        var order = Enumerable.Range(0, frames).OrderBy(t => (t * 5 + 3) % frames).ToArray();
        Parallel.ForEach(order, new ParallelOptions { MaxDegreeOfParallelism = 2 }, t => acc.Add(t, copies[t].R, copies[t].T));
        Assert.That(acc.Value(), Is.EqualTo(expected));
        foreach (var (r, t) in copies)
        {
            Assert.Throws<ObjectDisposedException>(() => _ = r.Data, "every μ-law image is given back");
            Assert.Throws<ObjectDisposedException>(() => _ = t.Data);
        }
        Assert.Throws<InvalidOperationException>(() => new FlickerAccumulator(2).Value(), "a missing frame");
        foreach (var x in toned) { x.TonedResult.Dispose(); x.TonedTruth.Dispose(); }
    }
}
