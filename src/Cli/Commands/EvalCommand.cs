using System.CommandLine;
using System.Globalization;
using HdrOfx.Cli.Infrastructure;
using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.IO;
using HdrOfx.Engine.IO.Sequences;
using HdrOfx.Engine.Metrics;
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
        var ldmSteps = new Option<int>("--ldm-steps") { Description = "With --single-exposure: DDIM steps (1 to 50).", DefaultValueFactory = _ => DdimSampler.DefaultSteps };
        var frames = new Option<int>("--frames") { Description = "With --single-exposure: frames per clip (0 = all 12).", DefaultValueFactory = _ => 0 };

        var cmd = new Command("eval", "Score HDR results against ground truth (PSNR-μ, SSIM-μ, PSNR-L, PU21-PSNR, flicker), or run the synthetic benchmark.")
        {
            result, truth, table, benchmark, outDir, clips, single, ldmWeights, ldmSteps, frames,
        };
        cmd.SetAction(r => CliRunner.Run("eval", (logs, cancel) =>
        {
            if (r.GetValue(benchmark)) return BenchmarkEval.Run(r.GetValue(outDir)!, r.GetValue(clips), logs, cancel);
            if (r.GetValue(single))
                return SingleExposureEval.Run(r.GetValue(ldmWeights) ?? throw new CliError("--single-exposure needs --ldm-weights FILE"),
                    r.GetValue(ldmSteps), r.GetValue(frames), r.GetValue(table), logs, cancel);
            string res = r.GetValue(result) ?? throw new CliError("--result is required (or use --benchmark)");
            string tru = r.GetValue(truth) ?? throw new CliError("--truth is required (or use --benchmark)");
            var md = CompareSequences(res, tru, logs.CreateLogger("eval"));
            Console.Out.Write(md);
            if (r.GetValue(table) is { } path) Engine.IO.AtomicFile.WriteText(path, md);
            return CliRunner.Ok;
        }));
        return cmd;
    }

    private static string CompareSequences(string resultPattern, string truthPattern, ILogger log)
    {
        var rs = SequencePattern.Parse(resultPattern).Enumerate();
        var ts = SequencePattern.Parse(truthPattern).Enumerate();
        if (rs.IsEmpty) throw new CliError($"no result frames match '{resultPattern}'");
        if (ts.IsEmpty) throw new CliError($"no truth frames match '{truthPattern}'");
        var truthPaths = ts.Frames.ToDictionary(f => f.Frame, f => f.Path);
        var pairs = rs.Frames.Where(f => truthPaths.ContainsKey(f.Frame)).ToArray();
        if (pairs.Length == 0) throw new CliError("result and truth share no frame numbers");
        if (pairs.Length < rs.Frames.Count) log.LogWarning("{Count} result frames have no truth frame and are skipped", rs.Frames.Count - pairs.Length);

        // Frames are read in parallel, and each frame's metrics computed once, in parallel too.
        var results = new ImageF[pairs.Length];
        var truths = new ImageF[pairs.Length];
        InParallel(pairs.Length, i =>
        {
            var f = pairs[i];
            var a = FrameFiles.Read(f.Path);
            var b = FrameFiles.Read(truthPaths[f.Frame]);
            FrameFiles.RequireFinite(a, f.Path);
            FrameFiles.RequireFinite(b, truthPaths[f.Frame]);
            if (!a.SameSize(b)) throw new CliError($"frame {f.Frame}: result is {a.Width}x{a.Height}, truth is {b.Width}x{b.Height}");
            results[i] = a;
            truths[i] = b;
        });
        float peak = ClipPeak.Of(truths);
        // Each frame is tonemapped once for PSNR-μ, SSIM-μ and flicker (the same values as each metric tonemapping it).
        var tonedResults = new ImageF[pairs.Length];
        var tonedTruths = new ImageF[pairs.Length];
        var scores = new (double Mu, double Ssim, double Linear, double Pu21)[pairs.Length];
        InParallel(pairs.Length, i =>
        {
            tonedResults[i] = MuLaw.Tonemap(results[i], peak);
            tonedTruths[i] = MuLaw.Tonemap(truths[i], peak);
            scores[i] = (Psnr.MuOfTonemapped(tonedResults[i], tonedTruths[i]), Ssim.MuOfTonemapped(tonedResults[i], tonedTruths[i]),
                Psnr.Linear(results[i], truths[i], peak), Psnr.Pu21Encoded(results[i], truths[i], peak));
        });
        var t = new MarkdownTable("frame", "PSNR-μ (dB)", "SSIM-μ", "PSNR-L (dB)", "PU21-PSNR (dB)");
        for (int i = 0; i < pairs.Length; i++)
            t.Add(pairs[i].Frame, scores[i].Mu, scores[i].Ssim.ToString("0.0000", CultureInfo.InvariantCulture), scores[i].Linear, scores[i].Pu21);
        // The means ClipScore.Compute gives, without computing every metric a second time.
        t.Add("**mean**", scores.Average(x => x.Mu), scores.Average(x => x.Ssim).ToString("0.0000", CultureInfo.InvariantCulture),
            scores.Average(x => x.Linear), scores.Average(x => x.Pu21));
        double flicker = TemporalStability.FlickerOfTonemapped(tonedResults, tonedTruths);
        foreach (var img in tonedResults.Concat(tonedTruths)) img.Dispose();
        return t + $"\nClip peak {peak.ToString("G6", CultureInfo.InvariantCulture)} (all metrics normalize by it); flicker on static pixels {flicker.ToString("0.00000", CultureInfo.InvariantCulture)} (μ-law units, lower is better).\n";
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
