using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.Reconstruction;

namespace HdrOfx.Engine.Tests.Classical;

/// <summary>
/// Procedural HDR test scenes, generated in the test: a band-limited texture (exp of a sum of oriented sinusoids,
/// radiance ~0.02..3) with Gaussian bright spots (up to ~25), continuous so that any sub-pixel shift is exact.
/// </summary>
internal sealed class ProceduralTexture
{
    private readonly (float kx, float ky, float ph, float amp)[] _waves;
    private readonly (float x, float y, float r2, float peak)[] _spots;
    private readonly float _tint;
    private readonly float _max;

    /// <param name="maxRadiance">Soft ceiling (max·tanh(v/max)), so a scene can stay within a short exposure's range.</param>
    public ProceduralTexture(int seed, int spots = 12, float extent = 512, float spotPeak = 25f, float maxRadiance = float.PositiveInfinity)
    {
        _max = maxRadiance;
        var rng = new Random(seed);
        _waves = new (float, float, float, float)[10];
        for (int i = 0; i < _waves.Length; i++)
        {
            double f = 0.03 + 0.25 * rng.NextDouble();
            double th = rng.NextDouble() * Math.PI;
            _waves[i] = ((float)(f * Math.Cos(th)), (float)(f * Math.Sin(th)), (float)(rng.NextDouble() * 6.283), (float)(0.45 / Math.Sqrt(1 + 10 * f)));
        }
        _spots = new (float, float, float, float)[spots];
        for (int i = 0; i < spots; i++)
        {
            float r = 2f + 5f * (float)rng.NextDouble();
            _spots[i] = ((float)(rng.NextDouble() * extent), (float)(rng.NextDouble() * extent), r * r, spotPeak * (0.3f + 0.7f * (float)rng.NextDouble()));
        }
        _tint = (float)rng.NextDouble();
    }

    public float Radiance(float x, float y, int c)
    {
        float a = 0;
        foreach (var (kx, ky, ph, amp) in _waves) a += amp * MathF.Sin(kx * x + ky * y + ph + 0.7f * c * amp);
        float v = 0.25f * MathF.Exp(2.2f * a);
        foreach (var (sx, sy, r2, peak) in _spots)
        {
            float dx = x - sx, dy = y - sy;
            float d2 = dx * dx + dy * dy;
            if (d2 < 9 * r2) v += peak * MathF.Exp(-d2 / r2);
        }
        float tint = c switch { 0 => 0.9f + 0.2f * _tint, 1 => 1f, _ => 1.1f - 0.3f * _tint };
        v *= tint;
        return float.IsPositiveInfinity(_max) ? v : _max * MathF.Tanh(v / _max);
    }
}

/// <summary>A scene as a function: radiance of channel c at pixel (x, y) of the frame at time t.</summary>
internal delegate float SceneFn(float x, float y, int c, int t);

internal static class Synthetic
{
    public static ImageF RenderHdr(int w, int h, SceneFn scene, int t)
    {
        var img = new ImageF(w, h, 3);
        Parallel.For(0, h, y =>
        {
            for (int c = 0; c < 3; c++)
                for (int x = 0; x < w; x++) img[c, y, x] = scene(x, y, c, t);
        });
        return img;
    }

    /// <summary>Exposes radiance with a linear CRF: L = clip(H·2^ev + N(0, σ²), 0, 1).</summary>
    public static ImageF Expose(ImageF hdr, double ev, float sigma, int seed)
    {
        var img = new ImageF(hdr.Width, hdr.Height, 3);
        var rng = new Random(seed);
        float e = (float)Math.Pow(2, ev);
        for (int i = 0; i < 3 * hdr.PlaneSize; i++)
        {
            double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
            float g = (float)(Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
            img.Data[i] = Math.Clamp(hdr.Data[i] * e + sigma * g, 0f, 1f);
        }
        return img;
    }

    public static ImageF FlowImage(int w, int h, Func<float, float, (float dx, float dy)> flow)
    {
        var f = new ImageF(w, h, 2);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                var (dx, dy) = flow(x, y);
                f[0, y, x] = dx; f[1, y, x] = dy;
            }
        return f;
    }

    public static ImageF Mask(int w, int h, Func<int, int, bool> inside)
    {
        var m = new ImageF(w, h, 1);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) m[0, y, x] = inside(x, y) ? 1f : 0f;
        return m;
    }

    /// <summary>PSNR of the μ-law tonemapped images (μ = 5000) after normalizing both by the ground truth's max (DESIGN §3).</summary>
    public static double PsnrMu(ImageF est, ImageF gt, ImageF? mask = null)
    {
        float max = 0;
        for (int i = 0; i < 3 * gt.PlaneSize; i++) max = MathF.Max(max, gt.Data[i]);
        double logMu = Math.Log(1 + 5000.0), se = 0;
        long cnt = 0;
        int n = gt.PlaneSize;
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < n; i++)
            {
                if (mask is not null && mask.Data[i] < 0.5f) continue;
                double a = Math.Log(1 + 5000.0 * Math.Clamp(est.Data[c * n + i] / max, 0, 1)) / logMu;
                double b = Math.Log(1 + 5000.0 * Math.Clamp(gt.Data[c * n + i] / max, 0, 1)) / logMu;
                se += (a - b) * (a - b);
                cnt++;
            }
        return 10 * Math.Log10(1.0 / Math.Max(se / cnt, 1e-20));
    }

    public static bool AllFinite(ImageF img) => img.Data.All(float.IsFinite);
}
