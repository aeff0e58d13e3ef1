using System.Buffers.Binary;
using System.IO.Compression;
using HdrOfx.Engine.Imaging;

namespace HdrOfx.Engine.IO.Png;

/// <summary>
/// Writes display-encoded images as PNG. Values are clamped to [0,1] (NaN → 0) and quantized as
/// round(v · (2^depth − 1)), halves away from zero. 1/2/3/4 channels → gray / gray+alpha / RGB / RGBA.
/// Each row uses the filter with the smallest sum of absolute signed bytes (the libpng heuristic).
/// The file appears atomically (temp file + rename, <see cref="AtomicFile"/>).
/// </summary>
public static class PngWriter
{
    /// <param name="encoded">display-encoded values in [0,1]</param>
    /// <param name="bitDepth">8 or 16</param>
    /// <param name="protectedInputs">paths that must not be overwritten</param>
    /// <param name="srgbChunk">also write an sRGB chunk (perceptual intent) saying the data are sRGB-encoded</param>
    public static void Write(string path, ImageF encoded, int bitDepth, IEnumerable<string>? protectedInputs = null, bool srgbChunk = false)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        byte[] bytes = Encode(encoded, bitDepth, srgbChunk);
        AtomicFile.WriteBytes(path, bytes, protectedInputs);
    }

    /// <summary>Quantizes one display-encoded value the way <see cref="Write"/> does.</summary>
    public static int Quantize(float v, int bitDepth)
    {
        int max = (1 << bitDepth) - 1;
        if (!(v > 0f)) return 0; // also NaN
        if (v >= 1f) return max;
        return (int)Math.Round((double)v * max, MidpointRounding.AwayFromZero);
    }

    public static byte[] Encode(ImageF img, int bitDepth, bool srgbChunk = false)
    {
        ArgumentNullException.ThrowIfNull(img);
        if (bitDepth is not (8 or 16)) throw new ArgumentOutOfRangeException(nameof(bitDepth), $"PNG bit depth {bitDepth} must be 8 or 16");
        int ch = img.Channels;
        byte colorType = ch switch { 1 => 0, 2 => 4, 3 => 2, _ => 6 };
        int bps = bitDepth / 8;
        int bpp = ch * bps;
        long rowBytesL = (long)img.Width * bpp;
        if (rowBytesL + 1 > int.MaxValue / 2) throw new ArgumentException($"image {img.Width} wide is too wide for PNG", nameof(img));
        int rowBytes = (int)rowBytesL;

        using var ms = new MemoryStream();
        ms.Write(PngReader.Signature);
        Span<byte> ihdr = stackalloc byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, (uint)img.Width);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr[4..], (uint)img.Height);
        ihdr[8] = (byte)bitDepth; ihdr[9] = colorType; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
        WriteChunk(ms, "IHDR", ihdr);
        if (srgbChunk)
        {
            WriteChunk(ms, "sRGB", [0]);
            // gAMA and cHRM that match sRGB, as the spec recommends for readers that ignore sRGB.
            Span<byte> g = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(g, 45455);
            WriteChunk(ms, "gAMA", g);
        }

        using (var idat = new MemoryStream())
        {
            using (var z = new ZLibStream(idat, CompressionLevel.Optimal, leaveOpen: true))
            {
                var raw = new byte[rowBytes];
                var prev = new byte[rowBytes];
                var trial = new byte[rowBytes];
                var best = new byte[rowBytes + 1];
                int plane = img.PlaneSize;
                var d = img.Data;
                for (int y = 0; y < img.Height; y++)
                {
                    int rb = y * img.Width;
                    for (int x = 0; x < img.Width; x++)
                        for (int c = 0; c < ch; c++)
                        {
                            int q = Quantize(d[c * plane + rb + x], bitDepth);
                            int o = x * bpp + c * bps;
                            if (bps == 1) raw[o] = (byte)q;
                            else { raw[o] = (byte)(q >> 8); raw[o + 1] = (byte)q; }
                        }
                    ChooseFilter(raw, prev, trial, best, bpp, y == 0);
                    z.Write(best);
                    (prev, raw) = (raw, prev);
                }
            }
            // Split into 1 MiB IDAT chunks.
            var all = idat.GetBuffer().AsSpan(0, (int)idat.Length);
            const int maxChunk = 1 << 20;
            for (int o = 0; o < all.Length; o += maxChunk)
                WriteChunk(ms, "IDAT", all.Slice(o, Math.Min(maxChunk, all.Length - o)));
            if (all.Length == 0) WriteChunk(ms, "IDAT", []);
        }
        WriteChunk(ms, "IEND", []);
        return ms.ToArray();
    }

    private static void ChooseFilter(byte[] raw, byte[] prev, byte[] trial, byte[] best, int bpp, bool firstRow)
    {
        long bestScore = long.MaxValue;
        int n = raw.Length;
        // On the first row Up/Average/Paeth degenerate; None and Sub are enough.
        int last = firstRow ? 1 : 4;
        for (int f = 0; f <= last; f++)
        {
            long score = 0;
            for (int i = 0; i < n; i++)
            {
                byte a = i >= bpp ? raw[i - bpp] : (byte)0;
                byte b = prev[i];
                byte c = i >= bpp ? prev[i - bpp] : (byte)0;
                byte v = f switch
                {
                    0 => raw[i],
                    1 => (byte)(raw[i] - a),
                    2 => (byte)(raw[i] - b),
                    3 => (byte)(raw[i] - ((a + b) >> 1)),
                    _ => (byte)(raw[i] - PngReader.Paeth(a, b, c)),
                };
                trial[i] = v;
                int sv = (sbyte)v;
                score += sv < 0 ? -sv : sv;
            }
            if (score < bestScore)
            {
                bestScore = score;
                best[0] = (byte)f;
                trial.AsSpan().CopyTo(best.AsSpan(1));
            }
        }
    }

    private static void WriteChunk(Stream s, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> head = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(head, (uint)data.Length);
        for (int i = 0; i < 4; i++) head[4 + i] = (byte)type[i];
        s.Write(head);
        s.Write(data);
        uint crc = Crc32.Update(0xFFFFFFFFu, head[4..]);
        crc = Crc32.Update(crc, data) ^ 0xFFFFFFFFu;
        Span<byte> tail = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(tail, crc);
        s.Write(tail);
    }
}
