using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.Reconstruction;
using HdrOfx.Engine.Synthesis;

namespace HdrOfx.Engine.Metrics;

/// <summary>
/// Runs reconstruction methods over a synthetic clip exactly as `hdrofx reconstruct` would (same sequence driver,
/// same linearization) and scores each against the clip's ground truth. The "oracle" method gets the ground-truth flows.
/// </summary>
public static class MethodComparison
{
    public static readonly string[] StandardMethods = ["single", "noalign", "classical", "oracle"];

    public sealed record MethodRun(string Method, ClipScore Score, IReadOnlyList<ImageF> Frames);

    public static MethodRun Run(SyntheticClip clip, string method, string transfer, CancellationToken cancel = default)
    {
        var tf = TransferFunctions.Parse(transfer);
        int radius = clip.Pattern.DefaultRadius;
        var seq = new SequenceReconstructor(clip.Pattern, tf, new ReconstructOptions { Method = method }, radius)
        {
            OptionsForFrame = method == "oracle"
                ? (n, windowFirst, o) => new ReconstructOptions
                {
                    Method = o.Method,
                    Diagnostics = o.Diagnostics,
                    GivenFlows = Enumerable.Range(windowFirst, 2 * radius + 1)
                        .Select(t => t < 0 || t >= clip.FrameCount ? null : t == n ? null : clip.GroundTruthFlow(n, t))
                        .ToArray(),
                }
                : null,
        };
        var frames = new ImageF[clip.FrameCount];
        seq.Run(0, clip.FrameCount - 1, 0, clip.FrameCount - 1, t => clip.Ldr[t], (n, r) => frames[n] = r.Hdr, cancel);
        return new MethodRun(method, Score(clip, frames), frames);
    }

    /// <summary>Scores frames against the clip's truth, with the warping error along the ground-truth flow t → t−1.</summary>
    public static ClipScore Score(SyntheticClip clip, IReadOnlyList<ImageF> frames)
    {
        var flows = new ImageF?[clip.FrameCount];
        var valid = new ImageF?[clip.FrameCount];
        for (int t = 1; t < clip.FrameCount; t++) (flows[t], valid[t]) = clip.GroundTruthFlowAndValidity(t, t - 1);
        return ClipScore.Compute(frames, clip.Hdr, flows, valid);
    }
}
