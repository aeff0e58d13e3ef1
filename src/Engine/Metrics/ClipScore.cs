using HdrOfx.Engine.Imaging;

namespace HdrOfx.Engine.Metrics;

/// <summary>Mean per-frame scores of one result sequence against its ground truth, normalized by the truth's clip peak.</summary>
public sealed record ClipScore(double PsnrMu, double SsimMu, double PsnrLinear, double PsnrPu21, double Flicker, double? WarpingError, int Frames)
{
    /// <param name="flows">Optional ground-truth flows for the warping error: flows[t] maps frame t to frame t−1.</param>
    public static ClipScore Compute(IReadOnlyList<ImageF> result, IReadOnlyList<ImageF> truth,
        IReadOnlyList<ImageF?>? flows = null, IReadOnlyList<ImageF?>? valid = null)
    {
        if (result.Count != truth.Count) throw new ArgumentException($"{result.Count} result frames but {truth.Count} truth frames");
        if (result.Count == 0) throw new ArgumentException("no frames to score");
        float peak = ClipPeak.Of(truth);
        double pm = 0, sm = 0, pl = 0, pu = 0;
        for (int t = 0; t < result.Count; t++)
        {
            pm += Psnr.Mu(result[t], truth[t], peak);
            sm += Ssim.Mu(result[t], truth[t], peak);
            pl += Psnr.Linear(result[t], truth[t], peak);
            pu += Psnr.Pu21Encoded(result[t], truth[t], peak);
        }
        int n = result.Count;
        double flicker = TemporalStability.Flicker(result, truth, peak);
        double? warp = flows is null ? null : TemporalStability.WarpingError(result, flows, valid, peak);
        return new ClipScore(pm / n, sm / n, pl / n, pu / n, flicker, warp, n);
    }
}
