using System.CommandLine;
using HdrOfx.Cli.Infrastructure;
using HdrOfx.Engine.IO;
using HdrOfx.Engine.Models.Ldm;
using Microsoft.Extensions.Logging;

namespace HdrOfx.Cli.Commands;

public static class EvalCommand
{
    public static Command Create()
    {
        var result = new Option<string?>("--result", "-r") { Description = "Result EXR sequence pattern (scene-linear), e.g. out/hdr.%04d.exr." };
        var truth = new Option<string?>("--truth", "-t") { Description = "Ground-truth EXR sequence pattern, e.g. clip/gt/frame.%04d.exr." };
        var table = new Option<string?>("--table") { Description = "Also write the table (markdown) to this file." };
        var benchmark = new Option<bool>("--benchmark") { Description = "Run the fixed, seeded synthetic benchmark (all methods) instead of comparing two sequences." };
        var outDir = new Option<string>("--output", "-o") { Description = "With --benchmark: folder for the table, per-clip contact sheets and CSV.", DefaultValueFactory = _ => "out/benchmark" };
        var clips = new Option<int>("--clips") { Description = "With --benchmark: run only the first N clips (0 = all).", DefaultValueFactory = _ => 0 };
        var single = new Option<bool>("--single-exposure") { Description = "hdr-ldm against single on the validation clips, each frame alone at its own EV (needs --ldm-weights)." };
        var ldmWeights = new Option<string?>("--ldm-weights") { Description = "With --single-exposure: an HDR-LDM weights file (hdr-ldm.safetensors or a training export)." };
        var ldmSteps = new Option<int>("--ldm-steps") { Description = "With --single-exposure or --hdr-v-diff: DDIM steps (1 to 50).", DefaultValueFactory = _ => DdimSampler.DefaultSteps };
        var ldmStart = new Option<int?>("--ldm-start") { Description = "With --single-exposure: the timestep DDIM starts from (0 to 999; default: the weights' own, 999 = pure noise)." };
        var truthLatent = new Option<bool>("--truth-latent") { Description = "With --single-exposure: decode each frame's true latent instead of sampling one (the autoencoder's ceiling: what a perfect denoiser would score)." };
        var tuning = new Option<bool>("--tuning") { Description = "With --single-exposure or --hdr-v-diff: score the tuning clips (made from training panoramas alone: bench02, 07, 09, 14) instead of the validation clips, to choose sampler settings without looking at validation." };
        var pictures = new Option<string?>("--pictures") { Description = "With --single-exposure (--hdr-v-diff): write, per clip, single | hdr-ldm | truth of its most clipped frame (classical | tcam | hdr-v-diff | truth of its most window-clipped frame) as PNG into this folder (scene exposure above, highlight exposure below)." };
        var frames = new Option<int>("--frames") { Description = "With --single-exposure or --hdr-v-diff: frames per clip (0 = all 12).", DefaultValueFactory = _ => 0 };
        var hdrVDiff = new Option<bool>("--hdr-v-diff") { Description = "classical, tcam and hdr-v-diff on the validation clips, each frame in its window (weights from --models; --zica-weights for other ZiCA files)." };
        var models = new Option<string>("--models") { Description = "With --hdr-v-diff: folder holding tcam.safetensors, hdr-ldm.safetensors and zica.safetensors.", DefaultValueFactory = _ => Path.Combine(AppContext.BaseDirectory, "models") };
        var zicaWeights = new Option<string[]>("--zica-weights") { Description = "With --hdr-v-diff: ZiCA weights files to score instead of the models folder's (repeatable: a row each, e.g. training exports or ablations).", AllowMultipleArgumentsPerToken = false };
        var priorStrength = new Option<double>("--prior-strength") { Description = "With --hdr-v-diff: prior strength λ, 0 to 1.", DefaultValueFactory = _ => 1.0 };
        var priorGains = new Option<string?>("--prior-gains") { Description = "With --hdr-v-diff: comma-separated gains (0 to 1) of the prior's direct path where the whole window clips, a row each per weights file (default: each file's own \"prior_gain\"); choose one with --tuning." };

        var cmd = new Command("eval", "Score HDR results against ground truth (PSNR-μ, SSIM-μ, PSNR-L, PU21-PSNR, flicker), or run the synthetic benchmark.")
        {
            result, truth, table, benchmark, outDir, clips, single, ldmWeights, ldmSteps, ldmStart, truthLatent, tuning, frames, pictures, hdrVDiff, models, zicaWeights, priorStrength, priorGains,
        };
        cmd.SetAction(r => CliRunner.Run("eval", (logs, cancel) =>
        {
            if (r.GetValue(benchmark)) return BenchmarkEval.Run(r.GetValue(outDir)!, r.GetValue(clips), logs, cancel);
            if (r.GetValue(hdrVDiff))
                return HdrVDiffEval.Run(r.GetValue(models)!, r.GetValue(zicaWeights) ?? [], r.GetValue(ldmSteps), r.GetValue(priorStrength), r.GetValue(priorGains),
                    r.GetValue(tuning), r.GetValue(frames), r.GetValue(table), r.GetValue(pictures), logs, cancel);
            if (r.GetValue(single))
                return SingleExposureEval.Run(r.GetValue(ldmWeights) ?? throw new CliError("--single-exposure needs --ldm-weights FILE"),
                    r.GetValue(ldmSteps), r.GetValue(ldmStart), r.GetValue(truthLatent), r.GetValue(tuning), r.GetValue(frames), r.GetValue(table), r.GetValue(pictures), logs, cancel);
            string res = r.GetValue(result) ?? throw new CliError("--result is required (or use --benchmark)");
            string tru = r.GetValue(truth) ?? throw new CliError("--truth is required (or use --benchmark)");
            var md = CompareSequences(res, tru, logs.CreateLogger("eval"));
            Console.Out.Write(md);
            if (r.GetValue(table) is { } path) Engine.IO.AtomicFile.WriteText(path, md);
            return CliRunner.Ok;
        }));
        return cmd;
    }

    /// <summary>The eval table of two sequences (<see cref="SequenceEval.Compare"/>).</summary>
    internal static string CompareSequences(string resultPattern, string truthPattern, ILogger log) =>
        SequenceEval.Compare(SequenceEval.Match(resultPattern, truthPattern, log));
}
