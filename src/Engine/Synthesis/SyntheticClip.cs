using HdrOfx.Engine.Imaging;

namespace HdrOfx.Engine.Synthesis;

/// <summary>
/// A synthetic alternating-exposure clip with its ground truth.
/// <list type="bullet">
/// <item><see cref="Ldr"/>: 3-channel display-encoded frames in [0,1], quantized to the bit depth (what the camera recorded).</item>
/// <item><see cref="Hdr"/>: 3-channel scene-linear ground truth in units of EV 0: GT = f⁻¹(L_noisefree,unclipped) / 2^EV.</item>
/// </list>
/// </summary>
public sealed class SyntheticClip
{
    public IReadOnlyList<ImageF> Ldr { get; }
    public IReadOnlyList<ImageF> Hdr { get; }
    /// <summary>EV of each frame (exposure e = 2^EV).</summary>
    public IReadOnlyList<double> Evs { get; }
    public ExposurePattern Pattern { get; }
    public Crf Crf { get; }
    public SynthManifest Manifest { get; }
    public SceneMotion Motion { get; }

    public int FrameCount => Ldr.Count;
    public int Width => Motion.Width;
    public int Height => Motion.Height;

    internal SyntheticClip(IReadOnlyList<ImageF> ldr, IReadOnlyList<ImageF> hdr, IReadOnlyList<double> evs, ExposurePattern pattern,
        Crf crf, SynthManifest manifest, SceneMotion motion)
    {
        Ldr = ldr; Hdr = hdr; Evs = evs; Pattern = pattern; Crf = crf; Manifest = manifest; Motion = motion;
    }

    /// <summary>
    /// 2-channel flow (dx, dy in px): frame <paramref name="otherFrame"/> sampled at p + flow(p) lines up with frame
    /// <paramref name="refFrame"/> at p (backward warping, as ReconstructOptions.GivenFlows).
    /// </summary>
    public ImageF GroundTruthFlow(int refFrame, int otherFrame)
    {
        CheckFrames(refFrame, otherFrame);
        Motion.ComputeFlow(refFrame, otherFrame, out var flow, out _);
        return flow;
    }

    /// <summary>1-channel mask: 1 where the flow's correspondence is visible in both frames, 0 where it is occluded, out of frame or on a soft edge.</summary>
    public ImageF GroundTruthValidity(int refFrame, int otherFrame)
    {
        CheckFrames(refFrame, otherFrame);
        Motion.ComputeFlow(refFrame, otherFrame, out _, out var validity);
        return validity;
    }

    /// <summary>Flow and validity in one pass.</summary>
    public (ImageF Flow, ImageF Validity) GroundTruthFlowAndValidity(int refFrame, int otherFrame)
    {
        CheckFrames(refFrame, otherFrame);
        Motion.ComputeFlow(refFrame, otherFrame, out var flow, out var validity);
        return (flow, validity);
    }

    /// <summary>Foreground coverage of a frame (1 channel).</summary>
    public ImageF ForegroundAlpha(int frame)
    {
        CheckFrames(frame, frame);
        return Motion.ForegroundAlpha(frame);
    }

    /// <summary>
    /// The (ref, other) pairs a writer should store flow for when <see cref="SynthOptions.Flow"/> is on: every frame against
    /// each neighbour within the pattern's default radius (DESIGN §2: 1 for two exposures, 2 for three). Empty when off.
    /// </summary>
    public IReadOnlyList<(int Ref, int Other)> FlowPairs
    {
        get
        {
            if (!Manifest.Options.Flow) return [];
            var pairs = new List<(int, int)>();
            int r = Pattern.DefaultRadius;
            for (int t = 0; t < FrameCount; t++)
                for (int d = -r; d <= r; d++)
                    if (d != 0 && t + d >= 0 && t + d < FrameCount) pairs.Add((t, t + d));
            return pairs;
        }
    }

    private void CheckFrames(int a, int b)
    {
        if ((uint)a >= (uint)FrameCount) throw new ArgumentOutOfRangeException(nameof(a), $"frame {a} is outside 0..{FrameCount - 1}");
        if ((uint)b >= (uint)FrameCount) throw new ArgumentOutOfRangeException(nameof(b), $"frame {b} is outside 0..{FrameCount - 1}");
    }
}
