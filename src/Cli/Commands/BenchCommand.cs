using System.CommandLine;
using System.Globalization;
using System.Runtime.Intrinsics.X86;
using HdrOfx.Cli.Infrastructure;
using HdrOfx.Dev.Benchmarks;
using HdrOfx.Engine.Classical;
using HdrOfx.Engine.IO;
using HdrOfx.Engine.Models.Ldm;
using HdrOfx.Engine.Nn;
using HdrOfx.Engine.Tensors;
using Microsoft.Extensions.Logging;

namespace HdrOfx.Cli.Commands;

/// <summary>`hdrofx bench`: speed figures for docs/benchmarks.md, with the machine they came from.</summary>
public static class BenchCommand
{
    private static readonly string[] Suites = ["classical", "batch", "codecs", "eval", "tcam", "ldm", "hdr-v-diff", "tensor", "nn"];

    /// <summary>What runs without --only: every suite but ldm and hdr-v-diff, whose 1080p runs take minutes.</summary>
    private static readonly string[] DefaultSuites = [.. Suites.Where(s => s is not ("ldm" or "hdr-v-diff"))];

    public static Command Create()
    {
        var width = new Option<int>("--width") { Description = "Frame width for the classical benchmark.", DefaultValueFactory = _ => 1920 };
        var height = new Option<int>("--height") { Description = "Frame height for the classical benchmark.", DefaultValueFactory = _ => 1080 };
        var frames = new Option<int>("--frames") { Description = "Timed frames per classical run (one warm-up frame is added).", DefaultValueFactory = _ => 8 };
        var only = new Option<string>("--only")
        {
            Description = "Comma-separated suites to run: classical (reconstruction frames/s), batch (end to end PNG → EXR against reconstruction only, same run), codecs (the batch path's PNG decode and EXR half PIZ encode, one thread, CPU ms per stage, best of --rounds × 5), eval (hdrofx eval against reading its two half PIZ EXR sequences; --frames pairs), tcam (the neural method, seconds a frame, memory), ldm (the hdr-ldm single-exposure method on one frame with clipped areas, per --ldm-steps DDIM step count: seconds a frame, CPU seconds, memory; not run unless named), hdr-v-diff (the same for the full neural method on a 2-exposure window around that frame; needs tcam, hdr-ldm and zica weights; not run unless named), tensor (GEMM, conv2d, peak), nn (U-Net training step).",
            DefaultValueFactory = _ => string.Join(',', DefaultSuites),
        };
        var seconds = new Option<double>("--min-seconds") { Description = "Minimum measuring time per tensor benchmark.", DefaultValueFactory = _ => 1.0 };
        var rounds = new Option<int>("--rounds") { Description = "Alternating rounds of the batch and eval benchmarks.", DefaultValueFactory = _ => 2 };
        var output = new Option<string?>("--output", "-o") { Description = "Also write the report (markdown) to this file." };
        var tcamFrames = new Option<int>("--tcam-frames") { Description = "Timed frames of the tcam benchmark (one warm-up frame is added).", DefaultValueFactory = _ => 5 };
        var ldmFrames = new Option<int>("--ldm-frames") { Description = "Timed frames of the ldm benchmark at each DDIM step count (one warm-up frame at 1 step comes first).", DefaultValueFactory = _ => 2 };
        var ldmSteps = new Option<string>("--ldm-steps") { Description = "Comma-separated DDIM step counts of the ldm benchmark, each 1 to 50, one report row each.", DefaultValueFactory = _ => "10,4,1" };
        var models = new Option<string?>("--models") { Description = "Folder holding tcam.safetensors (tcam benchmark) and hdr-ldm.safetensors (ldm benchmark); default: models/ beside the executable." };
        var cmd = new Command("bench", "Measure speed on this machine (classical reconstruction, tensor engine, U-Net training) and print a markdown report.")
        {
            width, height, frames, only, seconds, rounds, output, tcamFrames, ldmFrames, ldmSteps, models,
        };
        cmd.SetAction(r => CliRunner.Run("bench", (logs, cancel) =>
        {
            var log = logs.CreateLogger("bench");
            var selected = ParseSuites(r.GetValue(only)!);
            if (r.GetValue(width) < 16 || r.GetValue(height) < 16) throw new CliError($"--width/--height must be at least 16 (got {r.GetValue(width)}x{r.GetValue(height)})");
            if (r.GetValue(frames) < 1) throw new CliError("--frames must be at least 1");
            string modelsDir = r.GetValue(models) ?? Path.Combine(AppContext.BaseDirectory, "models");
            int[] ldmCounts = [];
            string ldmWeights = Path.Combine(modelsDir, LdmWeights.FileName);
            if (selected.Contains("ldm") || selected.Contains("hdr-v-diff"))
            {
                // Checked before any suite runs, so a long report is not lost to a typo at its end.
                if (r.GetValue(ldmFrames) < 1) throw new CliError("--ldm-frames must be at least 1");
                ldmCounts = ParseSteps(r.GetValue(ldmSteps)!);
                if (!File.Exists(ldmWeights)) throw new CliError($"the {(selected.Contains("ldm") ? "ldm" : "hdr-v-diff")} benchmark needs HDR-LDM weights: '{ldmWeights}' not found (give the folder holding {LdmWeights.FileName} with --models)");
            }
            if (selected.Contains("hdr-v-diff"))
                foreach (string file in new[] { HdrOfx.Engine.Models.TcamWeights.FileName, HdrOfx.Engine.Models.Zica.ZicaWeights.FileName })
                    if (!File.Exists(Path.Combine(modelsDir, file)))
                        throw new CliError($"the hdr-v-diff benchmark needs '{Path.Combine(modelsDir, file)}' (give the folder holding tcam, hdr-ldm and zica weights with --models)");
            var report = new System.Text.StringBuilder();
            report.AppendLine($"Machine: {MachineDescription()}; load average at start {TensorBenchmarks.LoadAverage()}\n");
            report.AppendLine($"{HdrOfx.Engine.Tensors.Cuda.CudaRuntime.Describe()}\n");
            if (selected.Contains("classical")) report.AppendLine(Classical(r.GetValue(width), r.GetValue(height), r.GetValue(frames), log, cancel));
            if (selected.Contains("batch"))
            {
                if (r.GetValue(rounds) < 1) throw new CliError("--rounds must be at least 1");
                var (b, costs) = BatchBenchmark.Run(r.GetValue(width), r.GetValue(height), r.GetValue(frames), r.GetValue(rounds), log, cancel);
                report.AppendLine(BatchBenchmark.Report(b, costs, r.GetValue(width), r.GetValue(height)));
            }
            if (selected.Contains("codecs"))
            {
                if (r.GetValue(rounds) < 1) throw new CliError("--rounds must be at least 1");
                report.AppendLine(Codecs(r.GetValue(width), r.GetValue(height), 5 * r.GetValue(rounds), log));
            }
            if (selected.Contains("eval"))
            {
                if (r.GetValue(rounds) < 1) throw new CliError("--rounds must be at least 1");
                var e = EvalBenchmark.Run(r.GetValue(width), r.GetValue(height), r.GetValue(frames), r.GetValue(rounds), log, cancel);
                report.AppendLine(EvalBenchmark.Report(e, r.GetValue(width), r.GetValue(height)));
            }
            if (selected.Contains("tcam"))
            {
                if (r.GetValue(tcamFrames) < 1) throw new CliError("--tcam-frames must be at least 1");
                string weights = Path.Combine(modelsDir, HdrOfx.Engine.Models.TcamWeights.FileName);
                report.AppendLine(Tcam(r.GetValue(width), r.GetValue(height), r.GetValue(tcamFrames), weights, log, cancel));
            }
            if (selected.Contains("ldm")) report.AppendLine(Ldm(r.GetValue(width), r.GetValue(height), ldmCounts, r.GetValue(ldmFrames), ldmWeights, log, cancel));
            if (selected.Contains("hdr-v-diff")) report.AppendLine(HdrVDiff(r.GetValue(width), r.GetValue(height), ldmCounts, r.GetValue(ldmFrames), modelsDir, log, cancel));
            if (selected.Contains("tensor")) report.AppendLine(Tensor(r.GetValue(seconds), log, cancel));
            if (selected.Contains("nn")) report.AppendLine(UNet(log, cancel));
            report.AppendLine($"Load average at end: {TensorBenchmarks.LoadAverage()}");
            Console.Out.Write(report);
            if (r.GetValue(output) is { } path) AtomicFile.WriteText(path, report.ToString());
            return CliRunner.Ok;
        }));
        return cmd;
    }

    private static string Codecs(int width, int height, int repeats, ILogger log)
    {
        log.LogInformation("codec stages: one {W}x{H} frame, one thread, best of {N}", width, height, repeats);
        var table = new MarkdownTable($"batch stage, {width}x{height}, one thread", "CPU ms (best of " + repeats + ")");
        foreach (var s in CodecStageBenchmark.Run(width, height, repeats)) table.Add(s.Name, s.BestCpuMs.ToString("0.0"));
        return "## Batch stages (CPU)\n\n" + table;
    }

    private static HashSet<string> ParseSuites(string value)
    {
        var set = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => s.ToLowerInvariant()).ToHashSet();
        foreach (var s in set)
            if (!Suites.Contains(s)) throw new CliError($"unknown bench suite '{s}' (expected: {string.Join(", ", Suites)})");
        if (set.Count == 0) throw new CliError("--only names no suite");
        return set;
    }

    private static int[] ParseSteps(string value)
    {
        var counts = new List<int>();
        foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n is < DdimSampler.MinSteps or > DdimSampler.MaxSteps)
                throw new CliError($"--ldm-steps: '{part}' is not a DDIM step count ({DdimSampler.MinSteps} to {DdimSampler.MaxSteps})");
            counts.Add(n);
        }
        if (counts.Count == 0) throw new CliError("--ldm-steps names no step count");
        return [.. counts];
    }

    private static string Classical(int w, int h, int frames, ILogger log, CancellationToken cancel)
    {
        var table = new MarkdownTable("classical reconstruction", "size", "frames/s", "ms/frame (mean)", "ms/frame (best)", "features ms", "flow ms", "trust ms", "merge ms");
        foreach (int pattern in new[] { 2, 3 })
        {
            cancel.ThrowIfCancellationRequested();
            log.LogInformation("classical {Pattern}-exposure at {W}x{H}", pattern, w, h);
            var b = ClassicalBenchmark.Run(w, h, frames, pattern);
            table.Add($"{pattern} exposures", $"{b.Width}x{b.Height}", b.FramesPerSecond, b.MsPerFrame, b.BestMsPerFrame, b.FeaturesMs, b.FlowMs, b.TrustMs, b.MergeMs);
        }
        return "## Classical reconstruction\n\n" + table;
    }

    private static string Tcam(int w, int h, int frames, string weights, ILogger log, CancellationToken cancel)
    {
        cancel.ThrowIfCancellationRequested();
        log.LogInformation("tcam at {W}x{H}, {Frames} frames after one warm-up, weights {Weights}", w, h, frames, weights);
        var b = TcamBenchmark.Run(w, h, frames, weights, (i, s, c) => log.LogInformation("tcam frame {I}: {Wall:F2} s, {Cpu:F2} s CPU", i, s, c));
        var table = new MarkdownTable("tcam", "size", "frames", "s/frame (mean)", "s/frame (median)", "s/frame (min–max)", "CPU s/frame", "warm-up s", "tensor arena MiB", "peak RSS MiB");
        table.Add("2 exposures", $"{b.Width}x{b.Height}", b.WallSeconds.Length, b.MeanWall, b.MedianWall,
            string.Create(CultureInfo.InvariantCulture, $"{b.WallSeconds.Min():F2}–{b.WallSeconds.Max():F2}"), b.MeanCpu, b.WarmUpSeconds,
            b.ArenaBytes / 1048576.0, b.PeakResidentBytes / 1048576.0);
        return "## Neural reconstruction (tcam, CPU)\n\n" + table;
    }

    private static string Ldm(int w, int h, int[] steps, int frames, string weights, ILogger log, CancellationToken cancel)
    {
        cancel.ThrowIfCancellationRequested();
        log.LogInformation("hdr-ldm at {W}x{H}, DDIM steps {Steps}, {Frames} frames each after one warm-up frame at 1 step, weights {Weights}",
            w, h, string.Join(',', steps), frames, weights);
        var b = LdmBenchmark.Run(w, h, steps, frames, weights,
            (n, i, s, c) => log.LogInformation("hdr-ldm {Steps} steps, frame {I}: {Wall:F2} s, {Cpu:F2} s CPU", n, i, s, c), cancel);
        return StepsReport("Single-exposure reconstruction (hdr-ldm, CPU)", "hdr-ldm", "1 exposure, EV 0", "Procedural frame", b);
    }

    private static string HdrVDiff(int w, int h, int[] steps, int frames, string modelsDir, ILogger log, CancellationToken cancel)
    {
        cancel.ThrowIfCancellationRequested();
        log.LogInformation("hdr-v-diff at {W}x{H}, DDIM steps {Steps}, {Frames} frames each after one warm-up frame at 1 step, weights in {Models}",
            w, h, string.Join(',', steps), frames, modelsDir);
        var b = LdmBenchmark.RunHdrVDiff(w, h, steps, frames, modelsDir,
            (n, i, s, c) => log.LogInformation("hdr-v-diff {Steps} steps, frame {I}: {Wall:F2} s, {Cpu:F2} s CPU", n, i, s, c), cancel);
        return StepsReport("Full neural method (hdr-v-diff, CPU)", "hdr-v-diff", "2 exposures, EV −2/0/−2", "Procedural reference frame", b);
    }

    /// <summary>The report section of a DDIM-steps benchmark: a row per step count, then the frame and memory notes.</summary>
    private static string StepsReport(string title, string method, string input, string frame, LdmBenchResult b)
    {
        var table = new MarkdownTable(method, "size", "DDIM steps", "frames", "s/frame (mean)", "s/frame (median)", "CPU s/frame",
            "tensor arena MiB", "peak RSS MiB", "logical cores");
        static string S(double v) => v.ToString("0.000", CultureInfo.InvariantCulture);
        foreach (var row in b.Rows)
            table.Add(input, $"{b.Width}x{b.Height}", row.Steps, row.WallSeconds.Length, S(row.MeanWall), S(row.MedianWall), S(row.MeanCpu),
                row.ArenaBytes / 1048576.0, row.PeakResidentBytes / 1048576.0, b.ProcessorCount);
        return $"## {title}\n\n" + table + string.Create(CultureInfo.InvariantCulture,
            $"\n{frame} with {100 * b.ClippedFraction:0.0} % of its pixels clipped; weights loaded in {b.LoadSeconds:0.00} s, warm-up frame (1 step) {b.WarmUpSeconds:0.00} s.")
            + " Memory is read after each row: the tensor arena's fresh bytes since the suite began, and the process's peak resident set since it started.\n";
    }

    private static string Tensor(double minSeconds, ILogger log, CancellationToken cancel)
    {
        var peak = TensorBenchmarks.MachinePeak();
        var sb = new System.Text.StringBuilder("## Tensor engine (CPU)\n\n");
        sb.AppendLine($"Peak: {peak}\n");
        var table = new MarkdownTable("benchmark", "best ms", "GFLOP/s", "% of peak", "GFLOP/s per busy core", "detail");
        void Add(TensorBenchmarks.Result res)
        {
            log.LogInformation("{Result}", res.ToString());
            table.Add(res.Name, res.Seconds * 1e3, res.GFlops, 100 * res.GFlops / peak.GFlops, double.IsNaN(res.GFlopsPerCpuSecond) ? null : res.GFlopsPerCpuSecond, res.Detail);
        }
        cancel.ThrowIfCancellationRequested();
        Add(TensorBenchmarks.Gemm(1024, 1024, 1024, minSeconds));
        cancel.ThrowIfCancellationRequested();
        Add(TensorBenchmarks.Gemm(64, 65536, 576, minSeconds));
        foreach (var res in TensorBenchmarks.Conv2d(1, 64, 256, 256, 64, 3, minSeconds)) { cancel.ThrowIfCancellationRequested(); Add(res); }
        foreach (var res in TensorBenchmarks.Conv2d(4, 32, 128, 128, 32, 3, minSeconds)) { cancel.ThrowIfCancellationRequested(); Add(res); }
        sb.Append(table);
        sb.AppendLine("\nThe 64×65536×576 GEMM is a 3×3 64→64 convolution on 256×256 as one matrix product (M = out channels, N = H·W, K = in channels·9).");
        return sb.ToString();
    }

    private static string UNet(ILogger log, CancellationToken cancel)
    {
        cancel.ThrowIfCancellationRequested();
        var b = NnBenchmarks.UNetTrainStep(size: 128, batch: 4);
        log.LogInformation("{Result}", b.ToString());
        var table = new MarkdownTable("U-Net training step", "params", "threads", "median ms", "min ms", "forward ms", "backward ms", "AdamW ms", "managed KiB/step", "fresh arena KiB/step");
        table.Add($"{b.Batch}x3x{b.Size}x{b.Size}, base {b.BaseChannels} ch", b.Parameters, b.Threads, b.MedianMs, b.MinMs, b.ForwardMedianMs, b.BackwardMedianMs, b.OptimizerMedianMs,
            b.ManagedBytesPerStep / 1024.0, b.ArenaBytesPerStep / 1024.0);
        return "## Neural-network training (CPU)\n\n" + table + string.Create(CultureInfo.InvariantCulture, $"\nLoss {b.FirstLoss:G4} → {b.LastLoss:G4} over the measured steps.\n");
    }

    public static string MachineDescription()
    {
        string cpu = "unknown CPU";
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            if (line is not null) cpu = line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return string.Create(CultureInfo.InvariantCulture,
            $"{cpu}, {Environment.ProcessorCount} logical cores, AVX2 {(Avx2.IsSupported ? "on" : "off")}, FMA {(Fma.IsSupported ? "on" : "off")}, AVX-512F {(Avx512F.IsSupported ? "on" : "off")}, .NET {Environment.Version}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
    }
}
