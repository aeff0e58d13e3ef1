using System.Globalization;
using NUnit.Framework;

namespace HdrOfx.Cli.Tests;

/// <summary>`hdrofx train`: the options every stage shares reach the run (--max-minutes, --resume).</summary>
public class TrainCliTests
{
    private static long StepOf(string output) =>
        long.Parse(File.ReadLines(Path.Combine(output, "checkpoint", "state.txt")).First(l => l.StartsWith("step=", StringComparison.Ordinal))[5..],
            CultureInfo.InvariantCulture);

    [Test]
    public void MaxMinutesStopsTheRunWithACheckpointAndResumeContinuesIt()
    {
        string dir = Path.Combine(Path.GetTempPath(), "hdrofx-cli-tests", Guid.NewGuid().ToString("N"));
        string output = Path.Combine(dir, "run");
        string[] args = ["train", "--stage", "tcam", "--config", "tiny", "--steps", "100000", "--crop", "32", "--clips", "1",
            "--no-validation", "--max-minutes", "0.0001", "--output", output];

        var first = CliProcess.Run(args);
        Assert.That(first.ExitCode, Is.EqualTo(0), first.StdErr);
        Assert.That(first.StdErr + first.StdOut, Does.Contain("time limit"));
        long step = StepOf(output);
        Assert.That(step, Is.InRange(1, 99_999), "the limit stopped the run long before its schedule's end");

        var again = CliProcess.Run(args);
        Assert.That(again.ExitCode, Is.Not.EqualTo(0), "without --resume an existing checkpoint is refused");
        Assert.That(again.StdErr, Does.Contain("--resume"));

        var resumed = CliProcess.Run([.. args, "--resume"]);
        Assert.That(resumed.ExitCode, Is.EqualTo(0), resumed.StdErr);
        Assert.That(StepOf(output), Is.GreaterThan(step), "--resume continued the checkpoint");
    }
}
