using System.Globalization;
using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.IO.Exr;
using HdrOfx.Engine.Metrics;
using NUnit.Framework;

namespace HdrOfx.Cli.Tests;

/// <summary>`hdrofx eval --result --truth` (the one-pass scoring) and `hdrofx bench --only eval`, end to end.</summary>
public class EvalCliTests
{
    private static ImageF Frame(int w, int h, int t, bool result)
    {
        var img = new ImageF(w, h, 3);
        for (int i = 0; i < img.Data.Length; i++)
        {
            float v = 0.1f + 0.8f * ((i * 13 + (i < img.Data.Length / 2 ? 0 : t)) % 29) / 29f;
            if (i % 37 == 0) v = 5f;
            if (result) v = v * (1 + 0.05f * ((i * 7 + t) % 5 - 2)) + 0.01f * t;
            img.Data[i] = (float)(Half)v;
        }
        return img;
    }

    [Test]
    public void Eval_prints_the_scores_of_the_separate_metric_functions()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"hdrofx-evalcli-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            var results = new List<ImageF>();
            var truths = new List<ImageF>();
            for (int t = 0; t < 4; t++)
            {
                truths.Add(Frame(41, 23, t, false));
                results.Add(Frame(41, 23, t, true));
                ExrWriter.Write(Path.Combine(dir, $"gt.{t:0000}.exr"), truths[t], ExrPixelType.Half, ExrCompression.Piz);
                ExrWriter.Write(Path.Combine(dir, $"res.{t:0000}.exr"), results[t], ExrPixelType.Float, ExrCompression.Zip);
            }
            var r = CliProcess.Run("eval", "--result", Path.Combine(dir, "res.%04d.exr"), "--truth", Path.Combine(dir, "gt.%04d.exr"));
            Assert.That(r.ExitCode, Is.EqualTo(0), r.StdErr);
            var score = ClipScore.Compute(results, truths);
            string Ssim4(double v) => v.ToString("0.0000", CultureInfo.InvariantCulture);
            var mean = r.StdOut.Split('\n').Single(l => l.StartsWith("| **mean**", StringComparison.Ordinal));
            Assert.That(mean, Does.Contain($"| {Ssim4(score.SsimMu)} |"));
            Assert.That(r.StdOut, Does.Contain($"flicker on static pixels {score.Flicker.ToString("0.00000", CultureInfo.InvariantCulture)}"));
            float peak = ClipPeak.Of(truths);
            Assert.That(r.StdOut, Does.Contain($"Clip peak {peak.ToString("G6", CultureInfo.InvariantCulture)}"));
            // A truth of another size is one error line naming the frame.
            ExrWriter.Write(Path.Combine(dir, "gt.0002.exr"), new ImageF(40, 23, 3), ExrPixelType.Half, ExrCompression.Piz);
            var bad = CliProcess.Run("eval", "--result", Path.Combine(dir, "res.%04d.exr"), "--truth", Path.Combine(dir, "gt.%04d.exr"));
            Assert.That(bad.ExitCode, Is.EqualTo(1));
            Assert.That(bad.StdErr, Does.Contain("frame 2: result is 41x23, truth is 40x23"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void Bench_eval_prints_reading_and_eval_rounds_with_the_load()
    {
        var r = CliProcess.Run("bench", "--only", "eval", "--width", "64", "--height", "48", "--frames", "3", "--rounds", "2");
        Assert.That(r.ExitCode, Is.EqualTo(0), r.StdErr);
        Assert.That(r.StdOut, Does.Contain("## Eval against reading the two sequences (issue 11)"));
        Assert.That(r.StdOut, Does.Contain("load average at start"));
        Assert.That(r.StdOut.Split('\n').Count(l => l.StartsWith("| reading (as eval reads) | 64x48 |", StringComparison.Ordinal)), Is.EqualTo(2));
        Assert.That(r.StdOut.Split('\n').Count(l => l.StartsWith("| eval (whole command) | 64x48 |", StringComparison.Ordinal)), Is.EqualTo(2));
        Assert.That(r.StdOut, Does.Contain("eval / reading **"));
    }
}
