using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.Metrics;
using HdrOfx.Engine.Models;
using HdrOfx.Engine.Reconstruction;
using HdrOfx.Engine.Synthesis;

namespace HdrOfx.Engine.Training;

/// <summary>One validation clip's scores: `tcam` and classical on the same frames.</summary>
public sealed record ValidationRow(string Clip, ClipScore Tcam, ClipScore Classical);

/// <summary>
/// The validation pass: the validation clips of <see cref="PanoramaSplit"/> (synth-bench/1 clips made from the
/// validation panoramas alone), reconstructed by `tcam` with the given network and by `classical`, exactly as
/// `hdrofx reconstruct` would (same sequence driver and linearization), scored against the ground truth.
/// </summary>
public sealed class TcamValidation
{
    private readonly List<(BenchmarkClipSpec Spec, SyntheticClip Clip)> _clips = new();
    private readonly Dictionary<string, ClipScore> _classical = new();
    private readonly int _frames;

    /// <param name="panoramas">All panoramas sorted by name (the benchmark indexes them); only the clips' own are read.</param>
    /// <param name="specs">The clips (default: the validation clips; <see cref="PanoramaSplit.TuningSpecs"/> to tune on training panoramas).</param>
    public TcamValidation(IReadOnlyList<ImageF> panoramas, int frames = 0, IReadOnlyList<BenchmarkClipSpec>? specs = null)
    {
        _frames = frames <= 0 ? SyntheticBenchmark.Frames : Math.Min(frames, SyntheticBenchmark.Frames);
        foreach (var spec in specs ?? PanoramaSplit.ValidationSpecs())
            _clips.Add((spec, SyntheticBenchmark.Generate(spec, panoramas)));
    }

    public int ClipCount => _clips.Count;

    public string ClipName(int clip) => _clips[clip].Spec.Name;

    /// <summary>The ground truth of the scored frames of one clip.</summary>
    public IReadOnlyList<ImageF> Truth(int clip) => _clips[clip].Clip.Hdr.Take(_frames).ToArray();

    /// <summary>One clip's scored frames as <paramref name="method"/> reconstructs them.</summary>
    public IReadOnlyList<ImageF> Render(int clip, IReconstructionMethod method, ReconstructOptions? options = null, CancellationToken cancel = default) =>
        Reconstruct(_clips[clip].Clip, _clips[clip].Spec, method, options ?? new ReconstructOptions(), cancel);

    public ClipScore Score(int clip, IReadOnlyList<ImageF> frames) => Score(_clips[clip].Clip, frames);

    /// <summary>
    /// Per scored frame, the pixels clipped in every frame of its window (the frames a method sees, at the same
    /// position): where no exposure recorded the radiance and only a prior can.
    /// </summary>
    public IReadOnlyList<bool[]> ClippedInWholeWindow(int clip)
    {
        var (spec, c) = _clips[clip];
        var tf = TransferFunctions.Parse(spec.Transfer);
        int radius = c.Pattern.DefaultRadius;
        var clipped = c.Ldr.Select(ldr => Ldm.LdmValidation.ClippedMask(SequenceReconstructor.Linearize(ldr, tf))).ToArray();
        var masks = new List<bool[]>();
        for (int n = 0; n < _frames; n++)
        {
            var m = (bool[])clipped[n].Clone();
            for (int t = Math.Max(0, n - radius); t <= Math.Min(c.FrameCount - 1, n + radius); t++)
                for (int p = 0; p < m.Length; p++) m[p] &= clipped[t][p];
            masks.Add(m);
        }
        return masks;
    }

    public const string CsvHeader = "step,clip,psnr_mu_tcam,psnr_mu_classical,ssim_mu_tcam,ssim_mu_classical,pu21_tcam,pu21_classical,flicker_tcam,flicker_classical";

    public static string CsvRow(long step, ValidationRow r) => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"{step},{r.Clip},{r.Tcam.PsnrMu:F3},{r.Classical.PsnrMu:F3},{r.Tcam.SsimMu:F5},{r.Classical.SsimMu:F5},{r.Tcam.PsnrPu21:F3},{r.Classical.PsnrPu21:F3},{r.Tcam.Flicker:G5},{r.Classical.Flicker:G5}");

    public IReadOnlyList<ValidationRow> Run(TcamNet net, CancellationToken cancel = default)
    {
        var rows = new List<ValidationRow>();
        foreach (var (spec, clip) in _clips)
        {
            if (!_classical.TryGetValue(spec.Name, out var classical))
                _classical[spec.Name] = classical = Score(clip, Reconstruct(clip, spec, new Classical.ClassicalReconstruction("classical", Classical.AlignmentMode.OpticalFlow), new ReconstructOptions(), cancel));
            var tcam = Score(clip, Reconstruct(clip, spec, new TcamReconstruction(net), new ReconstructOptions(), cancel));
            rows.Add(new ValidationRow(spec.Name, tcam, classical));
        }
        return rows;
    }

    /// <summary>Each validation clip's score under any method (stage 4 scores `hdr-v-diff` with it), in clip order.</summary>
    public IReadOnlyList<(string Clip, ClipScore Score)> Run(IReconstructionMethod method, ReconstructOptions? options = null, CancellationToken cancel = default) =>
        _clips.Select(c => (c.Spec.Name, Score(c.Clip, Reconstruct(c.Clip, c.Spec, method, options ?? new ReconstructOptions(), cancel)))).ToArray();

    private List<ImageF> Reconstruct(SyntheticClip clip, BenchmarkClipSpec spec, IReconstructionMethod method, ReconstructOptions options, CancellationToken cancel)
    {
        var tf = TransferFunctions.Parse(spec.Transfer);
        int radius = clip.Pattern.DefaultRadius;
        var frames = new List<ImageF>();
        for (int n = 0; n < _frames; n++)
        {
            var window = new FrameInput?[2 * radius + 1];
            for (int d = -radius; d <= radius; d++)
            {
                int t = n + d;
                if (t < 0 || t >= clip.FrameCount) continue;
                window[d + radius] = new FrameInput(SequenceReconstructor.Linearize(clip.Ldr[t], tf), clip.Pattern.EvOf(t));
            }
            frames.Add(method.Reconstruct(window, radius, options, cancel).Hdr);
        }
        return frames;
    }

    /// <summary>The clip's scores for its first frames.Count frames, with the ground-truth flows for the warping error.</summary>
    internal static ClipScore Score(SyntheticClip clip, IReadOnlyList<ImageF> frames)
    {
        var flows = new ImageF?[frames.Count];
        var valid = new ImageF?[frames.Count];
        for (int t = 1; t < frames.Count; t++) (flows[t], valid[t]) = clip.GroundTruthFlowAndValidity(t, t - 1);
        return ClipScore.Compute(frames, clip.Hdr.Take(frames.Count).ToArray(), flows, valid);
    }

}
