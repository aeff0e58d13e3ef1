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
        for (int t = 1; t < result.Count; t++)
        {
            int channels = MetricGuard.CheckPair(result[t], truth[t]);
            MetricGuard.CheckPair(result[t - 1], truth[t - 1]);
            for (int i = 0; i < result[t].PlaneSize; i++)
            {
                bool still = true;
                for (int c = 0; c < channels && still; c++)
                    still = MathF.Abs(MuLaw.Apply(truth[t].Plane(c)[i] * inv) - MuLaw.Apply(truth[t - 1].Plane(c)[i] * inv)) < staticThreshold;
                if (!still) continue;
                for (int c = 0; c < channels; c++)
                    sum += MathF.Abs(MuLaw.Apply(result[t].Plane(c)[i] * inv) - MuLaw.Apply(result[t - 1].Plane(c)[i] * inv));
                n += channels;
            }
        }
        return n == 0 ? 0 : sum / n;
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
