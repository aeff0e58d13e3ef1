using HdrOfx.Engine.IO.Exr;
using NUnit.Framework;
using static HdrOfx.Cli.Tests.TestClips;

namespace HdrOfx.Cli.Tests;

/// <summary>
/// `hdrofx reconstruct` on bad input: one clear error line, exit code 1, and nothing lost — no output frame (final or
/// partial) appears, existing files keep their bytes, inputs are never overwritten.
/// </summary>
[Parallelizable(ParallelScope.Children)]
public class ReconstructErrorTests
{
    [Test]
    public void A_valid_sequence_is_reconstructed_completely()
    {
        string dir = NewDir();
        string input = PngSequence(dir, 4);
        var r = CliProcess.Run(["reconstruct", .. Args(input, Path.Combine(dir, "out", "hdr.%04d.exr"))]);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.StdErr);
        var files = Directory.GetFiles(Path.Combine(dir, "out")).Select(Path.GetFileName).Order().ToArray();
        Assert.That(files, Is.EqualTo(new[] { "hdr.0000.exr", "hdr.0001.exr", "hdr.0002.exr", "hdr.0003.exr" }), "every frame and no temporary file");
        var img = ExrReader.Read(Path.Combine(dir, "out", "hdr.0002.exr"));
        Assert.That((img.Width, img.Height), Is.EqualTo((W, H)));
        Assert.That(img.Data.All(float.IsFinite), Is.True);
    }

    [TestCase("truncated")]
    [TestCase("corrupt")]
    public void A_damaged_exr_frame_fails_without_output(string damage)
    {
        string dir = NewDir();
        string input = ExrSequence(dir, 4);
        string f2 = Path.Combine(dir, "in", "frame.0002.exr");
        var bytes = File.ReadAllBytes(f2);
        if (damage == "truncated") File.WriteAllBytes(f2, bytes[..(bytes.Length / 2)]);
        else
        {
            for (int i = bytes.Length * 3 / 5; i < bytes.Length; i++) bytes[i] = 0xFF; // compressed pixel data
            File.WriteAllBytes(f2, bytes);
        }
        // An earlier run's output for frame 0 must survive the failed run untouched.
        File.WriteAllText(Path.Combine(dir, "out", "hdr.0000.exr"), "from an earlier run");
        string err = ExpectFailure(dir, Args(input, Path.Combine(dir, "out", "hdr.%04d.exr"), transfer: "linear"));
        Assert.That(err, Does.Contain("frame.0002.exr"), "the message names the bad file");
    }

    [Test]
    public void A_non_image_file_fails_without_output()
    {
        string dir = NewDir();
        string input = PngSequence(dir, 4);
        File.WriteAllText(Path.Combine(dir, "in", "frame.0001.png"), "this is not a picture\n");
        string err = ExpectFailure(dir, Args(input, Path.Combine(dir, "out", "hdr.%04d.exr")));
        Assert.That(err, Does.Contain("frame.0001.png"));
    }

    [Test]
    public void Mismatched_frame_sizes_fail_without_output()
    {
        string dir = NewDir();
        string input = PngSequence(dir, 4, t => t == 2 ? Frame(t, W + 2, H) : Frame(t));
        string err = ExpectFailure(dir, Args(input, Path.Combine(dir, "out", "hdr.%04d.exr")));
        Assert.That(err, Does.Contain($"{W + 2}x{H}"));
    }

    [Test]
    public void Too_few_frames_for_the_pattern_fail()
    {
        string dir = NewDir();
        string input = PngSequence(dir, 2);
        ExpectFailure(dir, Args(input, Path.Combine(dir, "out", "hdr.%04d.exr"), ev: "-2,0,2"));
    }

    [TestCase("1")]
    [TestCase("-1,1,2,3")]
    [TestCase("-1,abc")]
    [TestCase("-1,NaN")]
    public void An_unknown_exposure_pattern_fails(string ev)
    {
        string dir = NewDir();
        string input = PngSequence(dir, 4);
        ExpectFailure(dir, Args(input, Path.Combine(dir, "out", "hdr.%04d.exr"), ev: ev));
    }

    [TestCase(float.NaN)]
    [TestCase(float.PositiveInfinity)]
    public void Non_finite_pixels_fail_without_output(float bad)
    {
        string dir = NewDir();
        string input = ExrSequence(dir, 4, t =>
        {
            var f = Frame(t);
            if (t == 1) f[1, 5, 7] = bad;
            return f;
        });
        ExpectFailure(dir, Args(input, Path.Combine(dir, "out", "hdr.%04d.exr"), transfer: "linear"));
    }

    [Test]
    public void An_unwritable_output_directory_fails_before_any_work()
    {
        string dir = NewDir();
        string input = PngSequence(dir, 4);
        // A regular file where a directory is needed: unwritable even for root (CI runs as root, so no chmod).
        File.WriteAllText(Path.Combine(dir, "blocker"), "a file, not a directory");
        ExpectFailure(dir, Args(input, Path.Combine(dir, "blocker", "out", "hdr.%04d.exr")));
    }

    [TestCase("same")]
    [TestCase("overlapping")]
    public void Output_onto_the_input_is_refused(string how)
    {
        string dir = NewDir();
        string input = ExrSequence(dir, 4);
        string output = how == "same" ? input : Path.Combine(dir, "in", "..", "in", "frame.%04d.exr");
        string err = ExpectFailure(dir, Args(input, output, transfer: "linear"));
        Assert.That(err, Does.Contain("input").IgnoreCase);
    }
}
