using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.Metrics;
using HdrOfx.Engine.Reconstruction;
using HdrOfx.Engine.Training.Ldm;

namespace HdrOfx.Engine.Training;

/// <summary>One method on one clip: its scores, and PSNR-μ over the pixels clipped in every frame of their window.</summary>
public sealed record MethodClipScore(string Clip, string Method, ClipScore Score, double PsnrMuWindowClipped, double WindowClippedFraction);

/// <summary>One clip's most window-clipped frame as each method renders it, beside the truth (for pictures).</summary>
public sealed record MethodPicture(string Clip, int Frame, IReadOnlyList<(string Method, ImageF Hdr)> Results, ImageF Truth, bool[] WindowClipped);

/// <summary>
/// Several reconstruction methods scored on the same clips (<see cref="TcamValidation"/>: the validation clips, or
/// the tuning clips), each frame in its window as `hdrofx reconstruct` runs it, with the error in the pixels that no
/// frame of the window recorded — the pixels issue 15 judges the prior on.
/// </summary>
public static class ValidationComparison
{
    public static IReadOnlyList<MethodClipScore> Run(TcamValidation clips, IReadOnlyList<(string Name, IReconstructionMethod Method)> methods,
        ReconstructOptions options, Action<MethodPicture>? picture = null, CancellationToken cancel = default)
    {
        var rows = new List<MethodClipScore>();
        for (int c = 0; c < clips.ClipCount; c++)
        {
            var truth = clips.Truth(c);
            var masks = clips.ClippedInWholeWindow(c);
            float peak = ClipPeak.Of(truth);
            double fraction = masks.Average(m => m.Count(b => b) / (double)m.Length);
            var rendered = new List<(string, IReadOnlyList<ImageF>)>();
            foreach (var (name, method) in methods)
            {
                var frames = clips.Render(c, method, options, cancel);
                rendered.Add((name, frames));
                rows.Add(new MethodClipScore(clips.ClipName(c), name, clips.Score(c, frames),
                    LdmValidation.MaskedPsnrMu(frames, truth, peak, masks), fraction));
            }
            if (picture is not null)
            {
                int best = Enumerable.Range(0, masks.Count).MaxBy(t => masks[t].Count(b => b));
                picture(new MethodPicture(clips.ClipName(c), best, rendered.Select(r => (r.Item1, r.Item2[best])).ToArray(), truth[best], masks[best]));
            }
        }
        return rows;
    }
}
