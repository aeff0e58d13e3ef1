namespace HdrOfx.Engine.Imaging;

/// <summary>
/// HDR signal encodings of ITU-R BT.2100: the PQ curve (SMPTE ST 2084) and HLG, plus the BT.709 → BT.2020 primaries matrix.
/// Conventions (ITU-R BT.2408): scene-linear 1.0 is reference ("graphics") white. For PQ it is shown at
/// <see cref="DefaultReferenceWhiteNits"/> = 203 cd/m²; for HLG it sits at 75 % signal, i.e. scene light
/// E = <see cref="HlgReferenceWhiteScene"/> ≈ 0.2650 of HLG nominal peak. Curves are evaluated in double and rounded once.
/// </summary>
public static class HdrEncoding
{
    public const double DefaultReferenceWhiteNits = 203.0;
    public const double PqPeakNits = 10000.0;

    // SMPTE ST 2084 constants, exact rationals.
    public const double PqM1 = 2610.0 / 16384.0;
    public const double PqM2 = 2523.0 / 4096.0 * 128.0;
    public const double PqC1 = 3424.0 / 4096.0;
    public const double PqC2 = 2413.0 / 4096.0 * 32.0;
    public const double PqC3 = 2392.0 / 4096.0 * 32.0;

    // BT.2100 HLG constants.
    public const double HlgA = 0.17883277;
    public const double HlgB = 0.28466892; // 1 − 4a
    public const double HlgC = 0.55991073; // 0.5 − a·ln(4a)

    /// <summary>HLG signal level of reference white (BT.2408): 75 %.</summary>
    public const double HlgReferenceWhiteSignal = 0.75;

    /// <summary>Normalized scene light E that the HLG OETF maps to 0.75: (exp((0.75 − c)/a) + b)/12.</summary>
    public static readonly double HlgReferenceWhiteScene = HlgInverseOetf(HlgReferenceWhiteSignal);

    /// <summary>PQ inverse EOTF: absolute luminance in cd/m² (0..10000) → non-linear signal in [0,1]. Negative input → 0.</summary>
    public static double PqInverseEotf(double nits)
    {
        double y = Math.Max(nits, 0.0) / PqPeakNits;
        double ym = Math.Pow(y, PqM1);
        return Math.Pow((PqC1 + PqC2 * ym) / (1.0 + PqC3 * ym), PqM2);
    }

    /// <summary>PQ EOTF: non-linear signal in [0,1] → luminance in cd/m².</summary>
    public static double PqEotf(double signal)
    {
        double e = Math.Pow(Math.Clamp(signal, 0.0, 1.0), 1.0 / PqM2);
        double num = Math.Max(e - PqC1, 0.0);
        return PqPeakNits * Math.Pow(num / (PqC2 - PqC3 * e), 1.0 / PqM1);
    }

    /// <summary>Scene-linear value (1.0 = reference white) → PQ signal, with reference white at <paramref name="referenceWhiteNits"/>.</summary>
    public static float PqFromLinear(float linear, double referenceWhiteNits = DefaultReferenceWhiteNits) =>
        (float)PqInverseEotf(linear * referenceWhiteNits);

    /// <summary>PQ signal → scene-linear value (1.0 = reference white).</summary>
    public static float LinearFromPq(float signal, double referenceWhiteNits = DefaultReferenceWhiteNits) =>
        (float)(PqEotf(signal) / referenceWhiteNits);

    /// <summary>BT.2100 HLG OETF: normalized scene light E in [0,1] → signal E' in [0,1]. Negative input → 0; E &gt; 1 extends the log segment.</summary>
    public static double HlgOetf(double e)
    {
        if (!(e > 0.0)) return 0.0;
        return e <= 1.0 / 12.0 ? Math.Sqrt(3.0 * e) : HlgA * Math.Log(12.0 * e - HlgB) + HlgC;
    }

    /// <summary>Inverse of <see cref="HlgOetf"/>: signal E' → normalized scene light E.</summary>
    public static double HlgInverseOetf(double signal)
    {
        if (!(signal > 0.0)) return 0.0;
        return signal <= 0.5 ? signal * signal / 3.0 : (Math.Exp((signal - HlgC) / HlgA) + HlgB) / 12.0;
    }

    /// <summary>Scene-linear value (1.0 = reference white) → HLG signal, reference white at 75 %.</summary>
    public static float HlgFromLinear(float linear) => (float)HlgOetf(linear * HlgReferenceWhiteScene);

    /// <summary>HLG signal → scene-linear value (1.0 = reference white).</summary>
    public static float LinearFromHlg(float signal) => (float)(HlgInverseOetf(signal) / HlgReferenceWhiteScene);

    public static void PqFromLinear(ReadOnlySpan<float> src, Span<float> dst, double referenceWhiteNits = DefaultReferenceWhiteNits)
    {
        CheckLengths(src, dst);
        for (int i = 0; i < src.Length; i++) dst[i] = PqFromLinear(src[i], referenceWhiteNits);
    }

    public static void LinearFromPq(ReadOnlySpan<float> src, Span<float> dst, double referenceWhiteNits = DefaultReferenceWhiteNits)
    {
        CheckLengths(src, dst);
        for (int i = 0; i < src.Length; i++) dst[i] = LinearFromPq(src[i], referenceWhiteNits);
    }

    public static void HlgFromLinear(ReadOnlySpan<float> src, Span<float> dst)
    {
        CheckLengths(src, dst);
        for (int i = 0; i < src.Length; i++) dst[i] = HlgFromLinear(src[i]);
    }

    public static void LinearFromHlg(ReadOnlySpan<float> src, Span<float> dst)
    {
        CheckLengths(src, dst);
        for (int i = 0; i < src.Length; i++) dst[i] = LinearFromHlg(src[i]);
    }

    /// <summary>
    /// Linear BT.709 RGB → linear BT.2020 RGB (ITU-R BT.2087, derived from the primaries and D65), row-major.
    /// </summary>
    public static ReadOnlySpan<double> Bt709ToBt2020 =>
    [
        0.627403895934699, 0.329283038377884, 0.043313065687417,
        0.069097289358232, 0.919540395075459, 0.011362315566309,
        0.016391438875150, 0.088013307877226, 0.895595253247624,
    ];

    /// <summary>Applies <see cref="Bt709ToBt2020"/> in place to the first three channels of a linear image.</summary>
    public static void ConvertBt709ToBt2020(ImageF linear)
    {
        ArgumentNullException.ThrowIfNull(linear);
        if (linear.Channels < 3) throw new ArgumentException($"need RGB, got {linear.Channels} channel(s)", nameof(linear));
        var m = Bt709ToBt2020;
        float m00 = (float)m[0], m01 = (float)m[1], m02 = (float)m[2];
        float m10 = (float)m[3], m11 = (float)m[4], m12 = (float)m[5];
        float m20 = (float)m[6], m21 = (float)m[7], m22 = (float)m[8];
        var r = linear.Plane(0); var g = linear.Plane(1); var b = linear.Plane(2);
        for (int i = 0; i < r.Length; i++)
        {
            float R = r[i], G = g[i], B = b[i];
            r[i] = m00 * R + m01 * G + m02 * B;
            g[i] = m10 * R + m11 * G + m12 * B;
            b[i] = m20 * R + m21 * G + m22 * B;
        }
    }

    private static void CheckLengths(ReadOnlySpan<float> src, Span<float> dst)
    {
        if (dst.Length < src.Length) throw new ArgumentException($"destination length {dst.Length} < source length {src.Length}", nameof(dst));
    }
}
