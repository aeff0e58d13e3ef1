using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.IO;
using HdrOfx.Engine.IO.Png;
using HdrOfx.Engine.IO.Tiff;
using HdrOfx.Engine.Tests.IO.Png;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.IO.Tiff;

/// <summary>
/// TIFFs written by independent tools (oiiotool, libtiff's tiffcp, ffmpeg) from a PNG whose exact code values we know
/// (the PNG tests check them against ffmpeg and oiiotool) must read back to those values.
/// </summary>
public class TiffTests
{
    private string _dir = "";

    [SetUp] public void SetUp() => _dir = ExternalTools.TempDir();
    [TearDown] public void TearDown() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    /// <summary>Writes a source PNG (odd size, so tiles and strips are partial) and returns the values it holds.</summary>
    private ImageF Source(int ch, int depth, out string path, bool opaque = false)
    {
        var img = PngTests.TestImage(45, 37, ch, seed: ch + depth);
        // OIIO stores RGBA TIFFs premultiplied (associated alpha); opaque alpha keeps the colour values comparable.
        if (opaque && ch == 4) img.Plane(3).Fill(1f);
        path = Path.Combine(_dir, $"src{ch}_{depth}.png");
        PngWriter.Write(path, img, depth);
        float max = (1 << depth) - 1;
        for (int i = 0; i < img.Data.Length; i++) img.Data[i] = PngWriter.Quantize(img.Data[i], depth) / max;
        return img;
    }

    private static void AssertSame(ImageF expect, ImageF got, float tol = 0f)
    {
        Assert.That((got.Width, got.Height, got.Channels), Is.EqualTo((expect.Width, expect.Height, expect.Channels)));
        for (int c = 0; c < expect.Channels; c++)
            for (int y = 0; y < expect.Height; y++)
                for (int x = 0; x < expect.Width; x++)
                {
                    float e = expect[c, y, x], g = got[c, y, x];
                    if (tol == 0f) Assert.That(g, Is.EqualTo(e), $"({x},{y}) channel {c}");
                    else Assert.That(g, Is.EqualTo(e).Within(tol * Math.Max(1f, Math.Abs(e))), $"({x},{y}) channel {c}");
                }
    }

    [TestCase(3, 8, "none", "")] [TestCase(3, 8, "lzw", "")] [TestCase(3, 8, "zip", "")] [TestCase(3, 8, "packbits", "")]
    [TestCase(3, 16, "none", "")] [TestCase(3, 16, "lzw", "")] [TestCase(3, 16, "zip", "")] [TestCase(3, 16, "packbits", "")]
    [TestCase(3, 16, "lzw", "tile")] [TestCase(3, 16, "zip", "separate")] [TestCase(3, 16, "lzw", "tile separate")]
    [TestCase(4, 16, "lzw", "")] [TestCase(4, 8, "zip", "tile")] [TestCase(1, 16, "zip", "")] [TestCase(1, 8, "packbits", "tile")]
    public void ReadsIntegerTiffsFromOiiotool(int ch, int depth, string compression, string layout)
    {
        ExternalTools.Require("oiiotool");
        var expect = Source(ch, depth, out string png, opaque: true);
        string tif = Path.Combine(_dir, "o.tif");
        var args = new List<string> { png, "-d", depth == 8 ? "uint8" : "uint16", "--compression", compression };
        if (layout.Contains("tile")) args.AddRange(["--tile", "16", "16"]);
        if (layout.Contains("separate")) args.AddRange(["--planarconfig", "separate"]);
        args.AddRange(["-o", tif]);
        ExternalTools.Run("oiiotool", args.ToArray());
        AssertSame(expect, TiffReader.Read(tif));
    }

    [TestCase("float", "none", "")] [TestCase("float", "zip", "")] [TestCase("float", "lzw", "tile")] [TestCase("half", "zip", "")]
    [TestCase("float", "zip", "separate")]
    public void ReadsFloatTiffsFromOiiotoolIncludingOutOfRangeValues(string type, string compression, string layout)
    {
        ExternalTools.Require("oiiotool");
        var expect = Source(3, 16, out string png);
        // Scale to HDR values and negatives: out = v * (4, -2, 100).
        float[] k = [4f, -2f, 100f];
        for (int c = 0; c < 3; c++) foreach (ref float v in expect.Plane(c)) v *= k[c];
        string tif = Path.Combine(_dir, "f.tif");
        var args = new List<string> { png, "-d", "float", "--mulc", "4,-2,100", "-d", type, "--compression", compression };
        if (layout.Contains("tile")) args.AddRange(["--tile", "16", "16"]);
        if (layout.Contains("separate")) args.AddRange(["--planarconfig", "separate"]);
        args.AddRange(["-o", tif]);
        ExternalTools.Run("oiiotool", args.ToArray());
        AssertSame(expect, TiffReader.Read(tif), type == "half" ? 1e-3f : 1e-6f);
    }

    /// <summary>libtiff's own tiffcp rewrites files: big-endian, predictors 2 and 3, strips of 3 rows, tiles, planar.</summary>
    /// <remarks>
    /// No big-endian float file with predictor 3: libtiff 4.5's tiffcp writes those in a form libtiff itself then misreads
    /// (checked with oiiotool --dumpdata), so it is no reference; nor tiled planar output, which tiffcp 4.5 scrambles (oiiotool --diff).
    /// </remarks>
    [TestCase("-B -c none", 16, false)] [TestCase("-B -c lzw:2", 16, false)] [TestCase("-B -c zip:2", 16, true)] [TestCase("-B -c packbits -t -w 16 -l 32", 16, false)]
    [TestCase("-L -c lzw:2 -r 3", 8, false)] [TestCase("-B -c lzw:2 -r 3", 8, false)] [TestCase("-L -c zip:2 -r 7", 16, true)]
    [TestCase("-L -c zip:3 -r 5", 32, false)] [TestCase("-L -c lzw:3", 32, true)] [TestCase("-L -c lzw:3 -t -w 16 -l 16", 32, false)]
    [TestCase("-B -c none -t -w 16 -l 16", 32, false)] [TestCase("-B -c zip", 32, true)] [TestCase("-B -c lzw:2 -r 5", 16, true)]
    public void ReadsTiffsRewrittenByTiffcp(string options, int depth, bool separate)
    {
        ExternalTools.Require("oiiotool");
        ExternalTools.Require("tiffcp");
        var expect = Source(3, depth == 8 ? 8 : 16, out string png);
        string baseTif = Path.Combine(_dir, "base.tif"), tif = Path.Combine(_dir, "cp.tif");
        ExternalTools.Run("oiiotool", png, "-d", depth switch { 8 => "uint8", 16 => "uint16", _ => "float" }, "--compression", "none",
            "--planarconfig", separate ? "separate" : "contig", "-o", baseTif);
        var args = options.Split(' ').ToList();
        args.AddRange([baseTif, tif]);
        ExternalTools.Run("tiffcp", args.ToArray());
        if (options.StartsWith("-B")) Assert.That(File.ReadAllBytes(tif)[..2], Is.EqualTo("MM"u8.ToArray()));
        AssertSame(expect, TiffReader.Read(tif), depth == 32 ? 1e-6f : 0f);
    }

    [TestCase("rgb48le", "deflate", 3, 16)] [TestCase("rgba64le", "lzw", 4, 16)] [TestCase("gray16le", "packbits", 1, 16)]
    [TestCase("rgb24", "raw", 3, 8)] [TestCase("rgba", "lzw", 4, 8)] [TestCase("gray", "deflate", 1, 8)]
    public void ReadsTiffsFromFfmpeg(string pixFmt, string algo, int ch, int depth)
    {
        ExternalTools.Require("ffmpeg");
        var expect = Source(ch, depth, out string png);
        string tif = Path.Combine(_dir, "ff.tif");
        ExternalTools.Run("ffmpeg", "-v", "error", "-y", "-i", png, "-pix_fmt", pixFmt, "-compression_algo", algo, tif);
        AssertSame(expect, TiffReader.Read(tif));
    }

    private void AssertRejected(string path, string expectInMessage)
    {
        var e = Assert.Throws<ImageIOException>(() => TiffReader.Read(path))!;
        Assert.That(e.Message, Does.Contain(path));
        Assert.That(e.Message, Does.Contain(expectInMessage).IgnoreCase);
    }

    [Test]
    public void UnsupportedFeaturesAreNamed()
    {
        ExternalTools.Require("oiiotool");
        Source(3, 8, out string png);
        string jpeg = Path.Combine(_dir, "j.tif"), signed = Path.Combine(_dir, "s.tif");
        ExternalTools.Run("oiiotool", png, "-d", "uint8", "--compression", "jpeg", "-o", jpeg);
        AssertRejected(jpeg, "JPEG");
        ExternalTools.Run("oiiotool", png, "-d", "int16", "-o", signed);
        AssertRejected(signed, "signed");
    }

    [Test]
    public void PaletteTiffIsRejectedClearly()
    {
        ExternalTools.Require("ffmpeg");
        Source(3, 8, out string png);
        string pal = Path.Combine(_dir, "p.tif");
        ExternalTools.Run("ffmpeg", "-v", "error", "-y", "-i", png, "-pix_fmt", "pal8", pal);
        AssertRejected(pal, "palette");
    }

    [Test]
    public void TruncatedCorruptAndNonTiffFilesThrow()
    {
        ExternalTools.Require("oiiotool");
        Source(3, 16, out string png);
        string good = Path.Combine(_dir, "g.tif");
        ExternalTools.Run("oiiotool", png, "-d", "uint16", "--compression", "lzw", "-o", good);
        byte[] b = File.ReadAllBytes(good);
        string bad = Path.Combine(_dir, "bad.tif");
        foreach (int cut in new[] { 0, 3, 7, 12, b.Length / 3, b.Length / 2 })
        {
            File.WriteAllBytes(bad, b[..cut]);
            var e = Assert.Throws<ImageIOException>(() => TiffReader.Read(bad), $"cut at {cut}")!;
            Assert.That(e.Message, Does.Contain(bad));
        }
        File.WriteAllText(bad, "just some text, certainly not a TIFF");
        AssertRejected(bad, "not a TIFF");
        Assert.Throws<ImageIOException>(() => TiffReader.Read(Path.Combine(_dir, "missing.tif")));
    }

    [Test]
    public void CorruptLzwDataThrows()
    {
        ExternalTools.Require("oiiotool");
        Source(3, 16, out string png);
        string good = Path.Combine(_dir, "g.tif");
        ExternalTools.Run("oiiotool", png, "-d", "uint16", "--compression", "lzw", "-o", good);
        byte[] b = File.ReadAllBytes(good);
        // oiiotool writes pixel data right after the 8-byte header; scramble it.
        var rng = new Random(5);
        for (int i = 8; i < Math.Min(b.Length, 600); i++) b[i] = (byte)rng.Next(256);
        string bad = Path.Combine(_dir, "bad.tif");
        File.WriteAllBytes(bad, b);
        Assert.Throws<ImageIOException>(() => TiffReader.Read(bad));
    }
}
