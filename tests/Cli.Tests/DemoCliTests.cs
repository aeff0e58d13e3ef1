using System.Globalization;
using NUnit.Framework;

namespace HdrOfx.Cli.Tests;

/// <summary>`hdrofx demo`, the README's main job: classical and tcam frames, the sheet and the table, tcam ahead on its clip.</summary>
public class DemoCliTests
{
    [Test]
    public void DemoWritesClassicalAndTcamAndTcamScoresHigher()
    {
        string dir = Path.Combine(Path.GetTempPath(), "hdrofx-cli-tests", Guid.NewGuid().ToString("N"));
        var r = CliProcess.Run("demo", "--output", dir);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.StdErr);
        foreach (var m in new[] { "classical", "tcam" })
            Assert.That(Directory.GetFiles(Path.Combine(dir, m), "frame.*.exr"), Has.Length.EqualTo(12), m);
        Assert.That(File.Exists(Path.Combine(dir, "contact_sheet.png")));
        string md = File.ReadAllText(Path.Combine(dir, "metrics.md"));
        double Psnr(string method) => double.Parse(md.Split('\n').Single(l => l.StartsWith($"| {method} |", StringComparison.Ordinal))
            .Split('|', StringSplitOptions.TrimEntries)[2], CultureInfo.InvariantCulture);
        Assert.That(Psnr("tcam"), Is.GreaterThan(Psnr("classical") + 1.0), md);
        Assert.That(md, Does.Contain("--method tcam --output"));
    }
}
