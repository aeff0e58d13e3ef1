namespace HdrOfx.Plugin;

/// <summary>
/// Output encodings of the plug-in. Kept here, not in the engine, until the engine's HdrEncoding
/// lands (see the report of issue 3); the constants follow the standards cited per method.
/// </summary>
public enum OutputEncodingKind { SceneLinear = 0, Pq = 1, Hlg = 2 }

public static class OutputEncoding
{
    /// <summary>BT.2408: HDR reference white is 203 cd/m²; scene-linear 1.0 is mapped there for PQ.</summary>
    public const double ReferenceWhiteNits = 203.0;

    // SMPTE ST 2084 constants.
    private const double M1 = 2610.0 / 16384.0;
    private const double M2 = 2523.0 / 4096.0 * 128.0;
    private const double C1 = 3424.0 / 4096.0;
    private const double C2 = 2413.0 / 4096.0 * 32.0;
    private const double C3 = 2392.0 / 4096.0 * 32.0;

    // BT.2100 HLG OETF constants.
    private const double HlgA = 0.17883277;
    private const double HlgB = 0.28466892; // 1 - 4a
    private const double HlgC = 0.55991073; // 0.5 - a ln(4a)

    /// <summary>
    /// Scene-linear value that the HLG OETF maps to 0.75 (BT.2408 reference white): the inverse OETF at 0.75,
    /// (exp((0.75 - c) / a) + b) / 12 ≈ 0.2650. Scene-linear 1.0 is scaled to it.
    /// </summary>
    public static readonly double HlgReferenceWhite = (Math.Exp((0.75 - HlgC) / HlgA) + HlgB) / 12.0;

    /// <summary>PQ inverse EOTF of an absolute luminance in cd/m² (clamped to [0, 10000]).</summary>
    public static double PqFromNits(double nits)
    {
        double y = Math.Clamp(nits / 10000.0, 0.0, 1.0);
        double p = Math.Pow(y, M1);
        return Math.Pow((C1 + C2 * p) / (1.0 + C3 * p), M2);
    }

    /// <summary>Scene-linear (1.0 = 203 nits) to a PQ signal in [0, 1].</summary>
    public static float Pq(float linear) => (float)PqFromNits(linear * ReferenceWhiteNits);

    /// <summary>BT.2100 HLG OETF of normalized scene light E in [0, 1].</summary>
    public static double HlgOetf(double e)
    {
        e = Math.Clamp(e, 0.0, 1.0);
        return e <= 1.0 / 12.0 ? Math.Sqrt(3.0 * e) : HlgA * Math.Log(12.0 * e - HlgB) + HlgC;
    }

    /// <summary>Scene-linear (1.0 = reference white) to an HLG signal: 1.0 → 0.75.</summary>
    public static float Hlg(float linear) => (float)HlgOetf(linear * HlgReferenceWhite);

    public static float Encode(OutputEncodingKind kind, float linear) => kind switch
    {
        OutputEncodingKind.Pq => Pq(linear),
        OutputEncodingKind.Hlg => Hlg(linear),
        _ => linear,
    };
}
