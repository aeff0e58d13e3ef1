using System.Globalization;
using HdrOfx.Engine.Models.Ldm;
using HdrOfx.Engine.Tensors;
using NUnit.Framework;

namespace HdrOfx.Cli.Tests;

/// <summary>`hdrofx bench --only ldm`: times the hdr-ldm method with the weights in --models; missing ones are one error line.</summary>
[Parallelizable(ParallelScope.Children)]
public class BenchLdmCliTests
{
    private static string Models()
    {
        string models = Path.Combine(Path.GetTempPath(), "hdrofx-cli-tests", Guid.NewGuid().ToString("N"), "models");
        Directory.CreateDirectory(models);
        return models;
    }

    [Test]
    public void BenchLdmTimesEachStepCountWithTheGivenWeights()
    {
        string models = Models();
        // An untrained tiny model: the bench times the method, whatever its weights say.
        using (var m = new HdrLdm(LdmConfig.Tiny, new Rng(1)))
            LdmWeights.Save(m, LdmConfig.Tiny, Path.Combine(models, LdmWeights.FileName), DType.F16, new Dictionary<string, string> { ["note"] = "untrained, test only" });
        var r = CliProcess.Run("bench", "--only", "ldm", "--width", "128", "--height", "64", "--ldm-frames", "1", "--ldm-steps", "1,2", "--models", models);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.StdErr);
        Assert.That(r.StdOut, Does.Contain("## Single-exposure reconstruction (hdr-ldm, CPU)"));
        Assert.That(r.StdOut, Does.Not.Contain("## Classical"), "ldm alone was asked for");
        foreach (int steps in new[] { 1, 2 })
        {
            var row = r.StdOut.Split('\n').Single(l => l.StartsWith($"| 1 exposure, EV 0 | 128x64 | {steps} | 1 |", StringComparison.Ordinal));
            var cells = row.Split('|', StringSplitOptions.TrimEntries)[1..^1];
            Assert.That(cells, Has.Length.EqualTo(10), row);
            double Cell(int i) => double.Parse(cells[i], CultureInfo.InvariantCulture);
            Assert.That(Cell(4), Is.GreaterThan(0), row); // mean s/frame, to the millisecond
            Assert.That(Cell(5), Is.EqualTo(Cell(4)), row); // one frame: median = mean
            Assert.That(Cell(6), Is.GreaterThan(0), row); // CPU s/frame
            Assert.That(Cell(7), Is.GreaterThan(0), row); // tensor arena MiB
            Assert.That(Cell(8), Is.GreaterThan(Cell(7)), row); // peak RSS holds the arena and the runtime
            Assert.That(Cell(9), Is.EqualTo(Environment.ProcessorCount), row);
        }
        Assert.That(r.StdOut, Does.Match(@"Procedural frame with [1-9][0-9.]* % of its pixels clipped"), "the frame must have clipped areas to fill in");
    }

    [Test]
    public void BenchLdmNamesMissingWeightsAndRefusesBadStepCounts()
    {
        string models = Models();
        var missing = CliProcess.Run("bench", "--only", "ldm", "--width", "128", "--height", "64", "--ldm-frames", "1", "--ldm-steps", "1", "--models", models);
        Assert.That(missing.ExitCode, Is.EqualTo(1), missing.StdErr);
        Assert.That(missing.ErrLines, Has.One.StartsWith("hdrofx bench: error: ").And.Contains(Path.Combine(models, LdmWeights.FileName)), missing.StdErr);
        Assert.That(missing.StdOut, Is.Empty, "checked before any suite runs");

        var bad = CliProcess.Run("bench", "--only", "ldm", "--ldm-steps", "4,0", "--models", models);
        Assert.That(bad.ExitCode, Is.EqualTo(1), bad.StdErr);
        Assert.That(bad.ErrLines, Has.One.StartsWith("hdrofx bench: error: --ldm-steps: '0'"), bad.StdErr);
    }

    [Test]
    public void BenchHdrVDiffTimesEachStepCountAndNamesAMissingZicaFile()
    {
        string models = Models();
        using var tcam = new HdrOfx.Engine.Models.TcamNet(HdrOfx.Engine.Models.TcamConfig.Tiny, new Rng(1));
        using var ldm = new HdrLdm(LdmConfig.Tiny, new Rng(2));
        HdrOfx.Engine.Models.TcamWeights.Save(tcam, Path.Combine(models, HdrOfx.Engine.Models.TcamWeights.FileName), DType.F16);
        LdmWeights.Save(ldm, LdmConfig.Tiny, Path.Combine(models, LdmWeights.FileName), DType.F16);
        string[] args = ["bench", "--only", "hdr-v-diff", "--width", "96", "--height", "64", "--ldm-frames", "1", "--ldm-steps", "2,1", "--models", models];
        var missing = CliProcess.Run(args);
        Assert.That(missing.ExitCode, Is.EqualTo(1), missing.StdErr);
        Assert.That(missing.ErrLines, Has.One.StartsWith("hdrofx bench: error: ").And.Contains(Path.Combine(models, HdrOfx.Engine.Models.Zica.ZicaWeights.FileName)), missing.StdErr);
        Assert.That(missing.StdOut, Is.Empty, "checked before any suite runs");

        using (var zica = HdrOfx.Engine.Models.Zica.HdrVDiff.NewModule(HdrOfx.Engine.Models.Zica.ZicaConfig.Tiny, tcam, ldm, new Rng(3)))
            HdrOfx.Engine.Models.Zica.ZicaWeights.Save(zica, tcam.Config, ldm.Config, Path.Combine(models, HdrOfx.Engine.Models.Zica.ZicaWeights.FileName), DType.F16);
        var r = CliProcess.Run(args);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.StdErr);
        Assert.That(r.StdOut, Does.Contain("## Full neural method (hdr-v-diff, CPU)"));
        Assert.That(r.StdOut, Does.Not.Contain("## Single-exposure"), "hdr-v-diff alone was asked for");
        foreach (int steps in new[] { 2, 1 })
        {
            var row = r.StdOut.Split('\n').Single(l => l.StartsWith($"| 2 exposures, EV −2/0/−2 | 96x64 | {steps} | 1 |", StringComparison.Ordinal));
            var cells = row.Split('|', StringSplitOptions.TrimEntries)[1..^1];
            Assert.That(cells, Has.Length.EqualTo(10), row);
            Assert.That(double.Parse(cells[4], CultureInfo.InvariantCulture), Is.GreaterThan(0), row);
        }
    }
}
