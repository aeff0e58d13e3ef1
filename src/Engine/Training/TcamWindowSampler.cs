using HdrOfx.Engine.Classical;
using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.Models;
using HdrOfx.Engine.Reconstruction;
using HdrOfx.Engine.Synthesis;

namespace HdrOfx.Engine.Training;

/// <summary>
/// One training clip cut into two consecutive reference windows (frames t and t + 1, of different exposures), so
/// the temporal loss can compare consecutive outputs. <see cref="Flow"/> is the ground-truth backward flow from
/// t to t + 1 and <see cref="Valid"/> its validity.
/// </summary>
public sealed record TrainingPair(TcamSample First, TcamSample Second, float[] TruthFirst, float[] TruthSecond, float[] Flow, float[] Valid);

/// <summary>
/// Training data on the fly (DESIGN §4): each clip is synthesized at the crop size (the virtual camera crops the
/// panorama at native resolution) from a random training background and a different training foreground, with a
/// random pattern (2 exposures 2 or 3 stops apart, or 3 exposures), phase, camera response (gamma 2.2, sRGB or an
/// inverse sigmoid), bit depth (8, 10, 12), noise, motion blur (one clip in five), motion speeds and flips. Frames are
/// linearized with the clip's own response; the classical merge and flows are computed on the crop as at inference.
/// Everything derives from (seed, step, index): a resumed run sees the same data.
/// </summary>
public sealed class TcamWindowSampler
{
    private readonly IReadOnlyList<ImageF> _panoramas;
    private readonly int _crop;
    private readonly ulong _seed;

    /// <param name="trainingPanoramas">The training panoramas only (<see cref="PanoramaSplit.Training"/>), at least 2.</param>
    public TcamWindowSampler(IReadOnlyList<ImageF> trainingPanoramas, int crop, ulong seed)
    {
        if (trainingPanoramas.Count < 2) throw new ArgumentException("the sampler needs at least two training panoramas");
        if (crop < 16 || crop % 4 != 0) throw new ArgumentException($"crop {crop} must be a multiple of 4, at least 16");
        _panoramas = trainingPanoramas;
        _crop = crop;
        _seed = seed;
    }

    /// <summary>Whether step <paramref name="step"/> draws 3-exposure clips (one step in three); all clips of a step share the pattern length.</summary>
    public bool ThreeExposures(long step) => SynthRandom.Fork(_seed, 100, (ulong)step).NextInt(3) == 0;

    public TrainingPair Pair(long step, int index)
    {
        var rng = SynthRandom.Fork(_seed, 101 + (ulong)index, (ulong)step);
        SynthPattern pattern = ThreeExposures(step) ? SynthPattern.Three : rng.NextInt(2) == 0 ? SynthPattern.TwoGap2 : SynthPattern.TwoGap3;
        int len = pattern == SynthPattern.Three ? 5 : 3;
        int bg = rng.NextInt(_panoramas.Count);
        int fg = (bg + 1 + rng.NextInt(_panoramas.Count - 1)) % _panoramas.Count;
        var crf = rng.NextInt(3) switch { 0 => CrfKind.Gamma22, 1 => CrfKind.Srgb, _ => CrfKind.InverseSigmoid };
        var o = new SynthOptions
        {
            Seed = rng.NextULong(),
            Frames = len + 1,
            Width = _crop,
            Height = _crop,
            Pattern = pattern,
            Phase = rng.NextInt(pattern == SynthPattern.Three ? 3 : 2),
            PanSpeed = rng.Uniform(0.5, 4),
            ForegroundSpeed = rng.Uniform(1, 6),
            ForegroundCount = 1 + rng.NextInt(2),
            Crf = crf,
            BitDepth = new[] { 8, 10, 12 }[rng.NextInt(3)],
            MotionBlur = rng.NextInt(5) == 0,
            BlurSamples = 4,
            MaxThreads = 1,
        };
        var clip = ClipSynthesizer.Generate(o, _panoramas[bg], _panoramas[fg]);
        bool fh = rng.NextInt(2) == 0, fv = rng.NextInt(2) == 0;
        var inputs = new FrameInput[clip.FrameCount];
        for (int t = 0; t < clip.FrameCount; t++)
        {
            var lin = ImageFlips.Flip(clip.Ldr[t], fh, fv).Clone();
            clip.Crf.Invert(lin.Data);
            inputs[t] = new FrameInput(lin, clip.Evs[t]);
        }
        int r = len / 2;
        var first = Window(inputs, 0, len, r);
        var second = Window(inputs, 1, len, r);
        var truth1 = Truth(ImageFlips.Flip(clip.Hdr[r], fh, fv), first.Scale);
        var truth2 = Truth(ImageFlips.Flip(clip.Hdr[r + 1], fh, fv), second.Scale);
        var (flow, valid) = clip.GroundTruthFlowAndValidity(r, r + 1);
        return new TrainingPair(first, second, truth1, truth2, ImageFlips.Flip(flow, fh, fv, isFlow: true).Data, ImageFlips.Flip(valid, fh, fv).Data);
    }

    /// <summary>The sample for reference frames[start + r] of the window frames[start .. start + len − 1].</summary>
    public static TcamSample Window(IReadOnlyList<FrameInput> inputs, int start, int len, int r)
    {
        var frames = new FrameInput?[len];
        for (int i = 0; i < len; i++) frames[i] = inputs[start + i];
        var classical = new ClassicalReconstruction("classical", AlignmentMode.OpticalFlow).Reconstruct(frames, r, new ReconstructOptions(), CancellationToken.None);
        var flows = new FlowField?[len];
        for (int i = 0; i < len; i++)
            if (i != r) flows[i] = OpticalFlow.Compute(frames[r]!.Linear, frames[r]!.Ev, frames[i]!.Linear, frames[i]!.Ev, ClassicalReconstruction.MergeFlowDefaults);
        return TcamSample.Build(frames, r, classical.Hdr, flows);
    }

    public static float[] Truth(ImageF hdr, float scale)
    {
        int n3 = 3 * hdr.PlaneSize;
        var t = new float[n3];
        for (int p = 0; p < n3; p++) t[p] = MuLawDomain.Forward(hdr.Data[p], scale);
        return t;
    }
}
