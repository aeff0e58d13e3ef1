using System.Globalization;
using HdrOfx.Cli.Infrastructure;
using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.IO.Png;
using HdrOfx.Engine.Models;
using HdrOfx.Engine.Models.Ldm;
using HdrOfx.Engine.Models.Zica;
using HdrOfx.Engine.Reconstruction;
using HdrOfx.Engine.Classical;
using HdrOfx.Engine.Training;
using Microsoft.Extensions.Logging;

namespace HdrOfx.Cli.Commands;

/// <summary>
/// `hdrofx eval --hdr-v-diff`: classical, `tcam` and `hdr-v-diff` (one row per ZiCA weights file: the shipped one,
/// a training export, an ablation) on the validation clips, each frame in its window as `reconstruct` runs it.
/// Prints a markdown table and writes it to --table if given; --pictures writes a contact sheet per clip.
/// </summary>
public static class HdrVDiffEval
{
    public static int Run(string models, IReadOnlyList<string> zicaWeights, int ldmSteps, double lambda, string? priorGains, bool tuning, int frames,
        string? table, string? pictures, ILoggerFactory logs, CancellationToken cancel)
    {
        var gains = ParseGains(priorGains);
        int steps = DiffusionOptions.Steps(ldmSteps);
        float priorStrength = DiffusionOptions.PriorStrength(lambda);
        var files = zicaWeights.Count > 0 ? zicaWeights.Select(Path.GetFullPath).ToArray() : [Path.Combine(Path.GetFullPath(models), ZicaWeights.FileName)];
        if (pictures is not null) Directory.CreateDirectory(pictures);
        var log = logs.CreateLogger("eval");
        using var tcam = TcamWeights.Load(Path.Combine(Path.GetFullPath(models), TcamWeights.FileName));
        using var ldm = LdmWeights.Load(Path.Combine(Path.GetFullPath(models), LdmWeights.FileName));
        var modules = files.Select(f => ZicaWeights.Load(f, tcam, ldm)).ToArray();
        try
        {
            var methods = new List<(string, IReconstructionMethod)>
            {
                ("classical", new ClassicalReconstruction("classical", AlignmentMode.OpticalFlow)),
                ("tcam", new TcamReconstruction(tcam)),
            };
            for (int i = 0; i < files.Length; i++)
                foreach (float? g in gains?.Select(x => (float?)x) ?? [null])
                {
                    // Not disposed: the wrapper would dispose the module, which the finally below does once.
                    var model = new HdrVDiff(tcam, ldm, modules[i], g);
                    methods.Add(($"hdr-v-diff `{Path.GetFileName(files[i])}` ({modules[i].Config.Name}, prior gain {model.PriorGain.ToString(CultureInfo.InvariantCulture)})",
                        new HdrVDiffReconstruction(model)));
                }
            var (_, images) = Panoramas.LoadAll(log);
            var clips = new TcamValidation(images, frames, tuning ? PanoramaSplit.TuningSpecs() : null);
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var options = new ReconstructOptions { DiffusionSteps = steps, PriorStrength = priorStrength };
            var rows = ValidationComparison.Run(clips, methods, options,
                pictures is null ? null : p => WritePicture(Path.Combine(pictures, $"methods-{p.Clip}.png"), p), cancel);
            string md = Table(rows) + "\n" + PerClip(rows) + $"\n{rows[0].Score.Frames} frames per clip, {(tuning ? "tuning clips (training panoramas)" : "validation clips")}; " +
                $"hdr-v-diff at {steps} DDIM step(s), prior strength {priorStrength.ToString(CultureInfo.InvariantCulture)}; window-clipped px = pixels clipped in every frame of their window " +
                $"({string.Join(", ", rows.DistinctBy(r => r.Clip).Select(r => $"{r.Clip} {100 * r.WindowClippedFraction:0.00} %"))}); {sw.Elapsed.TotalSeconds:F0} s.\n";
            Console.Out.Write(md);
            if (table is not null) Engine.IO.AtomicFile.WriteText(table, md);
            return CliRunner.Ok;
        }
        finally
        {
            foreach (var m in modules) m.Dispose();
        }
    }

    /// <summary>--prior-gains "0,0.5,1": each 0 to 1; null when not given (each file's own gain).</summary>
    internal static float[]? ParseGains(string? text)
    {
        if (text is null) return null;
        var gains = new List<float>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!float.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out float g) || g is not (>= 0f and <= 1f))
                throw new CliError($"--prior-gains: '{part}' is not a gain from 0 to 1");
            gains.Add(g);
        }
        return gains.ToArray();
    }

    /// <summary>A row per method: PSNR-μ per clip, then the means.</summary>
    internal static string Table(IReadOnlyList<MethodClipScore> rows)
    {
        var clips = rows.Select(r => r.Clip).Distinct().ToArray();
        var t = new MarkdownTable([
            "method", .. clips.Select(c => $"PSNR-μ {c.Split('-')[0]}"), "mean PSNR-μ (dB)", "mean PU21-PSNR (dB)", "mean SSIM-μ", "mean flicker", "PSNR-μ window-clipped px (dB)",
        ]);
        foreach (var g in rows.GroupBy(r => r.Method))
        {
            var m = g.ToArray();
            t.Add([
                g.Key, .. m.Select(r => (object)r.Score.PsnrMu), m.Average(r => r.Score.PsnrMu), m.Average(r => r.Score.PsnrPu21),
                m.Average(r => r.Score.SsimMu).ToString("0.0000", CultureInfo.InvariantCulture), m.Average(r => r.Score.Flicker).ToString("G4", CultureInfo.InvariantCulture),
                m.Select(r => r.PsnrMuWindowClipped).Where(double.IsFinite).DefaultIfEmpty(double.NaN).Average(),
            ]);
        }
        return t.ToString();
    }

    /// <summary>Flicker and the window-clipped PSNR-μ of each clip, a row per method (the issue's bars hold per clip).</summary>
    internal static string PerClip(IReadOnlyList<MethodClipScore> rows)
    {
        var clips = rows.Select(r => r.Clip).Distinct().ToArray();
        var t = new MarkdownTable([
            "method", .. clips.Select(c => $"flicker ×1e3 {c.Split('-')[0]}"), .. clips.Select(c => $"PSNR-μ window-clipped {c.Split('-')[0]}"),
        ]);
        foreach (var g in rows.GroupBy(r => r.Method))
        {
            var m = g.ToArray();
            t.Add([g.Key, .. m.Select(r => (object)(1e3 * r.Score.Flicker).ToString("0.0000", CultureInfo.InvariantCulture)),
                .. m.Select(r => double.IsFinite(r.PsnrMuWindowClipped) ? (object)r.PsnrMuWindowClipped : "–")]);
        }
        return t.ToString();
    }

    /// <summary>Each method | truth, at the scene's exposure (top) and the window-clipped highlights' (bottom).</summary>
    private static void WritePicture(string path, MethodPicture p)
    {
        float scene = ContactSheet.AutoExposure(p.Truth);
        float highlights = HighlightPictures.HighlightExposure(p.Truth, p.WindowClipped);
        var images = p.Results.Select(r => r.Hdr).Append(p.Truth).ToArray();
        var rows = new[] { scene, highlights }.Select(ev => (IReadOnlyList<ImageF>)images.Select(img => Tonemap.Preview(img, ev)).ToArray()).ToArray();
        PngWriter.Write(path, ContactSheet.Compose(rows), 8);
    }
}
