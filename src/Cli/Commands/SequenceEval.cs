using System.Globalization;
using HdrOfx.Cli.Infrastructure;
using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.IO;
using HdrOfx.Engine.IO.Sequences;
using HdrOfx.Engine.Metrics;
using Microsoft.Extensions.Logging;

namespace HdrOfx.Cli.Commands;

/// <summary>
/// `hdrofx eval --result --truth`: <see cref="Compare"/> gives the table; <see cref="Read"/> is its reading alone, the
/// floor that `hdrofx bench --only eval` measures eval against (issue 11).
/// </summary>
public static class SequenceEval
{
    public sealed record FramePair(int Frame, string ResultPath, string TruthPath);

    public static FramePair[] Match(string resultPattern, string truthPattern, ILogger log)
    {
        var rs = SequencePattern.Parse(resultPattern).Enumerate();
        var ts = SequencePattern.Parse(truthPattern).Enumerate();
        if (rs.IsEmpty) throw new CliError($"no result frames match '{resultPattern}'");
        if (ts.IsEmpty) throw new CliError($"no truth frames match '{truthPattern}'");
        var truthPaths = ts.Frames.ToDictionary(f => f.Frame, f => f.Path);
        var pairs = rs.Frames.Where(f => truthPaths.ContainsKey(f.Frame)).Select(f => new FramePair(f.Frame, f.Path, truthPaths[f.Frame])).ToArray();
        if (pairs.Length == 0) throw new CliError("result and truth share no frame numbers");
        if (pairs.Length < rs.Frames.Count) log.LogWarning("{Count} result frames have no truth frame and are skipped", rs.Frames.Count - pairs.Length);
        return pairs;
    }

    /// <summary>
    /// The reading eval does, without the scoring: the truth frames in parallel, then the result frames in parallel.
    /// The bench's reading row times exactly this; <see cref="Compare"/> decodes the same files the same way.
    /// </summary>
    public static (ImageF[] Results, ImageF[] Truths) Read(FramePair[] pairs)
    {
        var truths = new ImageF[pairs.Length];
        var results = new ImageF[pairs.Length];
        InParallel(pairs.Length, i => truths[i] = FrameFiles.Read(pairs[i].TruthPath));
        InParallel(pairs.Length, i => results[i] = FrameFiles.Read(pairs[i].ResultPath));
        return (results, truths);
    }

    /// <summary>
    /// The eval table. The truth frames come first (pairs in parallel) for the clip peak every metric normalizes by;
    /// then each result frame is scored as soon as it is decoded, so one pair's scoring overlaps another's decoding.
    /// The source frames are dropped once scored; a frame's μ-law images once the flicker terms on both its sides are taken.
    /// </summary>
    public static string Compare(FramePair[] pairs)
    {
        var truths = new ImageF[pairs.Length];
        var peaks = new float[pairs.Length];
        InParallel(pairs.Length, i =>
        {
            var b = truths[i] = FrameFiles.Read(pairs[i].TruthPath);
            FrameFiles.RequireFinite(b, pairs[i].TruthPath);
            peaks[i] = ClipPeak.OfFrame(b);
        });
        float peak = ClipPeak.Of(peaks);
        // One pass a pair gives PSNR-μ, PSNR-L, PU21 and the μ-law frames that SSIM-μ and the flicker read (docs/metrics.md).
        var tables = new HalfValueTables(peak);
        var flicker = new FlickerAccumulator(pairs.Length);
        var scores = new FrameScores[pairs.Length];
        InParallel(pairs.Length, i =>
        {
            using var a = FrameFiles.Read(pairs[i].ResultPath);
            using var b = truths[i];
            FrameFiles.RequireFinite(a, pairs[i].ResultPath);
            if (!a.SameSize(b)) throw new CliError($"frame {pairs[i].Frame}: result is {a.Width}x{a.Height}, truth is {b.Width}x{b.Height}");
            var (score, tonedResult, tonedTruth) = FramePairMetrics.Score(a, b, tables);
            scores[i] = score;
            flicker.Add(i, tonedResult, tonedTruth);
        });
        var t = new MarkdownTable("frame", "PSNR-μ (dB)", "SSIM-μ", "PSNR-L (dB)", "PU21-PSNR (dB)");
        for (int i = 0; i < pairs.Length; i++)
            t.Add(pairs[i].Frame, scores[i].PsnrMu, scores[i].SsimMu.ToString("0.0000", CultureInfo.InvariantCulture), scores[i].PsnrLinear, scores[i].PsnrPu21);
        // The means ClipScore.Compute gives, without computing every metric a second time.
        t.Add("**mean**", scores.Average(x => x.PsnrMu), scores.Average(x => x.SsimMu).ToString("0.0000", CultureInfo.InvariantCulture),
            scores.Average(x => x.PsnrLinear), scores.Average(x => x.PsnrPu21));
        return t + $"\nClip peak {peak.ToString("G6", CultureInfo.InvariantCulture)} (all metrics normalize by it); flicker on static pixels {flicker.Value().ToString("0.00000", CultureInfo.InvariantCulture)} (μ-law units, lower is better).\n";
    }

    /// <summary>Parallel.For that rethrows a failure as itself (a CliError stays one plain line).</summary>
    private static void InParallel(int count, Action<int> body)
    {
        try { Parallel.For(0, count, body); }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerExceptions[0]);
        }
    }
}
