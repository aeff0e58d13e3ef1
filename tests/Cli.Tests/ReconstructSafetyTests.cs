using System.Diagnostics;
using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.IO.Exr;
using NUnit.Framework;
using static HdrOfx.Cli.Tests.TestClips;

namespace HdrOfx.Cli.Tests;

/// <summary>
/// Nothing lost (issue 11): inputs reached through links are never written over, options and results are checked before
/// anything is replaced, and signals or a kill leave no debris that the next run does not remove.
/// </summary>
[Parallelizable(ParallelScope.Children)]
public class ReconstructSafetyTests
{
    [Test]
    public void An_output_folder_that_links_to_the_input_folder_is_refused()
    {
        string dir = NewDir();
        string input = ExrSequence(dir, 4);
        File.CreateSymbolicLink(Path.Combine(dir, "exrlink"), Path.Combine(dir, "in"));
        string err = ExpectFailure(dir, Args(input, Path.Combine(dir, "exrlink", "frame.%04d.exr"), transfer: null));
        Assert.That(err, Does.Contain("input"));
    }

    [Test]
    public void An_output_file_that_links_to_an_input_file_is_refused()
    {
        string dir = NewDir();
        string input = ExrSequence(dir, 4);
        File.CreateSymbolicLink(Path.Combine(dir, "out", "hdr.0002.exr"), Path.Combine(dir, "in", "frame.0002.exr"));
        string err = ExpectFailure(dir, Args(input, Path.Combine(dir, "out", "hdr.%04d.exr"), transfer: null));
        Assert.That(err, Does.Contain("frame.0002.exr"));
    }

    [Test]
    public void An_output_file_that_is_a_hard_link_to_an_input_file_is_refused()
    {
        string dir = NewDir();
        string input = ExrSequence(dir, 4);
        var ln = Tool("ln", Path.Combine(dir, "in", "frame.0001.exr"), Path.Combine(dir, "out", "hdr.0001.exr"));
        Assert.That(ln.Code, Is.EqualTo(0), ln.StdErr);
        string err = ExpectFailure(dir, Args(input, Path.Combine(dir, "out", "hdr.%04d.exr"), transfer: null));
        Assert.That(err, Does.Contain("frame.0001.exr"));
    }

    [TestCase("--exposure", "NaN")]
    [TestCase("--exposure", "1e9")]
    [TestCase("--exposure", "200")]
    [TestCase("--exposure", "-Infinity")]
    [TestCase("--radius", "-1")]
    [TestCase("--radius", "5")]
    [TestCase("--phase", "5")]
    [TestCase("--phase", "-1")]
    public void An_option_out_of_range_fails_in_plain_words(string option, string value)
    {
        string dir = NewDir();
        string input = PngSequence(dir, 4);
        File.WriteAllText(Path.Combine(dir, "out", "hdr.0000.exr"), "a good frame from an earlier run");
        string output = Path.Combine(dir, "out", "hdr.%04d.exr");
        string err = ExpectFailure(dir, option == "--phase" ? Args(input, output, phase: value) : [.. Args(input, output), option, value]);
        Assert.That(err, Does.Contain(option));
    }

    [TestCase("1,1")]
    [TestCase("-2,0,-2")]
    public void Equal_exposures_are_refused(string ev)
    {
        string dir = NewDir();
        string input = PngSequence(dir, 4);
        string err = ExpectFailure(dir, Args(input, Path.Combine(dir, "out", "hdr.%04d.exr"), ev: ev));
        Assert.That(err, Does.Contain("differ"));
    }

    [Test]
    public void A_frame_that_would_overflow_half_replaces_nothing()
    {
        string dir = NewDir();
        string input = PngSequence(dir, 4);
        File.WriteAllText(Path.Combine(dir, "out", "hdr.0001.exr"), "a good frame from an earlier run");
        string err = ExpectFailure(dir, [.. Args(input, Path.Combine(dir, "out", "hdr.%04d.exr")), "--exposure", "20"]);
        Assert.That(err, Does.Contain("65504"));
    }

    private static string LongInput(string dir) =>
        PngSequence(dir, 48, t => Frame(t, 480, 270), bits: 8);

    /// <summary>Starts a long run and waits until it has staged at least one frame.</summary>
    private static Process StartAndWaitForTemporaries(string dir, string input)
    {
        var p = CliProcess.Start(["reconstruct", .. Args(input, Path.Combine(dir, "out", "hdr.%04d.exr"))]);
        var sw = Stopwatch.StartNew();
        while (Temporaries(Path.Combine(dir, "out")).Length == 0)
        {
            if (p.HasExited) Assert.Fail($"the run ended (exit {p.ExitCode}) before staging a frame: {p.StandardError.ReadToEnd()}");
            if (sw.Elapsed > TimeSpan.FromSeconds(90)) { p.Kill(true); Assert.Fail("no frame staged in 90 s"); }
            Thread.Sleep(20);
        }
        return p;
    }

    [TestCase("TERM", 143)]
    [TestCase("HUP", 129)]
    [TestCase("INT", 130)]
    public void A_signal_cancels_cleanly(string signal, int exitCode)
    {
        if (SignalIgnored(signal))
            Assert.Ignore($"SIG{signal} is ignored in this process tree (started under nohup, or as a background job without job control?); the child inherits that, as it should");
        string dir = NewDir();
        string input = LongInput(dir);
        File.WriteAllText(Path.Combine(dir, "out", "hdr.0003.exr"), "a good frame from an earlier run");
        var before = Snapshot(Path.Combine(dir, "out"));
        using var p = StartAndWaitForTemporaries(dir, input);
        var err = p.StandardError.ReadToEndAsync();
        Assert.That(Tool("kill", $"-{signal}", p.Id.ToString()).Code, Is.EqualTo(0));
        Assert.That(p.WaitForExit(60_000), Is.True, "the run stops");
        Assert.That(p.ExitCode, Is.EqualTo(exitCode), err.Result);
        Assert.That(err.Result, Does.Contain("cancelled"));
        Assert.That(Snapshot(Path.Combine(dir, "out")), Is.EqualTo(before), "no temporary left, earlier outputs intact");
    }

    /// <summary>Whether the signal (HUP = 1, INT = 2: bit n − 1 of SigIgn in /proc/self/status) is ignored here, and so in the children.</summary>
    private static bool SignalIgnored(string signal)
    {
        int bit = signal switch { "HUP" => 0, "INT" => 1, _ => -1 };
        if (bit < 0) return false;
        var line = File.Exists("/proc/self/status") ? File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal)) : null;
        return line is not null && (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & (1UL << bit)) != 0;
    }

    [Test]
    public void Debris_of_a_killed_run_is_removed_by_the_next_run()
    {
        string dir = NewDir();
        string input = LongInput(dir);
        using (var p = StartAndWaitForTemporaries(dir, input))
        {
            p.Kill(); // SIGKILL: no clean-up can run
            p.WaitForExit();
        }
        string outDir = Path.Combine(dir, "out");
        var debris = Temporaries(outDir);
        Assert.That(debris, Is.Not.Empty, "SIGKILL leaves the staged frames");
        // Debris in the naming of earlier versions is recognized too.
        File.WriteAllText(Path.Combine(outDir, ".hdr.0007.exr.999999999.partial.exr"), "old debris");
        var r = CliProcess.Run(["reconstruct", .. Args(input, Path.Combine(outDir, "hdr.%04d.exr")), "--frames", "0-3"]);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.StdErr);
        Assert.That(r.StdErr, Does.Contain("removed"));
        Assert.That(Temporaries(outDir), Is.Empty);
        Assert.That(Directory.GetFiles(outDir).Select(Path.GetFileName).Order(), Is.EqualTo(new[] { "hdr.0000.exr", "hdr.0001.exr", "hdr.0002.exr", "hdr.0003.exr" }));
    }

    [Test]
    public void A_run_reports_frames_per_second_when_not_on_a_terminal()
    {
        string dir = NewDir();
        string input = PngSequence(dir, 4);
        var r = CliProcess.Run(["reconstruct", .. Args(input, Path.Combine(dir, "out", "hdr.%04d.exr"))]);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.StdErr);
        Assert.That(r.StdErr, Does.Match(@"reconstructing: 4/4 \(100 %\), [0-9.]+ frames/s, ETA 0 s"));
        Assert.That(r.StdErr, Does.Match(@"wrote 4 frames in [0-9.]+ s \([0-9.]+ frames/s\)"));
    }
}
