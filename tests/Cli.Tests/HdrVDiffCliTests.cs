using NUnit.Framework;

namespace HdrOfx.Cli.Tests;

/// <summary>`hdrofx reconstruct --method hdr-v-diff` and `hdrofx train --stage zica` without weights: one error line naming the file.</summary>
[Parallelizable(ParallelScope.Children)]
public class HdrVDiffCliTests
{
    private static void ExpectError(string command, string[] args, string message)
    {
        var r = CliProcess.Run([command, .. args]);
        Assert.That(r.ExitCode, Is.EqualTo(1), r.StdErr);
        Assert.That(r.ErrLines, Has.One.StartsWith($"hdrofx {command}: error: ").And.Contains(message), r.StdErr);
    }

    [TestCase("1", "tcam.safetensors")]
    [TestCase("1.5", "--prior-strength 1.5 is outside 0 to 1")]
    public void Reconstruct_refuses(string strength, string message)
    {
        string d = SingleExposureCliTests.Input();
        ExpectError("reconstruct", ["--input", Path.Combine(d, "in", "f.%04d.png"), "--ev", "-1,1", "--method", "hdr-v-diff", "--prior-strength", strength,
            "--output", Path.Combine(d, "out", "h.%04d.exr"), "--models", Path.Combine(d, "no-models")], message);
        Assert.That(Directory.GetFiles(Path.Combine(d, "out")), Is.Empty);
    }

    [Test]
    public void Train_zica_refuses_missing_frozen_weights()
    {
        string d = SingleExposureCliTests.Input();
        string tcam = Path.Combine(d, "no-models", "tcam.safetensors");
        ExpectError("train", ["--stage", "zica", "--tcam", tcam, "--output", Path.Combine(d, "run")], tcam);
    }

    [TestCase("--ldm-steps", "0", "--ldm-steps 0 is outside 1 to 50")]
    [TestCase("--prior-strength", "2", "--prior-strength 2 is outside 0 to 1")]
    [TestCase("--frames", "1", "tcam.safetensors")]
    public void Eval_hdr_v_diff_refuses(string option, string value, string message)
    {
        string d = SingleExposureCliTests.Input();
        ExpectError("eval", ["--hdr-v-diff", "--models", Path.Combine(d, "no-models"), option, value], message);
    }
}
