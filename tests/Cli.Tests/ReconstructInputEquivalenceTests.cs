using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.IO.Exr;
using HdrOfx.Engine.IO.Png;
using NUnit.Framework;
using static HdrOfx.Cli.Tests.TestClips;

namespace HdrOfx.Cli.Tests;

/// <summary>
/// Same bytes in, same pixels out, whatever the container (issue 11): an EXR sequence holding the linearized PNG values
/// (linear by default) and a lossless FFV1 video of the PNGs both reconstruct to exactly the PNG run's frames.
/// The files are compared by oiiotool, the video's bytes by ffmpeg.
/// </summary>
[Parallelizable(ParallelScope.Children)]
public class ReconstructInputEquivalenceTests
{
    private const int Frames = 6;

    private static string Reconstruct(string dir, string input, string name, params string[] extra)
    {
        string outDir = Path.Combine(dir, name);
        Directory.CreateDirectory(outDir);
        var r = CliProcess.Run(["reconstruct", "--input", input, "--ev", "-1,1", "--output", Path.Combine(outDir, "hdr.%04d.exr"), .. extra]);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.StdErr);
        return outDir;
    }

    private static void AssertSameFrames(string expectedDir, string actualDir)
    {
        for (int t = 0; t < Frames; t++)
        {
            string a = Path.Combine(expectedDir, $"hdr.{t:0000}.exr"), b = Path.Combine(actualDir, $"hdr.{t:0000}.exr");
            var diff = Tool("oiiotool", a, b, "--fail", "0", "--failpercent", "0", "--warn", "0", "--diff");
            Assert.That(diff.Code, Is.EqualTo(0), $"frame {t}: {diff.StdOut} {diff.StdErr}");
            Assert.That(diff.StdOut, Does.Contain("PASS"), $"frame {t}: {diff.StdOut}");
            Assert.That(ExrReader.Read(b).Data, Is.EqualTo(ExrReader.Read(a).Data), $"frame {t}");
        }
    }

    [Test]
    public void An_exr_sequence_is_linear_unless_told_otherwise()
    {
        string dir = NewDir();
        string png = PngSequence(dir, Frames, t => Frame(t), bits: 16);
        // The EXR frames hold what the PNG run linearizes: the engine's one sRGB⁻¹ (Linearizer) of the decoded codes.
        var srgb = TransferCurve.For(TransferFunction.Srgb);
        ExrSequence(dir, Frames, t =>
        {
            var img = PngReader.Read(Path.Combine(dir, "in", $"frame.{t:0000}.png"));
            for (int i = 0; i < img.Data.Length; i++) img.Data[i] = Linearizer.Apply(srgb, img.Data[i]);
            return img;
        }, sub: "exr");
        string fromPng = Reconstruct(dir, png, "png");
        string fromExr = Reconstruct(dir, Path.Combine(dir, "exr", "frame.%04d.exr"), "exr");
        AssertSameFrames(fromPng, fromExr);
    }

    [Test]
    public void An_exr_input_keeps_values_above_one()
    {
        string dir = NewDir();
        string exr = ExrSequence(dir, Frames, t =>
        {
            var f = Frame(t);
            for (int i = 0; i < f.Data.Length; i++) f.Data[i] *= 4f; // up to 4: scene-linear, not display-referred
            return f;
        });
        string outDir = Reconstruct(dir, exr, "out");
        float max = ExrReader.Read(Path.Combine(outDir, "hdr.0002.exr")).Data.Max();
        // Frame 2 is a −1 EV frame whose values reach 4·0.5·0.9 = 1.8, i.e. 3.6 in EV-0 units; read as sRGB they would
        // clamp at 1, i.e. 2.
        Assert.That(max, Is.GreaterThan(3f));
    }

    [TestCase(8, "bgr0")]
    [TestCase(16, "gbrp16le")]
    public void A_lossless_video_of_the_pngs_gives_the_same_frames(int bits, string pixFmt)
    {
        string dir = NewDir();
        string png = PngSequence(dir, Frames, t => Frame(t), bits);
        string video = Path.Combine(dir, "clip.mkv");
        var enc = Tool("ffmpeg", "-v", "error", "-y", "-framerate", "24", "-i", png, "-c:v", "ffv1", "-pix_fmt", pixFmt, video);
        Assert.That(enc.Code, Is.EqualTo(0), enc.StdErr);
        string raw = bits == 8 ? "rgb24" : "rgb48le";
        var fromPng = Tool("ffmpeg", "-v", "error", "-i", png, "-f", "rawvideo", "-pix_fmt", raw, Path.Combine(dir, "png.raw"));
        var fromMkv = Tool("ffmpeg", "-v", "error", "-i", video, "-f", "rawvideo", "-pix_fmt", raw, Path.Combine(dir, "mkv.raw"));
        Assert.That(fromPng.Code + fromMkv.Code, Is.EqualTo(0), fromPng.StdErr + fromMkv.StdErr);
        Assert.That(File.ReadAllBytes(Path.Combine(dir, "mkv.raw")), Is.EqualTo(File.ReadAllBytes(Path.Combine(dir, "png.raw"))),
            "the video decodes to exactly the PNGs' RGB bytes");

        AssertSameFrames(Reconstruct(dir, png, "png"), Reconstruct(dir, video, "video"));
    }
}
