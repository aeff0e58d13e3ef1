using HdrOfx.Engine.Imaging;

namespace HdrOfx.Engine.Metrics;

/// <summary>
/// Temporal stability of a reconstructed sequence, in μ-law space (H/peak):
/// <list type="bullet">
/// <item>Flicker: on pixels whose ground truth is static between consecutive frames (|ΔT(truth)| below a threshold),
/// the mean |ΔT(result)| — the frame-to-frame change that the scene does not explain.</item>
/// <item>Warping error: mean |T(R_t) − T(warp(R_{t−1}))| over valid pixels, warping the previous result with the
/// ground-truth flow (frame t−1 sampled at p + flow(p) lines up with frame t at p).</item>
/// </list>
/// Lower is better for both.
/// </summary>
public static class TemporalStability
{
    public static double Flicker(IReadOnlyList<ImageF> result, IReadOnlyList<ImageF> truth, float peak, float staticThreshold = 1e-3f)
    {
        if (result.Count != truth.Count) throw new ArgumentException($"{result.Count} result frames but {truth.Count} truth frames");
        MetricGuard.CheckPeak(peak);
        float inv = 1f / peak;
        double sum = 0;
        long n = 0;
        // Each frame's μ-law values are computed once (in parallel) and kept for the next pair: the same values and the
        // same order of summation as applying the curve per pixel, with a quarter of the logarithms.
        float[]? truthBefore = null, resultBefore = null;
        for (int t = 0; t < result.Count; t++)
        {
            int channels = MetricGuard.CheckPair(result[t], truth[t]);
            if (t > 0) MetricGuard.CheckPair(result[t - 1], truth[t - 1]);
            var truthNow = Tonemapped(truth[t], channels, inv);
            var resultNow = Tonemapped(result[t], channels, inv);
            if (t > 0)
            {
                int plane = result[t].PlaneSize;
                if (truthBefore!.Length != truthNow.Length) throw new ArgumentException($"frame {t} differs in size from frame {t - 1}");
                for (int i = 0; i < plane; i++)
                {
                    bool still = true;
                    for (int c = 0; c < channels && still; c++)
                        still = MathF.Abs(truthNow[c * plane + i] - truthBefore[c * plane + i]) < staticThreshold;
                    if (!still) continue;
                    for (int c = 0; c < channels; c++)
                        sum += MathF.Abs(resultNow[c * plane + i] - resultBefore![c * plane + i]);
                    n += channels;
                }
            }
            Scratch.Return(truthBefore);
            Scratch.Return(resultBefore);
            (truthBefore, resultBefore) = (truthNow, resultNow);
        }
        Scratch.Return(truthBefore);
        Scratch.Return(resultBefore);
        return n == 0 ? 0 : sum / n;
    }

    /// <summary>
    /// <see cref="Flicker"/> of frames already tonemapped by <see cref="MuLaw.Tonemap"/> with the same peak: the same
    /// terms, summed per frame pair in vector lanes and the pairs in parallel, so within 1e-12 (relative) of it rather
    /// than equal to the bit (tests).
    /// </summary>
    public static double FlickerOfTonemapped(IReadOnlyList<ImageF> result, IReadOnlyList<ImageF> truth, float staticThreshold = 1e-3f)
    {
        if (result.Count != truth.Count) throw new ArgumentException($"{result.Count} result frames but {truth.Count} truth frames");
        for (int t = 1; t < result.Count; t++)
        {
            MetricGuard.CheckPair(result[t], truth[t]);
            MetricGuard.CheckPair(result[t - 1], truth[t - 1]);
            if (!result[t].SameSize(result[t - 1])) throw new ArgumentException($"frame {t} differs in size from frame {t - 1}");
        }
        if (result.Count < 2) return 0;
        var sums = new double[result.Count];
        var counts = new long[result.Count];
        ParallelRange.For(result.Count - 1, 1, new FlickerPairs(result, truth, staticThreshold, sums, counts));
        double sum = 0;
        long n = 0;
        for (int t = 1; t < result.Count; t++) { sum += sums[t]; n += counts[t]; }
        return n == 0 ? 0 : sum / n;
    }

    private readonly struct FlickerPairs(IReadOnlyList<ImageF> result, IReadOnlyList<ImageF> truth, float threshold, double[] sums, long[] counts)
        : IRangeOperation
    {
        public void Invoke(int start, int end)
        {
            for (int t = start + 1; t <= end; t++)
            {
                int channels = MetricGuard.CheckPair(result[t], truth[t]);
                (sums[t], counts[t]) = FlickerKernel.Pair(truth[t].Data, truth[t - 1].Data, result[t].Data, result[t - 1].Data,
                    result[t].PlaneSize, channels, threshold);
            }
        }
    }

    /// <summary><see cref="MuLaw.Apply(float)"/> of h·inv for the first <paramref name="channels"/> planes, rows in parallel, into a buffer rented from <see cref="Scratch"/>.</summary>
    private static float[] Tonemapped(ImageF img, int channels, float inv)
    {
        var dst = Scratch.Rent(channels * img.PlaneSize);
        ParallelRange.ForRows(channels * img.Height, img.Width * 20L, new TonemapRows(img.Data, dst, img.Width, inv));
        return dst;
    }

    private readonly struct TonemapRows(float[] src, float[] dst, int width, float inv) : IRangeOperation
    {
        public void Invoke(int start, int end)
        {
            for (int i = start * width; i < end * width; i++) dst[i] = MuLaw.Apply(src[i] * inv);
        }
    }

    /// <param name="flows">flows[t] (t ≥ 1) maps frame t to frame t−1; flows[0] is ignored and may be null.</param>
    /// <param name="valid">Optional masks (1 = correspondence valid), same indexing as flows.</param>
    public static double WarpingError(IReadOnlyList<ImageF> result, IReadOnlyList<ImageF?> flows, IReadOnlyList<ImageF?>? valid, float peak)
    {
        if (flows.Count != result.Count) throw new ArgumentException($"{result.Count} frames but {flows.Count} flows");
        MetricGuard.CheckPeak(peak);
        float inv = 1f / peak;
        double sum = 0;
        long n = 0;
        for (int t = 1; t < result.Count; t++)
        {
            var flow = flows[t] ?? throw new ArgumentException($"flow for frame {t} is missing");
            var cur = result[t];
            var prev = result[t - 1];
            if (!flow.SameSize(cur) || flow.Channels < 2) throw new ArgumentException($"flow {t} must be 2-channel {cur.Width}x{cur.Height}");
            var mask = valid?[t];
            int channels = Math.Min(3, cur.Channels);
            for (int y = 0; y < cur.Height; y++)
                for (int x = 0; x < cur.Width; x++)
                {
                    if (mask is not null && mask[0, y, x] < 0.5f) continue;
                    float sx = x + flow[0, y, x], sy = y + flow[1, y, x];
                    if (!(sx >= 0 && sy >= 0 && sx <= cur.Width - 1 && sy <= cur.Height - 1)) continue;
                    for (int c = 0; c < channels; c++)
                    {
                        float w = Bilinear(prev, c, sx, sy);
                        sum += MathF.Abs(MuLaw.Apply(cur[c, y, x] * inv) - MuLaw.Apply(w * inv));
                    }
                    n += channels;
                }
        }
        return n == 0 ? 0 : sum / n;
    }

    private static float Bilinear(ImageF img, int c, float x, float y)
    {
        int x0 = Math.Min((int)x, img.Width - 2 < 0 ? 0 : img.Width - 2), y0 = Math.Min((int)y, img.Height - 2 < 0 ? 0 : img.Height - 2);
        int x1 = Math.Min(x0 + 1, img.Width - 1), y1 = Math.Min(y0 + 1, img.Height - 1);
        float fx = x - x0, fy = y - y0;
        float a = img[c, y0, x0] + fx * (img[c, y0, x1] - img[c, y0, x0]);
        float b = img[c, y1, x0] + fx * (img[c, y1, x1] - img[c, y1, x0]);
        return a + fy * (b - a);
    }
}
