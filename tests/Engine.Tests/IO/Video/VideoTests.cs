using System.Text.Json;
using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.IO;
using HdrOfx.Engine.IO.Video;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.IO.Video;

/// <summary>
/// Videos we write are checked with ffprobe (codec, pixel format, colour tags) and decoded back by ffmpeg; PSNR over
/// the display-encoded [0,1] values must clear a bound per codec.
/// </summary>
public class VideoTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp()
    {
        ExternalTools.Require("ffmpeg");
        ExternalTools.Require("ffprobe");
        _dir = ExternalTools.TempDir();
    }

    [TearDown] public void TearDown() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    /// <summary>Smooth moving content (gradients and a soft blob), as encoders expect; frame index shifts it.</summary>
    private static ImageF Frame(int w, int h, int i, int channels = 3)
    {
        var img = new ImageF(w, h, channels);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                double u = (double)(x + 2 * i) / w, v = (double)y / h;
                double blob = Math.Exp(-((u - 0.5) * (u - 0.5) + (v - 0.5) * (v - 0.5)) * 12);
                img[0, y, x] = (float)(0.1 + 0.8 * u * (1 - 0.3 * blob));
                img[1, y, x] = (float)(0.1 + 0.7 * v + 0.1 * blob);
                img[2, y, x] = (float)(0.2 + 0.6 * blob);
                if (channels == 4) img[3, y, x] = (float)(0.25 + 0.75 * u);
            }
        return img;
    }

    private static double Psnr(ImageF a, ImageF b, int channels)
    {
        double se = 0; long n = 0;
        for (int c = 0; c < channels; c++)
        {
            var pa = a.Plane(c); var pb = b.Plane(c);
            for (int i = 0; i < pa.Length; i++) { double d = pa[i] - pb[i]; se += d * d; n++; }
        }
        return 10 * Math.Log10(1.0 / (se / n));
    }

    private static JsonElement ProbeStream(string path)
    {
        string json = ExternalTools.RunText("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_streams", "-of", "json", path);
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.GetProperty("streams")[0].Clone();
    }

    private static string S(JsonElement e, string key) => e.TryGetProperty(key, out var v) ? v.ToString() : "";

    private List<ImageF> WriteClip(string path, VideoWriterOptions o, int w, int h, int frames, int channels = 3)
    {
        var clip = Enumerable.Range(0, frames).Select(i => Frame(w, h, i, channels)).ToList();
        FfmpegVideoWriter.WriteAll(path, clip, o);
        return clip;
    }

    [Test]
    public void ProRes4444RoundTrips()
    {
        string path = Path.Combine(_dir, "clip.mov");
        var clip = WriteClip(path, new VideoWriterOptions { Codec = VideoCodec.ProRes4444, FrameRateNum = 24000, FrameRateDen = 1001 }, 96, 64, 4);
        var s = ProbeStream(path);
        Assert.That(S(s, "codec_name"), Is.EqualTo("prores"));
        Assert.That(S(s, "profile"), Does.Contain("4444"));
        // Encoded as yuv444p10le; ffmpeg's ProRes decoder reports 4444 streams as 12-bit.
        Assert.That(S(s, "pix_fmt"), Is.AnyOf("yuv444p10le", "yuv444p12le"));
        Assert.That((S(s, "color_primaries"), S(s, "color_transfer"), S(s, "color_space")), Is.EqualTo(("bt709", "bt709", "bt709")));
        Assert.That(Directory.GetFiles(_dir), Is.EqualTo(new[] { path }), "no temporary file left behind");

        var r = FfmpegVideoReader.Open(path);
        Assert.That((r.Info.Width, r.Info.Height, r.Info.FrameCount), Is.EqualTo((96, 64, 4)));
        Assert.That((r.Info.FrameRateNum, r.Info.FrameRateDen), Is.EqualTo((24000, 1001)));
        Assert.That(r.Info.HasAlpha, Is.False);
        var back = r.ReadFrames().ToList();
        Assert.That(back, Has.Count.EqualTo(4));
        for (int i = 0; i < 4; i++)
        {
            Assert.That(back[i].Channels, Is.EqualTo(3));
            Assert.That(Psnr(clip[i], back[i], 3), Is.GreaterThan(45.0), $"frame {i}");
        }
    }

    [Test]
    public void ProRes4444CarriesAlpha()
    {
        string path = Path.Combine(_dir, "alpha.mov");
        var clip = WriteClip(path, new VideoWriterOptions { Codec = VideoCodec.ProRes4444 }, 64, 48, 2, channels: 4);
        Assert.That(S(ProbeStream(path), "pix_fmt"), Is.AnyOf("yuva444p10le", "yuva444p12le"));
        var r = FfmpegVideoReader.Open(path);
        Assert.That(r.Info.HasAlpha, Is.True);
        var back = r.ReadFrames().ToList();
        Assert.That(back[1].Channels, Is.EqualTo(4));
        Assert.That(Psnr(clip[1], back[1], 4), Is.GreaterThan(45.0));
    }

    [TestCase(VideoTransfer.Pq, "smpte2084", ".mp4")]
    [TestCase(VideoTransfer.Hlg, "arib-std-b67", ".mkv")]
    public void Hevc10SignalsHdrAndRoundTrips(VideoTransfer transfer, string trc, string ext)
    {
        string path = Path.Combine(_dir, "hdr" + ext);
        var o = new VideoWriterOptions { Codec = VideoCodec.Hevc10, Transfer = transfer, Preset = "ultrafast", Crf = 12, MaxCll = 1000, MaxFall = 400 };
        var clip = WriteClip(path, o, 128, 72, 3);
        var s = ProbeStream(path);
        Assert.That(S(s, "codec_name"), Is.EqualTo("hevc"));
        Assert.That(S(s, "pix_fmt"), Is.EqualTo("yuv420p10le"));
        Assert.That((S(s, "color_primaries"), S(s, "color_transfer"), S(s, "color_space")), Is.EqualTo(("bt2020", trc, "bt2020nc")));
        var info = FfmpegVideoReader.Probe(path);
        Assert.That(info.IsPq, Is.EqualTo(transfer == VideoTransfer.Pq));
        Assert.That(info.IsHlg, Is.EqualTo(transfer == VideoTransfer.Hlg));
        Assert.That(info.FrameCount, Is.EqualTo(3));
        var back = FfmpegVideoReader.Open(path).ReadFrames().ToList();
        Assert.That(back, Has.Count.EqualTo(3));
        // 4:2:0 chroma subsampling bounds the error on coloured edges; the content is smooth, so 38 dB is a safe floor.
        for (int i = 0; i < 3; i++) Assert.That(Psnr(clip[i], back[i], 3), Is.GreaterThan(38.0), $"frame {i}");
    }

    [Test]
    public void Hdr10StreamCarriesMasteringDisplayMetadata()
    {
        string path = Path.Combine(_dir, "hdr10.mp4");
        WriteClip(path, new VideoWriterOptions { Codec = VideoCodec.Hevc10, Transfer = VideoTransfer.Pq, Preset = "ultrafast", MaxCll = 1000, MaxFall = 400 }, 64, 64, 1);
        string frames = ExternalTools.RunText("ffprobe", "-v", "error", "-select_streams", "v:0", "-read_intervals", "%+#1", "-show_frames", "-of", "json", path);
        Assert.That(frames, Does.Contain("Mastering display metadata"));
        Assert.That(frames, Does.Contain("Content light level metadata"));
        Assert.That(frames, Does.Contain("\"max_luminance\": \"10000000/10000\""));
    }

    [Test]
    public void ReadsASubrangeOfFramesExactly()
    {
        string path = Path.Combine(_dir, "range.mov");
        WriteClip(path, new VideoWriterOptions { Codec = VideoCodec.ProRes4444 }, 32, 32, 6);
        var r = FfmpegVideoReader.Open(path);
        var all = r.ReadFrames().ToList();
        var some = r.ReadFrames(2, 3).ToList();
        Assert.That(some, Has.Count.EqualTo(3));
        for (int i = 0; i < 3; i++) Assert.That(some[i].Data, Is.EqualTo(all[i + 2].Data), $"frame {i + 2}");
        Assert.That(r.ReadFrames(4).Count(), Is.EqualTo(2));
        // Stopping early must not hang or leave ffmpeg behind.
        Assert.That(r.ReadFrames().Take(1).Count(), Is.EqualTo(1));
        Assert.Throws<ImageIOException>(() => r.ReadFrames(10).ToList());
    }

    [Test]
    public void ReadsVideoMadeByFfmpegWithRgbOrder()
    {
        // A pure red/green/blue clip from ffmpeg's own lavfi source checks that the G,B,R plane order is undone.
        string path = Path.Combine(_dir, "red.mov");
        ExternalTools.Run("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "color=c=red:s=32x16:r=10:d=0.3", "-c:v", "prores_ks", "-profile:v", "4444",
            "-pix_fmt", "yuv444p10le", "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709", path);
        var r = FfmpegVideoReader.Open(path);
        Assert.That(r.Info.FrameCount, Is.EqualTo(3));
        var f = r.ReadFrames(0, 1).Single();
        Assert.That(f[0, 8, 8], Is.EqualTo(1f).Within(0.02f));
        Assert.That(f[1, 8, 8], Is.EqualTo(0f).Within(0.02f));
        Assert.That(f[2, 8, 8], Is.EqualTo(0f).Within(0.02f));
    }

    [Test]
    public void FailureDeletesTempAndReportsFfmpegsMessage()
    {
        string path = Path.Combine(_dir, "bad.mp4");
        var o = new VideoWriterOptions { Codec = VideoCodec.Hevc10, Preset = "no-such-preset" };
        var e = Assert.Throws<ImageIOException>(() => WriteClip(path, o, 64, 64, 40))!;
        Assert.That(e.Message, Does.Contain(path));
        Assert.That(e.Message.Length, Is.GreaterThan(path.Length + 30));
        Assert.That(Directory.GetFiles(_dir), Is.Empty, "neither the target nor a temporary file may remain");
    }

    [Test]
    public void DisposeWithoutCompleteLeavesNothing()
    {
        string path = Path.Combine(_dir, "abandoned.mov");
        using (var w = new FfmpegVideoWriter(path, 32, 32))
            w.WriteFrame(Frame(32, 32, 0));
        Assert.That(Directory.GetFiles(_dir), Is.Empty);
    }

    [Test]
    public void MissingFfmpegIsAClearError()
    {
        string old = FfmpegTools.FfmpegPath, oldProbe = FfmpegTools.FfprobePath;
        try
        {
            FfmpegTools.FfmpegPath = "/nonexistent/ffmpeg";
            FfmpegTools.FfprobePath = "/nonexistent/ffprobe";
            var e = Assert.Throws<ImageIOException>(() => new FfmpegVideoWriter(Path.Combine(_dir, "x.mov"), 16, 16))!;
            Assert.That(e.Message, Does.Contain("HDROFX_FFMPEG"));
            string existing = Path.Combine(_dir, "exists.mov");
            File.WriteAllText(existing, "x");
            Assert.Throws<ImageIOException>(() => FfmpegVideoReader.Open(existing));
            Assert.That(FfmpegTools.IsAvailable("/nonexistent/ffmpeg"), Is.False);
        }
        finally { FfmpegTools.FfmpegPath = old; FfmpegTools.FfprobePath = oldProbe; }
    }

    [Test]
    public void NonVideoAndMissingFilesThrow()
    {
        string text = Path.Combine(_dir, "notes.mov");
        File.WriteAllText(text, "this is not a video at all");
        Assert.Throws<ImageIOException>(() => FfmpegVideoReader.Open(text));
        Assert.Throws<ImageIOException>(() => FfmpegVideoReader.Open(Path.Combine(_dir, "missing.mov")));
    }

    [Test]
    public void TruncatedVideoThrowsOrYieldsFewerFrames()
    {
        string path = Path.Combine(_dir, "cut.mov");
        WriteClip(path, new VideoWriterOptions { Codec = VideoCodec.ProRes4444 }, 64, 48, 8);
        byte[] b = File.ReadAllBytes(path);
        // mov keeps its index (moov) at the end by default: cutting it off makes the file unreadable.
        File.WriteAllBytes(path, b[..(b.Length / 2)]);
        Assert.Throws<ImageIOException>(() => FfmpegVideoReader.Open(path).ReadFrames().ToList());
    }

    [Test]
    public void RejectsBadArguments()
    {
        Assert.Throws<ArgumentException>(() => new FfmpegVideoWriter(Path.Combine(_dir, "odd.mp4"), 33, 32, new VideoWriterOptions { Codec = VideoCodec.Hevc10 }));
        Assert.Throws<ArgumentException>(() => new FfmpegVideoWriter(Path.Combine(_dir, "p.mp4"), 32, 32));
        Assert.Throws<ArgumentException>(() => new FfmpegVideoWriter(Path.Combine(_dir, "p.avi"), 32, 32));
        string input = Path.Combine(_dir, "in.mov");
        File.WriteAllText(input, "x");
        Assert.Throws<IOException>(() => new FfmpegVideoWriter(input, 32, 32, new VideoWriterOptions { ProtectedInputs = [input] }));
        Assert.That(Directory.GetFiles(_dir), Is.EqualTo(new[] { input }));
    }

    [Test]
    public void EncodeSceneLinearPutsReferenceWhiteWhereBt2408Says()
    {
        var white = new ImageF(2, 2, 3);
        white.Data.AsSpan().Fill(1f);
        var pq = VideoFrameEncoding.Encode(white, VideoTransfer.Pq);
        var hlg = VideoFrameEncoding.Encode(white, VideoTransfer.Hlg);
        // BT.2408: 203 cd/m² ≈ 58 % PQ; HLG reference white at 75 %. White stays white through the 709→2020 matrix.
        Assert.That(pq.Data, Is.All.EqualTo(0.5807f).Within(2e-4f));
        Assert.That(hlg.Data, Is.All.EqualTo(0.75f).Within(1e-4f));
    }
}
