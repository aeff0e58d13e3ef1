using System.Globalization;
using HdrOfx.Engine.IO.Png;
using NUnit.Framework;

namespace HdrOfx.Cli.Tests;

/// <summary>`hdrofx eval --single-exposure` with the committed stage-2 export: the table's rows and the highlight pictures.</summary>
public class SingleExposureEvalCliTests
{
    [Test]
    public void Eval_single_exposure_writes_the_table_and_a_picture_per_validation_clip()
    {
        string shipped = Path.Combine(CliProcess.RepoRoot(), "training", "ldm-v4", "hdr-ldm-ema.safetensors");
        Assert.That(File.Exists(shipped), $"{shipped} is committed");
        string d = TestClips.NewDir();
        var r = CliProcess.Run(["eval", "--single-exposure", "--ldm-weights", shipped, "--ldm-steps", "1", "--frames", "1",
            "--table", Path.Combine(d, "t.md"), "--pictures", Path.Combine(d, "pictures")]);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.StdErr);
        var rows = File.ReadAllLines(Path.Combine(d, "t.md")).Where(l => l.StartsWith("| bench", StringComparison.Ordinal)).ToArray();
        Assert.That(rows, Has.Length.EqualTo(4), "one row per validation clip");
        foreach (var row in rows)
        {
            var cells = row.Split('|', StringSplitOptions.TrimEntries);
            double ldm = double.Parse(cells[2], CultureInfo.InvariantCulture), single = double.Parse(cells[3], CultureInfo.InvariantCulture),
                ceiling = double.Parse(cells[4], CultureInfo.InvariantCulture);
            Assert.That(ceiling, Is.GreaterThanOrEqualTo(single), row); // equal to the table's 0.01 dB where a frame barely clips
            Assert.That(ldm, Is.GreaterThan(0), row);
            string png = Path.Combine(d, "pictures", $"hdr-ldm-{cells[1]}.png");
            var img = PngReader.Read(png);
            Assert.That(img.Width, Is.GreaterThan(img.Height), $"{png}: three columns, two rows");
        }
    }
}
