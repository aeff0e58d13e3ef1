using System.CommandLine;
using HdrOfx.Cli.Infrastructure;
using HdrOfx.Engine.Synthesis;
using Microsoft.Extensions.Logging;

namespace HdrOfx.Cli.Commands;

public static class SynthCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--output", "-o") { Description = "Folder for the clip (ldr/, gt/, flow/, manifest.json); with --benchmark, one sub-folder per clip.", Required = true };
        var source = new Option<string?>("--source") { Description = "Background panorama name (default: the first by name). `--list` shows them." };
        var foreground = new Option<string?>("--foreground") { Description = "Panorama that textures the foreground layer (default: a region of the background)." };
        var list = new Option<bool>("--list") { Description = "List the available panoramas and exit." };
        var seed = new Option<ulong>("--seed") { Description = "Seed: the same seed gives the same clip, bit for bit.", DefaultValueFactory = _ => 1UL };
        var frames = new Option<int>("--frames") { Description = "Number of frames.", DefaultValueFactory = _ => 12 };
        var pattern = new Option<string>("--pattern") { Description = "Exposure pattern: 2x2stop (EVs -1,+1), 2x3stop (-1.5,+1.5) or 3x2stop (-2,0,+2).", DefaultValueFactory = _ => "2x2stop" };
        pattern.AcceptOnlyFromAmong("2x2stop", "2x3stop", "3x2stop");
        var phase = new Option<int>("--phase") { Description = "Timeline frame n holds slot (n + phase) mod length.", DefaultValueFactory = _ => 0 };
        var crf = new Option<string>("--crf") { Description = "Camera response: gamma2.2, srgb, sigmoid (random inverse-sigmoid) or linear.", DefaultValueFactory = _ => "gamma2.2" };
        crf.AcceptOnlyFromAmong("gamma2.2", "srgb", "sigmoid", "linear");
        var noNoise = new Option<bool>("--no-noise") { Description = "Disable Poisson-Gaussian noise." };
        var blur = new Option<bool>("--blur") { Description = "Add motion blur." };
        var noForeground = new Option<bool>("--no-foreground") { Description = "No independently moving foreground layer." };
        var bits = new Option<int>("--bits") { Description = "Quantization bit depth, 8..16.", DefaultValueFactory = _ => 8 };
        var flow = new Option<bool>("--flow") { Description = "Also write ground-truth flow for every frame and its neighbours." };
        var benchmark = new Option<bool>("--benchmark") { Description = "Write the fixed, seeded benchmark clips instead of one clip." };

        var cmd = new Command("synth", "Make synthetic alternating-exposure clips with ground truth from real HDR panoramas.")
        {
            output, source, foreground, list, seed, frames, pattern, phase, crf, noNoise, blur, noForeground, bits, flow, benchmark,
        };
        cmd.SetAction(r => CliRunner.Run("synth", (logs, cancel) =>
        {
            var log = logs.CreateLogger("synth");
            string dir = r.GetValue(output)!;
            if (r.GetValue(list))
            {
                foreach (var e in Engine.IO.Hdri.HdriCatalog.EnsureAll(log)) Console.WriteLine($"{e.Name}\t{e.Width}x{e.Height}");
                return CliRunner.Ok;
            }
            if (r.GetValue(benchmark))
            {
                var (names, images) = Panoramas.LoadAll(log);
                Progress.Run("synthesizing", SyntheticBenchmark.Specs.Count, p =>
                {
                    foreach (var spec in SyntheticBenchmark.Specs)
                    {
                        cancel.ThrowIfCancellationRequested();
                        ClipFiles.Write(SyntheticBenchmark.Generate(spec, images, names), Path.Combine(dir, spec.Name));
                        log.LogInformation("{Clip}: reconstruct with --ev {Evs} --phase {Phase} --transfer {Transfer}", spec.Name, spec.EvList, spec.Phase, spec.Transfer);
                        p.Report(1);
                    }
                });
                return CliRunner.Ok;
            }
            var o = new SynthOptions
            {
                Seed = r.GetValue(seed),
                Frames = r.GetValue(frames),
                Pattern = r.GetValue(pattern) switch { "2x3stop" => SynthPattern.TwoGap3, "3x2stop" => SynthPattern.Three, _ => SynthPattern.TwoGap2 },
                Phase = r.GetValue(phase),
                Crf = r.GetValue(crf) switch { "srgb" => CrfKind.Srgb, "sigmoid" => CrfKind.InverseSigmoid, "linear" => CrfKind.Linear, _ => CrfKind.Gamma22 },
                Noise = !r.GetValue(noNoise),
                MotionBlur = r.GetValue(blur),
                Foreground = !r.GetValue(noForeground),
                BitDepth = r.GetValue(bits),
                Flow = r.GetValue(flow),
            };
            try { o.Validate(); } catch (ArgumentException e) { throw new CliError(e.Message); }
            var all = Engine.IO.Hdri.HdriCatalog.EnsureAll(log);
            string bgName = r.GetValue(source) ?? all[0].Name;
            var bg = Panoramas.Load(bgName, log);
            string? fgName = r.GetValue(foreground);
            var fg = fgName is null ? null : Panoramas.Load(fgName, log);
            var clip = ClipSynthesizer.Generate(o, bg, fg, bgName, fgName);
            ClipFiles.Write(clip, dir);
            log.LogInformation("wrote {Frames} frames to {Dir}; reconstruct with --ev {Evs} --phase {Phase} --transfer {Transfer}",
                clip.FrameCount, dir, string.Join(",", clip.Pattern.Evs), clip.Pattern.Phase, clip.Crf.TransferName ?? "(sigmoid CRF: no matching transfer)");
            return CliRunner.Ok;
        }));
        return cmd;
    }
}
