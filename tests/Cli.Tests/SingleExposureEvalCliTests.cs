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

    private static string Committed() => Path.Combine(CliProcess.RepoRoot(), "training", "ldm-v4", "hdr-ldm-ema.safetensors");

    [TestCase("--ldm-start", "1000", "--ldm-start 1000 must be 0 to 999")]
    [TestCase("--ldm-start", "2", "--ldm-start 2 leaves fewer than --ldm-steps 10 timesteps")]
    public void Eval_single_exposure_refuses_a_bad_start(string option, string value, string message)
    {
        var r = CliProcess.Run(["eval", "--single-exposure", "--ldm-weights", Committed(), "--ldm-steps", "10", option, value]);
        Assert.That(r.ExitCode, Is.EqualTo(1), r.StdErr);
        Assert.That(r.ErrLines, Has.One.StartsWith("hdrofx eval: error: ").And.Contains(message), r.StdErr);
    }

    /// <summary>The tuning clips are other clips than the validation clips; the truth's latent beats sampling from pure noise there.</summary>
    [Test]
    public void Eval_single_exposure_scores_the_tuning_clips_and_the_truths_latent()
    {
        string d = TestClips.NewDir();
        var r = CliProcess.Run(["eval", "--single-exposure", "--ldm-weights", Committed(), "--tuning", "--truth-latent", "--frames", "1", "--table", Path.Combine(d, "t.md")]);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.StdErr);
        var md = File.ReadAllText(Path.Combine(d, "t.md"));
        Assert.That(md.Split('\n').Where(l => l.StartsWith("| bench", StringComparison.Ordinal)).Select(l => l[2..9]),
            Is.EqualTo(new[] { "bench02", "bench07", "bench09", "bench14" }));
        Assert.That(md, Does.Contain("the truth's own latent decoded").And.Contain("tuning clips (training panoramas)"));
    }

    [TestCase("--snr-weighting", "min", "--snr-weighting 'min' is not known")]
    [TestCase("--clip-focus", "-1", "--clip-focus must be a finite number ≥ 0")]
    [TestCase("--validation-steps", "0", "--validation-steps must be 1 to 50")]
    public void Train_ldm_refuses_bad_weighting_options(string option, string value, string message)
    {
        string d = TestClips.NewDir();
        var r = CliProcess.Run(["train", "--stage", "ldm", option, value, "--output", Path.Combine(d, "run")]);
        Assert.That(r.ExitCode, Is.EqualTo(1), r.StdErr);
        Assert.That(r.ErrLines, Has.One.StartsWith("hdrofx train: error: ").And.Contains(message), r.StdErr);
        Assert.That(Directory.Exists(Path.Combine(d, "run")), Is.False, "nothing written");
    }
}
