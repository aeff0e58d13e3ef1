using System.Globalization;
using HdrOfx.Cli.Infrastructure;
using HdrOfx.Engine.Models.Ldm;
using HdrOfx.Engine.Training;
using HdrOfx.Engine.Training.Ldm;
using Microsoft.Extensions.Logging;

namespace HdrOfx.Cli.Commands;

/// <summary>
/// `hdrofx eval --single-exposure --ldm-weights FILE`: `hdr-ldm` against `single` on the validation clips, each frame
/// alone at its own EV (docs/models.md, HDR-LDM). Prints a markdown table and writes it to --table if given.
/// </summary>
public static class SingleExposureEval
{
    public static int Run(string weights, int steps, int? start, bool truthLatent, bool tuning, int frames, string? table, string? pictures, ILoggerFactory logs, CancellationToken cancel)
    {
        if (pictures is not null) Directory.CreateDirectory(pictures);
        var log = logs.CreateLogger("eval");
        using var model = LdmWeights.Load(Path.GetFullPath(weights));
        if (start is { } st)
        {
            if (st < 0 || st >= model.Schedule.Timesteps) throw new CliError($"--ldm-start {st} must be 0 to {model.Schedule.Timesteps - 1}");
            if (st + 1 < steps) throw new CliError($"--ldm-start {st} leaves fewer than --ldm-steps {steps} timesteps");
            model.SampleStart = st;
        }
        var (_, images) = Panoramas.LoadAll(log);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var rows = LdmValidation.Clips(model, images, steps, frames, cancel,
            pictures is null ? null : p => HighlightPictures.Write(Path.Combine(pictures, $"hdr-ldm-{p.Clip}.png"), p), truthLatent, tuning ? PanoramaSplit.TuningSpecs() : null);
        var t = new MarkdownTable("clip", "PSNR-μ hdr-ldm (dB)", "PSNR-μ single (dB)", "PSNR-μ ceiling (dB)", "SSIM-μ hdr-ldm", "SSIM-μ single", "clipped px", "PSNR-μ clipped px hdr-ldm", "PSNR-μ clipped px single");
        foreach (var r in rows)
            t.Add(r.Clip, r.HdrLdm.PsnrMu, r.Single.PsnrMu, r.Oracle.PsnrMu, F4(r.HdrLdm.SsimMu), F4(r.Single.SsimMu), (100 * r.ClippedFraction).ToString("0.0", CultureInfo.InvariantCulture) + " %",
                r.PsnrMuClipped, r.PsnrMuClippedSingle);
        t.Add("**mean**", rows.Average(r => r.HdrLdm.PsnrMu), rows.Average(r => r.Single.PsnrMu), rows.Average(r => r.Oracle.PsnrMu), F4(rows.Average(r => r.HdrLdm.SsimMu)), F4(rows.Average(r => r.Single.SsimMu)), "",
            MeanOfDefined(rows.Select(r => r.PsnrMuClipped)), MeanOfDefined(rows.Select(r => r.PsnrMuClippedSingle)));
        string md = t + $"\n`{Path.GetFileName(weights)}`, {(truthLatent ? "the truth's own latent decoded (no sampling: the autoencoder's ceiling)" : $"{steps} DDIM steps from t = {model.SampleStart}")}, {rows[0].HdrLdm.Frames} frames per clip, each frame alone at its own EV, {(tuning ? "tuning clips (training panoramas)" : "validation clips")}; ceiling = `single` with the clipped pixels set to the truth (the best a method that keeps unclipped pixels can score); {sw.Elapsed.TotalSeconds:F0} s.\n";
        Console.Out.Write(md);
        if (table is not null) Engine.IO.AtomicFile.WriteText(table, md);
        return CliRunner.Ok;
    }

    /// <summary>The mean over clips that have clipped pixels (the others give NaN).</summary>
    private static double MeanOfDefined(IEnumerable<double> v) => v.Where(double.IsFinite).DefaultIfEmpty(double.NaN).Average();

    private static string F4(double v) => v.ToString("0.0000", CultureInfo.InvariantCulture);
}
