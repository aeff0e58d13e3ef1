using System.CommandLine;
using System.Globalization;
using System.Runtime.Intrinsics.X86;
using HdrOfx.Cli.Infrastructure;
using HdrOfx.Engine.Classical;
using HdrOfx.Engine.IO;
using Microsoft.Extensions.Logging;

namespace HdrOfx.Cli.Commands;

/// <summary>`hdrofx bench`: speed figures for docs/benchmarks.md, with the machine they came from.</summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var width = new Option<int>("--width") { Description = "Frame width for the classical benchmark.", DefaultValueFactory = _ => 1920 };
        var height = new Option<int>("--height") { Description = "Frame height for the classical benchmark.", DefaultValueFactory = _ => 1080 };
        var frames = new Option<int>("--frames") { Description = "Timed frames (one warm-up frame is added).", DefaultValueFactory = _ => 8 };
        var output = new Option<string?>("--output", "-o") { Description = "Also write the report (markdown) to this file." };
        var cmd = new Command("bench", "Measure reconstruction speed on this machine and print a markdown report.")
        {
            width, height, frames, output,
        };
        cmd.SetAction(r => CliRunner.Run("bench", (logs, cancel) =>
        {
            var log = logs.CreateLogger("bench");
            var report = new System.Text.StringBuilder();
            report.AppendLine($"Machine: {MachineDescription()}\n");
            var table = new MarkdownTable("benchmark", "size", "frames/s", "ms/frame (mean)", "ms/frame (best)");
            foreach (int pattern in new[] { 2, 3 })
            {
                cancel.ThrowIfCancellationRequested();
                log.LogInformation("classical {Pattern}-exposure at {W}x{H}", pattern, r.GetValue(width), r.GetValue(height));
                var b = ClassicalBenchmark.Run(r.GetValue(width), r.GetValue(height), r.GetValue(frames), pattern);
                table.Add($"classical, {pattern} exposures", $"{b.Width}x{b.Height}", b.FramesPerSecond, b.MsPerFrame, b.BestMsPerFrame);
            }
            report.AppendLine(table.ToString());
            Console.Out.Write(report);
            if (r.GetValue(output) is { } path) AtomicFile.WriteText(path, report.ToString());
            return CliRunner.Ok;
        }));
        return cmd;
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
