namespace HdrOfx.Engine.Metrics;

/// <summary>
/// PU21 perceptually-uniform encoding (Mantiuk &amp; Azimi, "PU21: A novel perceptually uniform encoding
/// for adapting existing quality metrics for HDR", PCS 2021), "banding + glare" variant.
/// Input is absolute luminance in cd/m², clamped to [0.005, 10000].
/// </summary>
public static class Pu21
{
    private const double P0 = 0.353487901, P1 = 0.3734658629, P2 = 8.277049286e-05, P3 = 0.9062562627,
        P4 = 0.09150303166, P5 = 0.9099517204, P6 = 596.3148142;

    public const double MinLuminance = 0.005, MaxLuminance = 10000;

    /// <summary>Scene-linear values normalized to the clip peak are shown on a display whose peak is this many cd/m².</summary>
    public const double DisplayPeak = 1000;

    public static double Encode(double luminance)
    {
        double y = Math.Clamp(luminance, MinLuminance, MaxLuminance);
        double yp = Math.Pow(y, P3);
        return Math.Max(P6 * (Math.Pow((P0 + P1 * yp) / (1 + P2 * yp), P4) - P5), 0);
    }

    /// <summary>The code value of the brightest luminance, used as the PSNR peak.</summary>
    public static readonly double PeakCode = Encode(MaxLuminance);
}
