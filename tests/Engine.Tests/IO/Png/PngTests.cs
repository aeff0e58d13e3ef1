using System.Buffers.Binary;
using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.IO;
using HdrOfx.Engine.IO.Png;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.IO.Png;

public class PngTests
{
    private string _dir = "";

    [SetUp] public void SetUp() => _dir = ExternalTools.TempDir();
    [TearDown] public void TearDown() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    /// <summary>Deterministic test image with edges, ramps, out-of-range values and NaN.</summary>
    internal static ImageF TestImage(int w, int h, int ch, int seed = 1)
    {
        var img = new ImageF(w, h, ch);
        var rng = new Random(seed);
        for (int c = 0; c < ch; c++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    img[c, y, x] = (x + y) % 5 == 0 ? (float)rng.NextDouble() : (float)(x + 2 * y + 7 * c) / (w + 2 * h + 7 * ch);
        img[0, 0, 0] = -0.5f; img[0, 0, 1] = 1.5f; img[0, 1, 0] = float.NaN; img[0, 1, 1] = 1f;
        return img;
    }

    private static int Q(float v, int depth) => PngWriter.Quantize(v, depth);

    [Test]
    public void The_branch_free_paeth_row_matches_the_predictor_for_every_input()
    {
        // The spec's predictor (PNG 1.2 §6.6), written out here as the reference, over all 2^24 (a, b, c).
        static int Reference(int a, int b, int c)
        {
            int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
            return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
        }
        Span<byte> cur = stackalloc byte[2], prev = stackalloc byte[2];
        for (int a = 0; a < 256; a++)
            for (int b = 0; b < 256; b++)
                for (int c = 0; c < 256; c++)
                {
                    // One pixel of one byte: a to the left, b above, c above-left; the filtered byte 0 decodes to the prediction.
                    cur[0] = (byte)a; cur[1] = 0; prev[0] = (byte)c; prev[1] = (byte)b;
                    PngReader.PaethRow(cur, prev, 1);
                    if (cur[1] != Reference(a, b, c)) Assert.Fail($"Paeth({a}, {b}, {c}) = {cur[1]}, expected {Reference(a, b, c)}");
                }
    }

    [Test]
    public void The_vector_paeth_and_up_rows_match_the_scalar_predictor([Values(1, 2, 3, 4, 6, 8)] int bpp)
    {
        // Random and nearly flat rows (ties between a, b and c), every length up to 80 so that each vector loop's tail runs.
        var rng = new Random(bpp);
        for (int n = 0; n <= 80; n++)
            for (int trial = 0; trial < 20; trial++)
            {
                int spread = trial % 2 == 0 ? 256 : 3;
                var prev = new byte[n];
                var filtered = new byte[n];
                rng.NextBytes(filtered);
                for (int i = 0; i < n; i++) prev[i] = (byte)(100 + rng.Next(spread));
                if (trial % 2 == 1) for (int i = 0; i < n; i++) filtered[i] = (byte)rng.Next(3);

                var want = (byte[])filtered.Clone();
                for (int i = 0; i < n; i++)
                    want[i] += i < bpp ? prev[i] : PngReader.Paeth(want[i - bpp], prev[i], prev[i - bpp]);
                var got = (byte[])filtered.Clone();
                for (int i = 0; i < Math.Min(bpp, n); i++) got[i] += prev[i];
                PngReader.PaethRow(got, prev, bpp);
                Assert.That(got, Is.EqualTo(want), $"Paeth, {n} bytes, trial {trial}");

                var up = (byte[])filtered.Clone();
                PngReader.UpRow(up, prev);
                Assert.That(up, Is.EqualTo(filtered.Select((f, i) => (byte)(f + prev[i])).ToArray()), $"Up, {n} bytes");
            }
    }

    [Test]
    public void Rgb_rows_in_vector_lanes_store_the_scalar_rows_floats([Values(3, 4)] int spp, [Values(8, 16)] int depth)
    {
        // Every width up to 40 (each vector step's tail, rows too short for one 16-byte load) and a 1080p row; every code value.
        var rng = new Random(spp * depth);
        foreach (int w in Enumerable.Range(0, 41).Append(1921))
        {
            int plane = w + 5;
            var row = new byte[w * spp * depth / 8];
            rng.NextBytes(row);
            if (w == 1921) for (int i = 0; i < row.Length; i++) row[i] = (byte)i;
            var want = new float[spp * plane];
            var got = new float[spp * plane];
            want.AsSpan().Fill(-1f);
            got.AsSpan().Fill(-1f);
            PngReader.StoreRgbRowScalar(row, want, plane, w, spp, depth);
            PngReader.StoreRgbRow(row, got, plane, w, spp, depth);
            Assert.That(got.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(want.Select(BitConverter.SingleToInt32Bits)), $"width {w}");
        }
    }

    [Test]
    public void Crc_by_16_byte_slices_equals_the_bytewise_crc()
    {
        var rng = new Random(11);
        var data = new byte[5000];
        rng.NextBytes(data);
        Assert.That(Crc32.Compute("123456789"u8), Is.EqualTo(0xCBF43926u), "the check value of CRC-32/ISO-HDLC");
        foreach (int length in Enumerable.Range(0, 70).Append(4997))
            for (int offset = 0; offset < 3; offset++)
            {
                var span = data.AsSpan(offset, length);
                Assert.That(Crc32.Update(0xFFFFFFFFu, span), Is.EqualTo(Crc32.UpdateBytewise(0xFFFFFFFFu, span)), $"{length} bytes at {offset}");
            }
    }

    [Test]
    public void QuantizeClampsAndRoundsHalfUp()
    {
        Assert.That(Q(-1f, 8), Is.EqualTo(0));
        Assert.That(Q(float.NaN, 8), Is.EqualTo(0));
        Assert.That(Q(2f, 16), Is.EqualTo(65535));
        Assert.That(Q(0.5f, 8), Is.EqualTo(128)); // 127.5 rounds up
        Assert.That(Q(1f / 255f, 8), Is.EqualTo(1));
    }

    [TestCase(1, 8)] [TestCase(3, 8)] [TestCase(4, 8)] [TestCase(1, 16)] [TestCase(3, 16)] [TestCase(4, 16)] [TestCase(2, 16)]
    public void RoundTripsThroughOwnReaderExactly(int ch, int depth)
    {
        var img = TestImage(37, 23, ch);
        string path = Path.Combine(_dir, "rt.png");
        PngWriter.Write(path, img, depth);
        var back = PngReader.Read(path, out var info);
        Assert.That(info.BitDepth, Is.EqualTo(depth));
        int expectCh = ch == 2 ? 4 : ch;
        Assert.That(back.Channels, Is.EqualTo(expectCh));
        float max = (1 << depth) - 1;
        for (int y = 0; y < img.Height; y++)
            for (int x = 0; x < img.Width; x++)
            {
                if (ch == 2)
                {
                    for (int c = 0; c < 3; c++) Assert.That(back[c, y, x], Is.EqualTo(Q(img[0, y, x], depth) / max));
                    Assert.That(back[3, y, x], Is.EqualTo(Q(img[1, y, x], depth) / max));
                }
                else
                    for (int c = 0; c < ch; c++) Assert.That(back[c, y, x], Is.EqualTo(Q(img[c, y, x], depth) / max));
            }
    }

    [TestCase(1, 8, "gray")] [TestCase(3, 8, "rgb24")] [TestCase(4, 8, "rgba")]
    [TestCase(1, 16, "gray16le")] [TestCase(3, 16, "rgb48le")] [TestCase(4, 16, "rgba64le")]
    public void FfmpegDecodesWrittenPngToTheQuantizedValues(int ch, int depth, string pixFmt)
    {
        ExternalTools.Require("ffmpeg");
        var img = TestImage(41, 17, ch, seed: ch * depth);
        string path = Path.Combine(_dir, "out.png");
        PngWriter.Write(path, img, depth);
        byte[] raw = ExternalTools.Run("ffmpeg", "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", pixFmt, "-");
        int bps = depth / 8;
        Assert.That(raw.Length, Is.EqualTo(img.Width * img.Height * ch * bps));
        for (int y = 0; y < img.Height; y++)
            for (int x = 0; x < img.Width; x++)
                for (int c = 0; c < ch; c++)
                {
                    int o = ((y * img.Width + x) * ch + c) * bps;
                    int v = bps == 1 ? raw[o] : raw[o] | (raw[o + 1] << 8);
                    Assert.That(v, Is.EqualTo(Q(img[c, y, x], depth)), $"pixel ({x},{y}) channel {c}");
                }
    }

    [Test]
    public void OiiotoolDecodesWrittenPngToTheQuantizedValues()
    {
        ExternalTools.Require("oiiotool");
        var img = TestImage(9, 5, 3, seed: 7);
        string path = Path.Combine(_dir, "o.png");
        PngWriter.Write(path, img, 16);
        string dump = ExternalTools.RunText("oiiotool", "--dumpdata", path);
        var lines = dump.Split('\n').Where(l => l.TrimStart().StartsWith("Pixel (", StringComparison.Ordinal)).ToArray();
        Assert.That(lines, Has.Length.EqualTo(9 * 5));
        foreach (var line in lines)
        {
            // "    Pixel (x, y): a b c (fa fb fc)"
            var head = line[(line.IndexOf('(') + 1)..line.IndexOf(')')].Split(',');
            int x = int.Parse(head[0]), y = int.Parse(head[1].Trim());
            var vals = line[(line.IndexOf(':') + 1)..].Trim().Split(' ').Take(3).Select(int.Parse).ToArray();
            for (int c = 0; c < 3; c++) Assert.That(vals[c], Is.EqualTo(Q(img[c, y, x], 16)), $"pixel ({x},{y}) channel {c}");
        }
    }

    /// <summary>Feeds ffmpeg raw samples in the PNG's own layout, so no conversion happens, and reads its PNG back.</summary>
    [TestCase("gray", 1, 8, "none")] [TestCase("gray16be", 1, 16, "sub")] [TestCase("rgb24", 3, 8, "up")]
    [TestCase("rgb48be", 3, 16, "avg")] [TestCase("rgba", 4, 8, "paeth")] [TestCase("rgba64be", 4, 16, "mixed")]
    [TestCase("ya8", 2, 8, "mixed")] [TestCase("ya16be", 2, 16, "paeth")] [TestCase("rgb24", 3, 8, "mixed")]
    public void ReadsPngsWrittenByFfmpeg(string pixFmt, int spp, int depth, string pred)
    {
        ExternalTools.Require("ffmpeg");
        int w = 53, h = 19, bps = depth / 8;
        var rng = new Random(spp * 31 + depth);
        var raw = new byte[w * h * spp * bps];
        for (int i = 0; i < raw.Length; i++) raw[i] = (byte)((i % 7 == 0) ? rng.Next(256) : (i * 3 / (spp * bps)) & 0xFF);
        string rawPath = Path.Combine(_dir, "in.raw"), png = Path.Combine(_dir, "ff.png");
        File.WriteAllBytes(rawPath, raw);
        ExternalTools.Run("ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", pixFmt, "-s", $"{w}x{h}", "-i", rawPath,
            "-pix_fmt", pixFmt, "-pred", pred, png);
        var img = PngReader.Read(png);
        float max = (1 << depth) - 1;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int s = 0; s < spp; s++)
                {
                    int o = ((y * w + x) * spp + s) * bps;
                    int v = bps == 1 ? raw[o] : (raw[o] << 8) | raw[o + 1];
                    int c = spp == 2 ? (s == 0 ? 0 : 3) : s;
                    Assert.That(img[c, y, x], Is.EqualTo(v / max), $"({x},{y}) sample {s}");
                    if (spp == 2 && s == 0) { Assert.That(img[1, y, x], Is.EqualTo(v / max)); Assert.That(img[2, y, x], Is.EqualTo(v / max)); }
                }
    }

    /// <summary>ImageMagick writes the variants ffmpeg cannot: low bit depths, palettes with tRNS, Adam7 interlacing.</summary>
    [TestCase("PNG8:", "", 8, PngColorType.Palette, false, true)]
    [TestCase("PNG8:", "-interlace PNG", 8, PngColorType.Palette, true, true)]
    [TestCase("PNG:", "-alpha off -colors 4 -define png:bit-depth=2 -define png:color-type=3", 4, PngColorType.Palette, false, false)]
    [TestCase("PNG:", "-alpha off -colors 16 -define png:bit-depth=4 -define png:color-type=3 -interlace PNG", 8, PngColorType.Palette, true, false)]
    [TestCase("PNG24:", "-interlace PNG", 8, PngColorType.Rgb, true, true)] // colour-key tRNS
    [TestCase("PNG48:", "-interlace PNG", 16, PngColorType.Rgb, true, true)]
    [TestCase("PNG64:", "-interlace PNG", 16, PngColorType.Rgba, true, false)]
    [TestCase("PNG32:", "-interlace PNG", 8, PngColorType.Rgba, true, false)]
    [TestCase("PNG:", "-alpha off -colorspace Gray -define png:bit-depth=1 -define png:color-type=0 -interlace PNG", 1, PngColorType.Gray, true, false)]
    [TestCase("PNG:", "-alpha off -colorspace Gray -define png:bit-depth=2 -define png:color-type=0", 2, PngColorType.Gray, false, false)]
    [TestCase("PNG:", "-alpha off -colorspace Gray -define png:bit-depth=4 -define png:color-type=0 -interlace PNG", 4, PngColorType.Gray, true, false)]
    [TestCase("PNG:", "-colorspace Gray -define png:bit-depth=8 -define png:color-type=4 -interlace PNG", 8, PngColorType.GrayAlpha, true, false)]
    [TestCase("PNG:", "-colorspace Gray -define png:bit-depth=16 -define png:color-type=4", 16, PngColorType.GrayAlpha, false, false)]
    [TestCase("PNG:", "-alpha off -colorspace Gray -define png:bit-depth=16 -define png:color-type=0 -interlace PNG", 16, PngColorType.Gray, true, false)]
    public void ReadsPngsWrittenByImageMagickLikeFfmpegDecodesThem(string prefix, string options, int depth, PngColorType type, bool interlaced, bool trns)
    {
        string convert = ExternalTools.RequireImageMagick();
        ExternalTools.Require("ffmpeg");
        // Source: a 16-bit RGBA PNG of our own, a ramp with noise and a checker of alpha 1 / 0.25; sizes leave Adam7 passes partial.
        var src = TestImage(29, 13, 4, seed: 3);
        for (int y = 0; y < src.Height; y++)
            for (int x = 0; x < src.Width; x++)
                src[3, y, x] = (x / 3 + y / 3) % 2 == 0 ? 1f : 0.25f;
        string srcPath = Path.Combine(_dir, "src.png"), outPath = Path.Combine(_dir, "im.png");
        PngWriter.Write(srcPath, src, 16);
        var args = new List<string> { srcPath };
        args.AddRange(options.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        args.Add(prefix + outPath);
        ExternalTools.Run(convert, args.ToArray());

        var img = PngReader.Read(outPath, out var info);
        Assert.That((info.BitDepth, info.ColorType, info.Interlaced, info.HasTransparency), Is.EqualTo((depth, type, interlaced, trns)));
        var reference = ExternalTools.FfmpegRgba(outPath, out int count, eightBit: info.BitDepth <= 8);
        Assert.That(count, Is.EqualTo(img.Width * img.Height));
        for (int y = 0; y < img.Height; y++)
            for (int x = 0; x < img.Width; x++)
            {
                int o = (y * img.Width + x) * 4;
                for (int c = 0; c < 4; c++)
                {
                    float expect = reference[o + c];
                    float got = img.Channels == 1 ? (c < 3 ? img[0, y, x] : 1f) : img.Channels == 3 ? (c < 3 ? img[c, y, x] : 1f) : img[c, y, x];
                    Assert.That(got, Is.EqualTo(expect).Within(1e-6f), $"({x},{y}) channel {c}, {info}");
                }
            }
    }

    [Test]
    public void ReportsSrgbAndGammaChunks()
    {
        string a = Path.Combine(_dir, "a.png"), b = Path.Combine(_dir, "b.png");
        var img = TestImage(4, 4, 3);
        PngWriter.Write(a, img, 8, srgbChunk: true);
        PngWriter.Write(b, img, 8);
        var ia = PngReader.ReadInfo(a);
        Assert.That(ia.HasSrgb, Is.True);
        Assert.That(ia.Gamma, Is.EqualTo(0.45455).Within(1e-9));
        var ib = PngReader.ReadInfo(b);
        Assert.That(ib.HasSrgb, Is.False);
        Assert.That(ib.Gamma, Is.Null);
    }

    [Test]
    public void RefusesToOverwriteProtectedInputAndLeavesNoTempFiles()
    {
        string p = Path.Combine(_dir, "in.png");
        PngWriter.Write(p, TestImage(3, 3, 1), 8);
        Assert.Throws<IOException>(() => PngWriter.Write(p, TestImage(3, 3, 1), 8, [p]));
        Assert.That(Directory.GetFiles(_dir), Has.Length.EqualTo(1));
    }

    [Test]
    public void RejectsBadBitDepth() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => PngWriter.Write(Path.Combine(_dir, "x.png"), TestImage(2, 2, 3), 12));

    private byte[] ValidPng()
    {
        string p = Path.Combine(_dir, "valid.png");
        PngWriter.Write(p, TestImage(16, 16, 3), 8);
        return File.ReadAllBytes(p);
    }

    private void AssertBad(byte[] bytes, string expectInMessage)
    {
        string p = Path.Combine(_dir, "bad.png");
        File.WriteAllBytes(p, bytes);
        var e = Assert.Throws<ImageIOException>(() => PngReader.Read(p))!;
        Assert.That(e.Message, Does.Contain(p));
        Assert.That(e.Message, Does.Contain(expectInMessage).IgnoreCase);
    }

    [Test]
    public void TruncatedFilesThrowImageIOException()
    {
        byte[] good = ValidPng();
        foreach (int cut in new[] { 0, 5, 8, 20, 33, 40, good.Length / 2, good.Length - 13, good.Length - 1 })
        {
            string p = Path.Combine(_dir, "t.png");
            File.WriteAllBytes(p, good[..cut]);
            var e = Assert.Throws<ImageIOException>(() => PngReader.Read(p), $"cut at {cut}")!;
            Assert.That(e.Message, Does.Contain(p));
        }
    }

    [Test]
    public void CorruptCrcIsDetected()
    {
        byte[] b = ValidPng();
        b[45] ^= 0x40; // inside IDAT (IHDR ends at 33, IDAT header 33..40)
        AssertBad(b, "CRC");
    }

    [Test]
    public void NonPngThrows() => AssertBad("hello, this is not an image"u8.ToArray(), "not a PNG");

    [Test]
    public void MissingFileThrows() =>
        Assert.Throws<ImageIOException>(() => PngReader.Read(Path.Combine(_dir, "nope.png")));

    [Test]
    public void HugeHeaderIsRejectedBeforeAllocating()
    {
        byte[] b = ValidPng();
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(16), 1_000_000);
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(20), 1_000_000);
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(29), Crc(b.AsSpan(12, 17)));
        AssertBad(b, "too large");
    }

    [Test]
    public void CorruptZlibDataThrows()
    {
        byte[] b = ValidPng();
        int len = (int)BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan(33));
        for (int i = 41; i < 41 + len; i++) b[i] = 0xFF;
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(41 + len), Crc(b.AsSpan(37, 4 + len)));
        AssertBad(b, "PNG");
    }

    private static uint Crc(ReadOnlySpan<byte> data)
    {
        // Independent bitwise CRC-32 (no table) to re-seal edited chunks.
        uint c = 0xFFFFFFFF;
        foreach (byte x in data)
        {
            c ^= x;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? (c >> 1) ^ 0xEDB88320 : c >> 1;
        }
        return ~c;
    }
}

public class PngFuzzTests
{
    [Test]
    public void FuzzedFilesOnlyThrowImageIOException()
    {
        var rng = new Random(99);
        foreach (int ch in new[] { 1, 3, 4 })
        {
            byte[] good = PngWriter.Encode(PngTests.TestImage(23, 17, ch), ch == 3 ? 16 : 8);
            for (int trial = 0; trial < 200; trial++)
            {
                byte[] b = (byte[])good.Clone();
                int flips = 1 + rng.Next(4);
                for (int k = 0; k < flips; k++) b[rng.Next(8, b.Length)] = (byte)rng.Next(256);
                ResealCrcs(b);
                try { PngReader.Decode(b, "fuzz", out _); }
                catch (ImageIOException) { }
            }
        }
    }

    /// <summary>Recomputes every chunk CRC so mutations reach the decoder instead of stopping at the CRC check.</summary>
    private static void ResealCrcs(byte[] b)
    {
        int pos = 8;
        while (pos + 12 <= b.Length)
        {
            long len = (uint)(b[pos] << 24 | b[pos + 1] << 16 | b[pos + 2] << 8 | b[pos + 3]);
            if (pos + 12 + len > b.Length) return;
            uint c = 0xFFFFFFFF;
            for (long i = pos + 4; i < pos + 8 + len; i++)
            {
                c ^= b[i];
                for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? (c >> 1) ^ 0xEDB88320 : c >> 1;
            }
            c = ~c;
            int o = (int)(pos + 8 + len);
            b[o] = (byte)(c >> 24); b[o + 1] = (byte)(c >> 16); b[o + 2] = (byte)(c >> 8); b[o + 3] = (byte)c;
            pos = o + 4;
        }
    }
}
