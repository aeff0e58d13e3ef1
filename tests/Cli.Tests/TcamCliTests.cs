using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.IO.Png;
using HdrOfx.Engine.Models;
using HdrOfx.Engine.Tensors;
using NUnit.Framework;

namespace HdrOfx.Cli.Tests;

/// <summary>`hdrofx reconstruct --method tcam`: the weights come from --models; missing ones are one error line.</summary>
public class TcamCliTests
{
    private static string Input(string dir)
    {
        Directory.CreateDirectory(Path.Combine(dir, "in"));
        Directory.CreateDirectory(Path.Combine(dir, "out"));
        for (int t = 0; t < 3; t++)
        {
            var img = new ImageF(36, 20, 3);
            float gain = t % 2 == 0 ? 0.5f : 2f;
            for (int i = 0; i < img.Data.Length; i++) img.Data[i] = Math.Clamp(gain * (0.05f + 0.5f * ((i * 7 + t) % 36) / 36f), 0f, 1f);
            PngWriter.Write(Path.Combine(dir, "in", $"f.{t:0000}.png"), img, 16);
        }
        return Path.Combine(dir, "in", "f.%04d.png");
    }

    private static string[] Args(string input, string output, string method) =>
        ["reconstruct", "--input", input, "--ev", "-1,1", "--phase", "0", "--transfer", "srgb", "--method", method, "--output", output];

    [Test]
    public void MissingWeightsAreOneErrorLineNamingTheFile()
    {
        string dir = Path.Combine(Path.GetTempPath(), "hdrofx-cli-tests", Guid.NewGuid().ToString("N"));
        string input = Input(dir);
        string models = Path.Combine(dir, "models");
        var r = CliProcess.Run([.. Args(input, Path.Combine(dir, "out", "h.%04d.exr"), "tcam"), "--models", models]);
        Assert.That(r.ExitCode, Is.EqualTo(1), r.StdErr);
        Assert.That(r.StdErr, Does.Contain("hdrofx reconstruct: error: ").And.Contain(Path.Combine(models, TcamWeights.FileName)));
        Assert.That(Directory.GetFiles(Path.Combine(dir, "out")), Is.Empty);
    }

    [Test]
    public void UntrainedWeightsReproduceTheClassicalOutput()
    {
        string dir = Path.Combine(Path.GetTempPath(), "hdrofx-cli-tests", Guid.NewGuid().ToString("N"));
        string input = Input(dir);
        string models = Path.Combine(dir, "models");
        Directory.CreateDirectory(models);
        using (var net = new TcamNet(TcamConfig.Tiny, new Rng(1))) TcamWeights.Save(net, Path.Combine(models, TcamWeights.FileName), DType.F16);
        var c = CliProcess.Run(Args(input, Path.Combine(dir, "out", "c.%04d.exr"), "classical"));
        var n = CliProcess.Run([.. Args(input, Path.Combine(dir, "out", "n.%04d.exr"), "tcam"), "--models", models]);
        Assert.That(c.ExitCode, Is.EqualTo(0), c.StdErr);
        Assert.That(n.ExitCode, Is.EqualTo(0), n.StdErr);
        for (int t = 0; t < 3; t++)
            Assert.That(File.ReadAllBytes(Path.Combine(dir, "out", $"n.{t:0000}.exr")), Is.EqualTo(File.ReadAllBytes(Path.Combine(dir, "out", $"c.{t:0000}.exr"))), $"frame {t}");
    }

    [Test]
    public void BenchTcamTimesFramesWithTheGivenWeightsAndNamesMissingOnes()
    {
        string dir = Path.Combine(Path.GetTempPath(), "hdrofx-cli-tests", Guid.NewGuid().ToString("N"));
        string models = Path.Combine(dir, "models");
        Directory.CreateDirectory(models);
        var missing = CliProcess.Run("bench", "--only", "tcam", "--width", "48", "--height", "32", "--tcam-frames", "1", "--models", models);
        Assert.That(missing.ExitCode, Is.EqualTo(1), missing.StdErr);
        Assert.That(missing.StdErr, Does.Contain(Path.Combine(models, TcamWeights.FileName)));

        using (var net = new TcamNet(TcamConfig.Tiny, new Rng(1))) TcamWeights.Save(net, Path.Combine(models, TcamWeights.FileName), DType.F16);
        // Large enough that a frame takes well over the 5 ms that the report's two decimals of a second can show.
        var r = CliProcess.Run("bench", "--only", "tcam", "--width", "960", "--height", "540", "--tcam-frames", "2", "--models", models);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.StdErr);
        var row = r.StdOut.Split('\n').Single(l => l.StartsWith("| 2 exposures | 960x540 | 2 |", StringComparison.Ordinal));
        var cells = row.Split('|', StringSplitOptions.TrimEntries);
        Assert.That(double.Parse(cells[4], System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThan(0), row);
    }
}
