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

    /// <param name="panoramas">All panoramas sorted by name (the benchmark indexes them); only the validation ones are read.</param>
    public TcamValidation(IReadOnlyList<ImageF> panoramas, int frames = 0)
    {
        _frames = frames <= 0 ? SyntheticBenchmark.Frames : Math.Min(frames, SyntheticBenchmark.Frames);
        foreach (var spec in PanoramaSplit.ValidationSpecs())
            _clips.Add((spec, SyntheticBenchmark.Generate(spec, panoramas)));
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
                _classical[spec.Name] = classical = Score(clip, Reconstruct(clip, spec, new Classical.ClassicalReconstruction("classical", Classical.AlignmentMode.OpticalFlow), cancel));
            var tcam = Score(clip, Reconstruct(clip, spec, new TcamReconstruction(net), cancel));
            rows.Add(new ValidationRow(spec.Name, tcam, classical));
        }
        return rows;
    }

    /// <summary>Each validation clip's score under any method (stage 4 scores `hdr-v-diff` with it), in clip order.</summary>
    public IReadOnlyList<(string Clip, ClipScore Score)> Run(IReconstructionMethod method, CancellationToken cancel = default) =>
        _clips.Select(c => (c.Spec.Name, Score(c.Clip, Reconstruct(c.Clip, c.Spec, method, cancel)))).ToArray();

    private List<ImageF> Reconstruct(SyntheticClip clip, BenchmarkClipSpec spec, IReconstructionMethod method, CancellationToken cancel)
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
            frames.Add(method.Reconstruct(window, radius, new ReconstructOptions(), cancel).Hdr);
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
