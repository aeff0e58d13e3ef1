using System.CommandLine;
using HdrOfx.Cli.Infrastructure;
using HdrOfx.Engine.IO;
using HdrOfx.Engine.IO.Exr;
using HdrOfx.Engine.Metrics;
using HdrOfx.Engine.Models;
using HdrOfx.Engine.Synthesis;
using Microsoft.Extensions.Logging;

namespace HdrOfx.Cli.Commands;

/// <summary>
/// The embedded default job: benchmark clip 0 (a real CC0 panorama, 2 exposures 2 stops apart, camera and foreground
/// motion, noise) is synthesized, reconstructed with the classical method and the neural `tcam` (the shipped weights
/// beside the executable) and compared with the baselines. The clip comes from a validation panorama: tcam never saw it.
/// </summary>
public static class DemoCommand
{
    /// <summary>The methods whose frames the demo writes and shows on its contact sheet.</summary>
    private static readonly string[] Shown = ["classical", "tcam"];

    public static Command Create()
    {
        var output = new Option<string>("--output", "-o") { Description = "Folder for the demo's files.", DefaultValueFactory = _ => "out/demo" };
        var cmd = new Command("demo", "Synthesize an alternating-exposure clip from a real HDR image, reconstruct it, and write EXR frames, a contact sheet and a metrics table.")
        {
            output,
        };
        cmd.SetAction(r => CliRunner.Run("demo", (logs, cancel) =>
        {
            var log = logs.CreateLogger("demo");
            string dir = r.GetValue(output)!;
            Directory.CreateDirectory(dir);
            var (names, images) = Panoramas.LoadAll(log);
            var spec = SyntheticBenchmark.Specs[0];
            var clip = SyntheticBenchmark.Generate(spec, images, names);
            string clipDir = Path.Combine(dir, "clip");
            ClipFiles.Write(clip, clipDir);
            log.LogInformation("clip {Name}: {Frames} frames {W}x{H} from panorama '{Pano}', EVs {Evs}, phase {Phase}, transfer {Transfer}",
                spec.Name, clip.FrameCount, clip.Width, clip.Height, names[spec.BackgroundIndex], spec.EvList, spec.Phase, spec.Transfer);

            TcamWeights.Directory ??= Path.Combine(AppContext.BaseDirectory, "models");
            string[] methods = [.. MethodComparison.StandardMethods, "tcam"];
            var runs = new Dictionary<string, MethodComparison.MethodRun>();
            Progress.Run("reconstructing", methods.Length, p =>
            {
                foreach (var m in methods) { runs[m] = MethodComparison.Run(clip, m, spec.Transfer, cancel); p.Report(1); }
            });
            foreach (var m in Shown)
            {
                Directory.CreateDirectory(Path.Combine(dir, m));
                for (int t = 0; t < clip.FrameCount; t++)
                    ExrWriter.Write(Path.Combine(dir, $"{m}/frame.{t:0000}.exr"), runs[m].Frames[t]);
            }

            int mid = clip.FrameCount / 2;
            string sheet = Path.Combine(dir, "contact_sheet.png");
            Previews.WriteSheet(sheet, clip.Ldr, [.. Shown.Select(m => runs[m].Frames)], clip.Hdr, [mid - 1, mid, mid + 1]);

            var table = new MarkdownTable("method", "PSNR-μ (dB)", "SSIM-μ", "PSNR-L (dB)", "PU21-PSNR (dB)", "flicker (×1e3)");
            foreach (var (m, run) in runs)
                table.Add(m, run.Score.PsnrMu, run.Score.SsimMu.ToString("0.0000", System.Globalization.CultureInfo.InvariantCulture),
                    run.Score.PsnrLinear, run.Score.PsnrPu21, run.Score.Flicker * 1e3);
            string md = $"Demo clip `{spec.Name}` from panorama `{names[spec.BackgroundIndex]}`.\n\n{table}\n" +
                        $"Contact sheet rows are frames {mid - 1}..{mid + 1}; columns: input as recorded | {string.Join(" | ", Shown)} | ground truth.\n" +
                        string.Concat(Shown.Select(m => $"Same result from the CLI: hdrofx reconstruct --input {clipDir}/{ClipFiles.LdrPattern} --ev {spec.EvList} " +
                            $"--phase {spec.Phase} --transfer {spec.Transfer} --method {m} --output {dir}/{m}/frame.%04d.exr\n"));
            AtomicFile.WriteText(Path.Combine(dir, "metrics.md"), md);
            Console.Out.Write(md);
            log.LogInformation("wrote {Dir}: clip/, classical/ and tcam/ (EXR), contact_sheet.png, metrics.md", dir);
            return CliRunner.Ok;
        }));
        return cmd;
    }
}
