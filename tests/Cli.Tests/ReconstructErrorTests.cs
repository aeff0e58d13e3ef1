using System.Security.Cryptography;
using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.IO.Exr;
using HdrOfx.Engine.IO.Png;
using NUnit.Framework;

namespace HdrOfx.Cli.Tests;

/// <summary>
/// `hdrofx reconstruct` on bad input: one clear error line, exit code 1, and nothing lost — no output frame (final or
/// partial) appears, existing files keep their bytes, inputs are never overwritten.
/// </summary>
[Parallelizable(ParallelScope.Children)]
public class ReconstructErrorTests
{
    private const int W = 40, H = 24;

    private static string NewDir()
    {
        string d = Path.Combine(Path.GetTempPath(), "hdrofx-cli-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(d, "out")); // the output directory must exist (docs/cli.md)
        return d;
    }

    /// <summary>A smooth gradient exposed at alternating EVs −1/+1 (display-referred sRGB-ish values in [0, 1]).</summary>
    private static ImageF Frame(int t, int w = W, int h = H)
    {
        var img = new ImageF(w, h, 3);
        float gain = t % 2 == 0 ? 0.5f : 2f;
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    img[c, y, x] = Math.Clamp(gain * (0.1f + 0.6f * (x + 2 * t) / w + 0.1f * c) * (0.5f + 0.5f * y / h), 0f, 1f);
        return img;
    }

    private static string PngSequence(string dir, int count, Func<int, ImageF>? frame = null)
    {
        Directory.CreateDirectory(Path.Combine(dir, "in"));
        for (int t = 0; t < count; t++) PngWriter.Write(Path.Combine(dir, "in", $"frame.{t:0000}.png"), (frame ?? (i => Frame(i)))(t), 16);
        return Path.Combine(dir, "in", "frame.%04d.png");
    }

    private static string ExrSequence(string dir, int count, Func<int, ImageF>? frame = null)
    {
        Directory.CreateDirectory(Path.Combine(dir, "in"));
        for (int t = 0; t < count; t++) ExrWriter.Write(Path.Combine(dir, "in", $"frame.{t:0000}.exr"), (frame ?? (i => Frame(i)))(t), ExrPixelType.Float);
        return Path.Combine(dir, "in", "frame.%04d.exr");
    }

    private static Dictionary<string, string> Snapshot(string dir) =>
        Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(dir, f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

    /// <summary>Runs reconstruct expecting failure; asserts one error line, exit 1 and an unchanged directory tree.</summary>
    private static string ExpectFailure(string dir, params string[] args)
    {
        var before = Snapshot(dir);
        var r = CliProcess.Run(["reconstruct", .. args]);
        Assert.That(r.ExitCode, Is.EqualTo(1), $"exit code; stderr: {r.StdErr}");
        var errors = r.ErrLines.Where(l => l.Contains("error", StringComparison.OrdinalIgnoreCase)).ToArray();
        Assert.That(errors, Has.Length.EqualTo(1), $"one error line expected; stderr: {r.StdErr}");
        Assert.That(errors[0], Does.StartWith("hdrofx reconstruct: error: "));
        Assert.That(r.StdErr, Does.Not.Contain("   at "), "no stack trace");
        var after = Snapshot(dir);
        Assert.That(after, Is.EqualTo(before), "a failed run must leave every file as it was and add none");
        TestContext.Out.WriteLine(errors[0]);
        return errors[0];
    }

    private static string[] Args(string input, string output, string ev = "-1,1", string transfer = "srgb") =>
        ["--input", input, "--ev", ev, "--phase", "0", "--transfer", transfer, "--method", "classical", "--output", output];

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
