namespace HdrOfx.Engine.Imaging;

/// <summary>Curves for previews, contact sheets and the μ-law metric space.</summary>
public enum PreviewCurve
{
    /// <summary>Clamp to [0,1] (no compression).</summary>
    Clip,
    /// <summary>x / (1 + x).</summary>
    Reinhard,
    /// <summary>Narkowicz's 2015 fit of the ACES RRT+ODT: x(2.51x + 0.03) / (x(2.43x + 0.59) + 0.14).</summary>
    AcesFitted,
}

public static class Tonemap
{
    public const float DefaultMu = 5000f;

    /// <summary>
    /// μ-law (DESIGN §3): T(H) = log(1 + μ·h) / log(1 + μ), with h = H / peak clamped to [0,1].
    /// </summary>
    public static float MuLaw(float h, float peak = 1f, float mu = DefaultMu)
    {
        if (!(peak > 0f)) throw new ArgumentOutOfRangeException(nameof(peak), $"peak {peak} must be positive");
        float x = h / peak;
        x = x > 0f ? MathF.Min(x, 1f) : 0f; // NaN → 0
        return MathF.Log(1f + mu * x) / (float)Math.Log(1.0 + mu);
    }

    /// <summary>Inverse μ-law: T → H = peak · ((1 + μ)^T − 1) / μ.</summary>
    public static float MuLawInverse(float t, float peak = 1f, float mu = DefaultMu) =>
        (float)(peak * (Math.Pow(1.0 + mu, t) - 1.0) / mu);

    public static void MuLaw(ReadOnlySpan<float> src, Span<float> dst, float peak = 1f, float mu = DefaultMu)
    {
        if (dst.Length < src.Length) throw new ArgumentException($"destination length {dst.Length} < source length {src.Length}", nameof(dst));
        if (!(peak > 0f)) throw new ArgumentOutOfRangeException(nameof(peak), $"peak {peak} must be positive");
        float inv = 1f / (float)Math.Log(1.0 + mu);
        for (int i = 0; i < src.Length; i++)
        {
            float x = src[i] / peak;
            x = x > 0f ? MathF.Min(x, 1f) : 0f;
            dst[i] = MathF.Log(1f + mu * x) * inv;
        }
    }

    /// <summary>μ-law of every channel of a linear image, as a new image.</summary>
    public static ImageF MuLaw(ImageF linear, float peak, float mu = DefaultMu)
    {
        ArgumentNullException.ThrowIfNull(linear);
        var o = new ImageF(linear.Width, linear.Height, linear.Channels);
        MuLaw(linear.Data, o.Data, peak, mu);
        return o;
    }

    /// <summary>Largest finite value of the colour channels (alpha excluded), for use as the μ-law peak.</summary>
    public static float Peak(ImageF linear)
    {
        ArgumentNullException.ThrowIfNull(linear);
        int colour = linear.Channels == 4 ? 3 : linear.Channels == 2 ? 1 : linear.Channels;
        float m = 0f;
        foreach (float v in linear.Data.AsSpan(0, colour * linear.PlaneSize))
            if (float.IsFinite(v) && v > m) m = v;
        return m;
    }

    /// <summary>One value through the preview curve: scaled by 2^ev, compressed, clamped; still linear (not sRGB-encoded).</summary>
    public static float PreviewLinear(float linear, float exposureEv = 0f, PreviewCurve curve = PreviewCurve.AcesFitted)
    {
        float x = linear * MathF.Pow(2f, exposureEv);
        if (!(x > 0f)) return 0f;
        x = curve switch
        {
            PreviewCurve.Reinhard => x / (1f + x),
            PreviewCurve.AcesFitted => x * (2.51f * x + 0.03f) / (x * (2.43f * x + 0.59f) + 0.14f),
            _ => x,
        };
        return Math.Clamp(x, 0f, 1f);
    }

    /// <summary>One value through the preview curve, then sRGB-encoded: display value in [0,1].</summary>
    public static float Preview(float linear, float exposureEv = 0f, PreviewCurve curve = PreviewCurve.AcesFitted) =>
        TransferFunctions.FromLinear(TransferFunction.Srgb, PreviewLinear(linear, exposureEv, curve));

    /// <summary>
    /// Scene-linear image → sRGB display-encoded preview in [0,1], ready for <c>PngWriter</c>.
    /// Alpha (the 4th channel, or the 2nd of 2) is clamped to [0,1] and otherwise passed through.
    /// </summary>
    public static ImageF Preview(ImageF linear, float exposureEv = 0f, PreviewCurve curve = PreviewCurve.AcesFitted)
    {
        ArgumentNullException.ThrowIfNull(linear);
        var o = new ImageF(linear.Width, linear.Height, linear.Channels);
        int colour = linear.Channels == 4 ? 3 : linear.Channels == 2 ? 1 : linear.Channels;
        int n = colour * linear.PlaneSize;
        var s = linear.Data; var d = o.Data;
        for (int i = 0; i < n; i++) d[i] = Preview(s[i], exposureEv, curve);
        for (int i = n; i < s.Length; i++) d[i] = s[i] > 0f ? MathF.Min(s[i], 1f) : 0f;
        return o;
    }
}
