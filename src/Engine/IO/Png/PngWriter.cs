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
    /// <param name="level">zlib effort: Optimal (default) or Fastest (≈ 2–3× faster, ≈ 1.5–2× larger)</param>
    public static void Write(string path, ImageF encoded, int bitDepth, IEnumerable<string>? protectedInputs = null, bool srgbChunk = false,
        CompressionLevel level = CompressionLevel.Optimal)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        byte[] bytes = Encode(encoded, bitDepth, srgbChunk, level);
        AtomicFile.WriteBytes(path, bytes, protectedInputs);
    }

    /// <summary>Quantizes one display-encoded value the way <see cref="Write"/> does.</summary>
    public static int Quantize(float v, int bitDepth)
    {
        int max = (1 << bitDepth) - 1;
        if (!(v > 0f)) return 0; // also NaN
        if (v >= 1f) return max;
        return (int)((double)v * max + 0.5); // round half up (v > 0 here)
    }

    public static byte[] Encode(ImageF img, int bitDepth, bool srgbChunk = false, CompressionLevel level = CompressionLevel.Optimal)
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
            using (var z = new ZLibStream(idat, level, leaveOpen: true))
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
            ApplyFilter(f, raw, prev, trial, bpp);
            long score = 0;
            foreach (byte v in trial) score += v < 128 ? v : 256 - v; // |signed byte|
            if (score < bestScore)
            {
                bestScore = score;
                best[0] = (byte)f;
                trial.AsSpan().CopyTo(best.AsSpan(1));
            }
        }
    }

    /// <summary>One loop per filter type (no per-byte switch): the first <paramref name="bpp"/> bytes have no left neighbour.</summary>
    private static void ApplyFilter(int f, byte[] raw, byte[] prev, byte[] o, int bpp)
    {
        int n = raw.Length, head = Math.Min(bpp, n);
        switch (f)
        {
            case 0:
                raw.AsSpan().CopyTo(o);
                break;
            case 1:
                for (int i = 0; i < head; i++) o[i] = raw[i];
                for (int i = bpp; i < n; i++) o[i] = (byte)(raw[i] - raw[i - bpp]);
                break;
            case 2:
                for (int i = 0; i < n; i++) o[i] = (byte)(raw[i] - prev[i]);
                break;
            case 3:
                for (int i = 0; i < head; i++) o[i] = (byte)(raw[i] - (prev[i] >> 1));
                for (int i = bpp; i < n; i++) o[i] = (byte)(raw[i] - ((raw[i - bpp] + prev[i]) >> 1));
                break;
            default:
                for (int i = 0; i < head; i++) o[i] = (byte)(raw[i] - prev[i]);
                for (int i = bpp; i < n; i++) o[i] = (byte)(raw[i] - PngReader.Paeth(raw[i - bpp], prev[i], prev[i - bpp]));
                break;
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
