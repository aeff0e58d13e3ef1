using HdrOfx.Engine.Imaging;

namespace HdrOfx.Engine.Metrics;

internal static class MetricGuard
{
    /// <summary>Both images must hold the same RGB size; only the first three channels are compared.</summary>
    public static int CheckPair(ImageF result, ImageF truth)
    {
        if (!result.SameSize(truth))
            throw new ArgumentException($"result is {result.Width}x{result.Height} but truth is {truth.Width}x{truth.Height}");
        int c = Math.Min(result.Channels, truth.Channels);
        if (c < 3 && result.Channels != truth.Channels)
            throw new ArgumentException($"channel mismatch: result {result.Channels}, truth {truth.Channels}");
        return Math.Min(c, 3);
    }

    public static void CheckPeak(float peak)
    {
        if (!(peak > 0f) || !float.IsFinite(peak)) throw new ArgumentOutOfRangeException(nameof(peak), $"peak {peak} must be positive and finite");
    }

    /// <summary>PSNR from a mean squared error; identical images give +∞ capped at 100 dB so tables stay finite.</summary>
    public static double PsnrFromMse(double mse, double peak) =>
        mse <= 0 ? 100.0 : Math.Min(100.0, 10.0 * Math.Log10(peak * peak / mse));
}
