using System.Runtime.CompilerServices;
using HdrOfx.Engine.Imaging;

namespace HdrOfx.Engine.Synthesis;

/// <summary>
/// Samples an RGB source at real coordinates (pixel centres at integers) with equirectangular boundaries:
/// horizontal wrap-around, vertical clamp. The source is copied once and sanitized (non-finite or negative → 0).
/// </summary>
internal sealed class PanoramaSampler
{
    private readonly float[] _r, _g, _b;
    public int Width { get; }
    public int Height { get; }
    public ResampleKind Kind { get; }

    public PanoramaSampler(ImageF src, ResampleKind kind)
    {
        if (src.Channels is not (1 or 3 or 4)) throw new ArgumentException($"source must have 1, 3 or 4 channels, got {src.Channels}");
        Width = src.Width; Height = src.Height; Kind = kind;
        int n = src.PlaneSize;
        _r = Sanitize(src.Plane(0));
        _g = src.Channels >= 3 ? Sanitize(src.Plane(1)) : _r;
        _b = src.Channels >= 3 ? Sanitize(src.Plane(2)) : _r;

        static float[] Sanitize(ReadOnlySpan<float> s)
        {
            var d = new float[s.Length];
            for (int i = 0; i < s.Length; i++) { float v = s[i]; d[i] = float.IsFinite(v) && v > 0 ? v : 0f; }
            return d;
        }
    }

    /// <summary>Per-pixel luminance-like value (mean of R, G, B), for gain matching.</summary>
    public float[] MeanRgb()
    {
        var m = new float[_r.Length];
        for (int i = 0; i < m.Length; i++) m[i] = (_r[i] + _g[i] + _b[i]) * (1f / 3f);
        return m;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int WrapX(int x)
    {
        x %= Width;
        return x < 0 ? x + Width : x;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int ClampY(int y) => y < 0 ? 0 : y >= Height ? Height - 1 : y;

    public void Sample(double u, double v, out float r, out float g, out float b)
    {
        if (double.IsNaN(u) || double.IsNaN(v)) { r = g = b = 0; return; }
        // Keep the horizontal coordinate small before flooring (u is unwrapped and can drift far).
        u %= Width;
        if (u < 0) u += Width;
        v = Math.Clamp(v, 0, Height - 1);
        int x0 = (int)Math.Floor(u), y0 = (int)Math.Floor(v);
        float tx = (float)(u - x0), ty = (float)(v - y0);
        if (Kind == ResampleKind.Bilinear)
        {
            int xa = WrapX(x0), xb = WrapX(x0 + 1), ya = ClampY(y0) * Width, yb = ClampY(y0 + 1) * Width;
            float w00 = (1 - tx) * (1 - ty), w10 = tx * (1 - ty), w01 = (1 - tx) * ty, w11 = tx * ty;
            r = w00 * _r[ya + xa] + w10 * _r[ya + xb] + w01 * _r[yb + xa] + w11 * _r[yb + xb];
            g = w00 * _g[ya + xa] + w10 * _g[ya + xb] + w01 * _g[yb + xa] + w11 * _g[yb + xb];
            b = w00 * _b[ya + xa] + w10 * _b[ya + xb] + w01 * _b[yb + xa] + w11 * _b[yb + xb];
            return;
        }
        Span<int> xs = stackalloc int[4];
        Span<int> ys = stackalloc int[4];
        Span<float> wx = stackalloc float[4];
        Span<float> wy = stackalloc float[4];
        for (int k = 0; k < 4; k++) { xs[k] = WrapX(x0 - 1 + k); ys[k] = ClampY(y0 - 1 + k) * Width; }
        CatmullRom(tx, wx);
        CatmullRom(ty, wy);
        r = Cubic(_r, xs, ys, wx, wy);
        g = Cubic(_g, xs, ys, wx, wy);
        b = Cubic(_b, xs, ys, wx, wy);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CatmullRom(float t, Span<float> w)
    {
        float t2 = t * t, t3 = t2 * t;
        w[0] = 0.5f * (-t3 + 2 * t2 - t);
        w[1] = 0.5f * (3 * t3 - 5 * t2 + 2);
        w[2] = 0.5f * (-3 * t3 + 4 * t2 + t);
        w[3] = 0.5f * (t3 - t2);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Cubic(float[] p, ReadOnlySpan<int> xs, ReadOnlySpan<int> ys, ReadOnlySpan<float> wx, ReadOnlySpan<float> wy)
    {
        float acc = 0;
        for (int j = 0; j < 4; j++)
        {
            int row = ys[j];
            float h = wx[0] * p[row + xs[0]] + wx[1] * p[row + xs[1]] + wx[2] * p[row + xs[2]] + wx[3] * p[row + xs[3]];
            acc += wy[j] * h;
        }
        // Anti-ringing: clamp to the range of the 2×2 neighbourhood, so sun spots never ring negative.
        float a = p[ys[1] + xs[1]], b = p[ys[1] + xs[2]], c = p[ys[2] + xs[1]], d = p[ys[2] + xs[2]];
        float lo = MathF.Min(MathF.Min(a, b), MathF.Min(c, d)), hi = MathF.Max(MathF.Max(a, b), MathF.Max(c, d));
        return acc < lo ? lo : acc > hi ? hi : acc;
    }
}
