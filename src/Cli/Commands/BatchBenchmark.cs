using System.Diagnostics;
using HdrOfx.Cli.Batch;
using HdrOfx.Cli.Infrastructure;
using HdrOfx.Dev.Benchmarks;
using HdrOfx.Engine.Classical;
using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.IO;
using HdrOfx.Engine.IO.Exr;
using HdrOfx.Engine.IO.Png;
using HdrOfx.Engine.IO.Sequences;
using HdrOfx.Engine.Reconstruction;
using Microsoft.Extensions.Logging;

namespace HdrOfx.Cli.Commands;

/// <summary>
/// `hdrofx bench --only batch`: the classical reconstruction of an 8-bit sRGB PNG sequence (the procedural bench clip,
/// 2 exposures) measured two ways in the same run, alternately: reconstruction only (frames decoded beforehand, results
/// dropped) and end to end as `hdrofx reconstruct` runs it (PNG files in, EXR half PIZ files out, the default, renamed into place).
/// </summary>
public static class BatchBenchmark
{
    /// <param name="CpuSeconds">Process CPU time of the round: what the round costs whatever else the machine runs.</param>
    public sealed record Round(string Kind, int Frames, double Seconds, double CpuSeconds)
    {
        public double FramesPerSecond => Frames / Seconds;
        public double CpuMsPerFrame => 1000 * CpuSeconds / Frames;
    }

    /// <summary>Serial costs of one frame's input and output stages, wall and process CPU milliseconds.</summary>
    public sealed record StageCosts(double DecodeMs, double DecodeCpuMs, double WriteMs, double WriteCpuMs);

    public static (IReadOnlyList<Round> Rounds, StageCosts Costs) Run(int width, int height, int frames, int rounds, ILogger log, CancellationToken cancel)
    {
        var pattern = new ExposurePattern([-1.5, 1.5], 0);
        int r = pattern.DefaultRadius, total = frames + 2 * r;
        string dir = Path.Combine(Path.GetTempPath(), $"hdrofx-bench-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path.Combine(dir, "in"));
        Directory.CreateDirectory(Path.Combine(dir, "out"));
        try
        {
            log.LogInformation("writing {Count} {W}x{H} PNG frames to {Dir}", total, width, height, dir);
            var clip = ClassicalBenchmark.MakeClip(width, height, total, pattern);
            for (int t = 0; t < total; t++)
            {
                var encoded = clip[t].Linear;
                TransferFunctions.FromLinear(TransferFunction.Srgb, encoded.Data);
                PngWriter.Write(Path.Combine(dir, "in", $"frame.{t:0000}.png"), encoded, 8);
            }
            clip = null;
            string input = Path.Combine(dir, "in", "frame.%04d.png"), output = Path.Combine(dir, "out", "hdr.%04d.exr");
            var seq = new SequenceReconstructor(pattern, TransferFunction.Srgb, new ReconstructOptions { Method = "classical" });
            var range = new FrameRange(r, total - 1 - r);

            var decoded = new ImageF[total];
            using (var inFrames = new InputFrames(input))
                for (int t = 0; t < total; t++) decoded[t] = inFrames.Load(t);
            // Warm-up (JIT and the scratch pool), and the serial cost of each stage for the report.
            var costs = new StageCosts(0, 0, 0, 0);
            using (var inFrames = new InputFrames(input))
            using (var outFrames = new OutputFrames(output, width, height, inFrames.Files))
                seq.Run(0, total - 1, r, r + 2, t => decoded[t], (n, res) =>
                {
                    var (dw, dc) = Timed(() => inFrames.Load(n));
                    var (ww, wc) = Timed(() => outFrames.Write(n, res.Hdr));
                    if (n > r) costs = new StageCosts(dw, dc, ww, wc);
                    res.Dispose();
                }, cancel);

            var results = new List<Round>();
            for (int k = 0; k < rounds; k++)
            {
                cancel.ThrowIfCancellationRequested();
                var sw = Stopwatch.StartNew();
                var cpu = Process.GetCurrentProcess().TotalProcessorTime;
                seq.Run(0, total - 1, range.First, range.Last, t => decoded[t], (_, res) => res.Dispose(), cancel);
                results.Add(new Round("reconstruction only", range.Count, sw.Elapsed.TotalSeconds, CpuSince(cpu)));
                log.LogInformation("round {K}: reconstruction only {Fps:0.00} frames/s", k + 1, results[^1].FramesPerSecond);

                cancel.ThrowIfCancellationRequested();
                sw.Restart();
                cpu = Process.GetCurrentProcess().TotalProcessorTime;
                using (var inFrames = new InputFrames(input))
                using (var outFrames = new OutputFrames(output, width, height, inFrames.Files, exrType: ExrPixelType.Half, exrCompression: ExrCompression.Piz))
                {
                    BatchReconstruction.Run(seq, inFrames, range, outFrames, 1f, null, cancel);
                    outFrames.Complete();
                }
                results.Add(new Round("end to end (PNG → EXR)", range.Count, sw.Elapsed.TotalSeconds, CpuSince(cpu)));
                log.LogInformation("round {K}: end to end {Fps:0.00} frames/s", k + 1, results[^1].FramesPerSecond);
            }
            return (results, costs);
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }

    private static double CpuSince(TimeSpan start) => (Process.GetCurrentProcess().TotalProcessorTime - start).TotalSeconds;

    private static (double WallMs, double CpuMs) Timed(Action a)
    {
        var (wall, cpu) = Timing.Measure(a);
        return (wall * 1e3, cpu * 1e3);
    }

    public static string Report(IReadOnlyList<Round> rounds, StageCosts costs, int width, int height)
    {
        var table = new MarkdownTable("batch, classical, 2 exposures", "size", "round", "frames", "seconds", "frames/s", "CPU ms/frame", "end to end / reconstruction only");
        for (int i = 0; i < rounds.Count; i += 2)
        {
            var (a, b) = (rounds[i], rounds[i + 1]);
            table.Add(a.Kind, $"{width}x{height}", i / 2 + 1, a.Frames, a.Seconds, a.FramesPerSecond, a.CpuMsPerFrame.ToString("0"), null);
            table.Add(b.Kind, $"{width}x{height}", i / 2 + 1, b.Frames, b.Seconds, b.FramesPerSecond, b.CpuMsPerFrame.ToString("0"),
                $"{100 * b.FramesPerSecond / a.FramesPerSecond:0} %");
        }
        var rec = rounds.Where((_, i) => i % 2 == 0).ToArray();
        var e2e = rounds.Where((_, i) => i % 2 == 1).ToArray();
        double recCpu = rec.Sum(x => x.CpuSeconds) / rec.Sum(x => x.Frames), e2eCpu = e2e.Sum(x => x.CpuSeconds) / e2e.Sum(x => x.Frames);
        return "## Batch: end to end vs reconstruction only\n\n" + table +
            $"\nOver all rounds: end to end at {100 * rec.Sum(x => x.Seconds) / e2e.Sum(x => x.Seconds):0} % of the reconstruction-only frame rate; " +
            $"CPU per frame {1000 * e2eCpu:0} ms end to end against {1000 * recCpu:0} ms for the reconstruction alone ({100 * recCpu / e2eCpu:0} %). " +
            $"One frame's stages alone: PNG decode {costs.DecodeMs:0} ms ({costs.DecodeCpuMs:0} ms CPU), " +
            $"EXR half PIZ encode and write {costs.WriteMs:0} ms ({costs.WriteCpuMs:0} ms CPU).\n";
    }
}
