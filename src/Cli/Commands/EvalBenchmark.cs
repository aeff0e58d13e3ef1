using System.Diagnostics;
using System.Globalization;
using HdrOfx.Cli.Infrastructure;
using HdrOfx.Dev.Benchmarks;
using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.IO.Exr;
using Microsoft.Extensions.Logging;

namespace HdrOfx.Cli.Commands;

/// <summary>
/// `hdrofx bench --only eval` (issue 11): writes N procedural result/truth pairs as half PIZ EXR files, then times in
/// the same process, alternately, (a) reading the two sequences exactly as eval reads them (<see cref="SequenceEval.Read"/>:
/// same reader, pairs in parallel) and (b) the whole of `hdrofx eval --result --truth` (<see cref="EvalCommand.CompareSequences"/>).
/// </summary>
public static class EvalBenchmark
{
    /// <param name="CpuSeconds">Process CPU time of the round.</param>
    /// <param name="Load">The 1-minute load average when the round started.</param>
    public sealed record Round(string Kind, int Pairs, double Seconds, double CpuSeconds, string Load);

    public static IReadOnlyList<Round> Run(int width, int height, int pairs, int rounds, ILogger log, CancellationToken cancel)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"hdrofx-evalbench-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            log.LogInformation("writing {Count} {W}x{H} half PIZ EXR pairs to {Dir}", pairs, width, height, dir);
            Parallel.For(0, pairs, t =>
            {
                using var truth = Truth(width, height, t);
                using var result = Result(truth, t);
                ExrWriter.WriteUnstaged(Path.Combine(dir, $"truth.{t:0000}.exr"), truth, ExrPixelType.Half, ExrCompression.Piz);
                ExrWriter.WriteUnstaged(Path.Combine(dir, $"result.{t:0000}.exr"), result, ExrPixelType.Half, ExrCompression.Piz);
            });
            string resultPattern = Path.Combine(dir, "result.%04d.exr"), truthPattern = Path.Combine(dir, "truth.%04d.exr");
            var matched = SequenceEval.Match(resultPattern, truthPattern, log);

            // Warm-up: the JIT and the scratch pool, both paths once.
            Dispose(SequenceEval.Read(matched));
            string table = EvalCommand.CompareSequences(resultPattern, truthPattern, log);
            log.LogInformation("eval of the bench pairs: {Mean}", table.Split('\n').First(l => l.StartsWith("| **mean**", StringComparison.Ordinal)));

            var results = new List<Round>();
            for (int k = 0; k < rounds; k++)
            {
                cancel.ThrowIfCancellationRequested();
                results.Add(Timed("reading (as eval reads)", pairs, () => Dispose(SequenceEval.Read(matched))));
                log.LogInformation("round {K}: reading {S:0.00} s, {C:0.00} s CPU", k + 1, results[^1].Seconds, results[^1].CpuSeconds);
                cancel.ThrowIfCancellationRequested();
                results.Add(Timed("eval (whole command)", pairs, () => EvalCommand.CompareSequences(resultPattern, truthPattern, log)));
                log.LogInformation("round {K}: eval {S:0.00} s, {C:0.00} s CPU", k + 1, results[^1].Seconds, results[^1].CpuSeconds);
            }
            return results;
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }

    private static void Dispose((ImageF[] A, ImageF[] B) frames)
    {
        foreach (var img in frames.A.Concat(frames.B)) img.Dispose();
    }

    private static Round Timed(string kind, int pairs, Action body)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        string load = TensorBenchmarks.LoadAverage();
        var (wall, cpu) = Timing.Measure(body);
        return new Round(kind, pairs, wall, cpu, load);
    }

    /// <summary>
    /// A truth frame: smooth shading with texture on [0, 1], and highlights up to 8 (above 1, so the clip peak is one of
    /// them). The left half is still from frame to frame (the flicker's static pixels); the right half and the highlights drift.
    /// </summary>
    internal static ImageF Truth(int width, int height, int t)
    {
        var img = new ImageF(width, height, 3);
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < height; y++)
            {
                var row = img.Row(c, y);
                for (int x = 0; x < width; x++)
                {
                    double phase = x < width / 2 ? 0 : 0.07 * t;
                    double v = 0.25 * (1 + Math.Sin(x * 0.011 + phase + c)) * (0.6 + 0.4 * Math.Cos(y * 0.017))
                        + 0.05 * Math.Sin(x * 0.37 + y * 0.23 + c);
                    double dx = x - (0.3 + 0.01 * t) * width, dy = y - 0.4 * height, r2 = (dx * dx + dy * dy) / (0.0025 * width * width);
                    v += 8.0 * Math.Exp(-r2) * (1 - 0.1 * c);
                    double ex = x - 0.75 * width, ey = y - (0.6 + 0.005 * t) * height;
                    v += 3.0 * Math.Exp(-(ex * ex + ey * ey) / (0.0004 * width * width));
                    row[x] = (float)Math.Max(v, 0);
                }
            }
        return img;
    }

    /// <summary>A result frame: the truth with highlights compressed above 1, a per-pixel error and a frame-varying offset.</summary>
    internal static ImageF Result(ImageF truth, int t)
    {
        var img = new ImageF(truth.Width, truth.Height, truth.Channels);
        var rng = new Random(1000 + t);
        for (int i = 0; i < img.Data.Length; i++)
        {
            float v = truth.Data[i];
            if (v > 1) v = 1 + 0.7f * (v - 1);
            img.Data[i] = Math.Max(0f, v * (1 + 0.04f * (rng.NextSingle() - 0.5f)) + 0.001f * t - 0.003f);
        }
        return img;
    }

    public static string Report(IReadOnlyList<Round> rounds, int width, int height)
    {
        var table = new MarkdownTable("eval vs reading, half PIZ EXR", "size", "round", "pairs", "load at start", "wall s", "CPU s", "eval / reading (wall)", "eval / reading (CPU)");
        for (int i = 0; i + 1 < rounds.Count; i += 2)
        {
            var (a, b) = (rounds[i], rounds[i + 1]);
            table.Add(a.Kind, $"{width}x{height}", i / 2 + 1, a.Pairs, a.Load, a.Seconds, a.CpuSeconds, null, null);
            table.Add(b.Kind, $"{width}x{height}", i / 2 + 1, b.Pairs, b.Load, b.Seconds, b.CpuSeconds,
                (b.Seconds / a.Seconds).ToString("0.00", CultureInfo.InvariantCulture), (b.CpuSeconds / a.CpuSeconds).ToString("0.00", CultureInfo.InvariantCulture));
        }
        var read = rounds.Where((_, i) => i % 2 == 0).ToArray();
        var eval = rounds.Where((_, i) => i % 2 == 1).ToArray();
        double rw = read.Sum(x => x.Seconds), ew = eval.Sum(x => x.Seconds), rc = read.Sum(x => x.CpuSeconds), ec = eval.Sum(x => x.CpuSeconds);
        return "## Eval against reading the two sequences (issue 11)\n\n" + table + string.Create(CultureInfo.InvariantCulture,
            $"\nOver all rounds: eval {ew:0.00} s wall, {ec:0.00} s CPU; reading {rw:0.00} s wall, {rc:0.00} s CPU; eval / reading " +
            $"**{ew / rw:0.00}** wall, {ec / rc:0.00} CPU (target: wall ≤ 1). Eval's own work beyond reading: {(ec - rc) / read.Length / read[0].Pairs * 1000:0} ms CPU a pair.\n");
    }
}
