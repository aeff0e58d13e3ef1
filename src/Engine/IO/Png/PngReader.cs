using System.Buffers.Binary;
using System.IO.Compression;
using HdrOfx.Engine.Imaging;

namespace HdrOfx.Engine.IO.Png;

/// <summary>
/// Decodes PNG files (ISO/IEC 15948) into planar float images with values in [0,1].
/// Every bit depth (1/2/4/8/16), colour type, filter and Adam7 interlacing is handled; every chunk CRC is checked.
/// Channels: gray → 1; RGB and palette → 3; anything with alpha (gray+alpha, RGBA, palette or colour key with tRNS) → 4 (RGBA,
/// gray replicated). Values are the stored code values over (2^depth − 1): no transfer function is applied.
/// </summary>
public static class PngReader
{
    /// <summary>Largest accepted decoded size in samples; guards allocation against hostile headers.</summary>
    public const long MaxSamples = 1L << 30;

    internal static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    public static ImageF Read(string path) => Read(path, out _);

    public static ImageF Read(string path, out PngInfo info)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (FileNotFoundException e) { throw new ImageIOException($"PNG '{path}': file not found", e); }
        catch (DirectoryNotFoundException e) { throw new ImageIOException($"PNG '{path}': file not found", e); }
        return Decode(bytes, path, out info);
    }

    /// <summary>Reads only the header and colour chunks; stops at the first IDAT.</summary>
    public static PngInfo ReadInfo(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (FileNotFoundException e) { throw new ImageIOException($"PNG '{path}': file not found", e); }
        catch (DirectoryNotFoundException e) { throw new ImageIOException($"PNG '{path}': file not found", e); }
        var p = Parse(bytes, path, headerOnly: true);
        return p.Info;
    }

    /// <summary>Decodes PNG bytes; <paramref name="name"/> appears in error messages.</summary>
    public static ImageF Decode(byte[] bytes, string name, out PngInfo info)
    {
        var p = Parse(bytes, name, headerOnly: false);
        info = p.Info;
        return DecodePixels(p, name);
    }

    private sealed class Parsed
    {
        public int Width, Height, BitDepth, ColorType;
        public bool Interlaced;
        public byte[]? Palette;       // RGB triples
        public byte[]? PaletteAlpha;  // tRNS for palette images
        public ushort[]? ColorKey;    // tRNS for gray (1 value) or RGB (3 values)
        public bool HasSrgb;
        public double? Gamma;
        public MemoryStream Idat = new();
        public PngInfo Info = null!;
    }

    private static ImageIOException Fail(string name, string what) => new($"PNG '{name}': {what}");

    private static Parsed Parse(byte[] b, string name, bool headerOnly)
    {
        if (b.Length < 8 || !b.AsSpan(0, 8).SequenceEqual(Signature))
            throw Fail(name, "not a PNG file (bad signature)");
        var p = new Parsed();
        int pos = 8;
        bool sawHeader = false, sawIdat = false, sawEnd = false, idatEnded = false;
        while (pos < b.Length)
        {
            if (b.Length - pos < 12) throw Fail(name, $"truncated chunk header at byte {pos}");
            uint len = BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan(pos));
            if (len > int.MaxValue || len > (uint)(b.Length - pos - 12))
                throw Fail(name, $"truncated or corrupt chunk at byte {pos} (length {len}, {b.Length - pos - 12} bytes left)");
            var typeSpan = b.AsSpan(pos + 4, 4);
            foreach (byte c in typeSpan)
                if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) throw Fail(name, $"corrupt chunk type at byte {pos}");
            string type = System.Text.Encoding.ASCII.GetString(typeSpan);
            var data = b.AsSpan(pos + 8, (int)len);
            uint stored = BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan(pos + 8 + (int)len));
            uint crc = Crc32.Compute(b.AsSpan(pos + 4, 4 + (int)len));
            if (crc != stored) throw Fail(name, $"CRC mismatch in {type} chunk at byte {pos}");
            pos += 12 + (int)len;

            if (!sawHeader && type != "IHDR") throw Fail(name, "first chunk is not IHDR");
            if (sawIdat && type != "IDAT") idatEnded = true;
            switch (type)
            {
                case "IHDR":
                    if (sawHeader) throw Fail(name, "duplicate IHDR");
                    if (len != 13) throw Fail(name, "IHDR has wrong length");
                    sawHeader = true;
                    ParseHeader(p, data, name);
                    break;
                case "PLTE":
                    if (len == 0 || len % 3 != 0 || len / 3 > 256) throw Fail(name, "bad PLTE length");
                    p.Palette = data.ToArray();
                    break;
                case "tRNS":
                    ParseTrns(p, data, name);
                    break;
                case "gAMA":
                    if (len == 4) p.Gamma = BinaryPrimitives.ReadUInt32BigEndian(data) / 100000.0;
                    break;
                case "sRGB":
                    p.HasSrgb = true;
                    break;
                case "IDAT":
                    if (idatEnded) throw Fail(name, "IDAT chunks are not consecutive");
                    sawIdat = true;
                    if (headerOnly) { p.Info = MakeInfo(p); return p; }
                    p.Idat.Write(data);
                    break;
                case "IEND":
                    sawEnd = true;
                    break;
                default:
                    // Bit 5 of the first byte clear = critical chunk we must understand.
                    if ((typeSpan[0] & 0x20) == 0) throw Fail(name, $"unsupported critical chunk {type}");
                    break;
            }
            if (sawEnd) break;
        }
        if (!sawHeader) throw Fail(name, "no IHDR chunk");
        if (p.ColorType == 3 && p.Palette is null) throw Fail(name, "palette image without PLTE");
        if (!sawIdat) throw Fail(name, "no image data (truncated?)");
        if (!sawEnd) throw Fail(name, "truncated (no IEND chunk)");
        p.Info = MakeInfo(p);
        return p;
    }

    private static void ParseHeader(Parsed p, ReadOnlySpan<byte> d, string name)
    {
        uint w = BinaryPrimitives.ReadUInt32BigEndian(d);
        uint h = BinaryPrimitives.ReadUInt32BigEndian(d[4..]);
        if (w == 0 || h == 0 || w > int.MaxValue || h > int.MaxValue) throw Fail(name, $"bad size {w}x{h}");
        p.Width = (int)w; p.Height = (int)h;
        p.BitDepth = d[8]; p.ColorType = d[9];
        if (d[10] != 0) throw Fail(name, $"unsupported compression method {d[10]}");
        if (d[11] != 0) throw Fail(name, $"unsupported filter method {d[11]}");
        if (d[12] > 1) throw Fail(name, $"unsupported interlace method {d[12]}");
        p.Interlaced = d[12] == 1;
        bool ok = p.ColorType switch
        {
            0 => p.BitDepth is 1 or 2 or 4 or 8 or 16,
            3 => p.BitDepth is 1 or 2 or 4 or 8,
            2 or 4 or 6 => p.BitDepth is 8 or 16,
            _ => false,
        };
        if (!ok) throw Fail(name, $"invalid colour type {p.ColorType} with bit depth {p.BitDepth}");
        long samples = (long)p.Width * p.Height * 4;
        if (samples > MaxSamples) throw Fail(name, $"image {p.Width}x{p.Height} is too large to decode (limit {MaxSamples} samples)");
    }

    private static void ParseTrns(Parsed p, ReadOnlySpan<byte> d, string name)
    {
        switch (p.ColorType)
        {
            case 3:
                if (p.Palette is null) throw Fail(name, "tRNS before PLTE");
                if (d.Length > p.Palette.Length / 3) throw Fail(name, "tRNS longer than palette");
                p.PaletteAlpha = d.ToArray();
                break;
            case 0:
                if (d.Length != 2) throw Fail(name, "bad tRNS length for gray image");
                p.ColorKey = [BinaryPrimitives.ReadUInt16BigEndian(d)];
                break;
            case 2:
                if (d.Length != 6) throw Fail(name, "bad tRNS length for RGB image");
                p.ColorKey = [BinaryPrimitives.ReadUInt16BigEndian(d), BinaryPrimitives.ReadUInt16BigEndian(d[2..]), BinaryPrimitives.ReadUInt16BigEndian(d[4..])];
                break;
            default:
                throw Fail(name, $"tRNS not allowed for colour type {p.ColorType}");
        }
    }

    private static int SamplesPerPixel(int colorType) => colorType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, 6 => 4, _ => 0 };

    private static int OutChannels(Parsed p) => p.ColorType switch
    {
        0 => p.ColorKey is null ? 1 : 4,
        2 => p.ColorKey is null ? 3 : 4,
        3 => p.PaletteAlpha is null ? 3 : 4,
        _ => 4,
    };

    private static PngInfo MakeInfo(Parsed p) => new(p.Width, p.Height, p.BitDepth, (PngColorType)p.ColorType, p.Interlaced,
        p.HasSrgb, p.Gamma, p.PaletteAlpha is not null || p.ColorKey is not null, OutChannels(p));

    // Adam7 passes: x0, y0, dx, dy.
    private static readonly int[,] Adam7 = { { 0, 0, 8, 8 }, { 4, 0, 8, 8 }, { 0, 4, 4, 8 }, { 2, 0, 4, 4 }, { 0, 2, 2, 4 }, { 1, 0, 2, 2 }, { 0, 1, 1, 2 } };

    private static ImageF DecodePixels(Parsed p, string name)
    {
        int spp = SamplesPerPixel(p.ColorType);
        int bitsPerPixel = spp * p.BitDepth;
        int bpp = Math.Max(1, bitsPerPixel / 8);
        var passes = new List<(int X0, int Y0, int Dx, int Dy, int W, int H)>();
        if (p.Interlaced)
        {
            for (int i = 0; i < 7; i++)
            {
                int x0 = Adam7[i, 0], y0 = Adam7[i, 1], dx = Adam7[i, 2], dy = Adam7[i, 3];
                int pw = p.Width > x0 ? (p.Width - x0 + dx - 1) / dx : 0;
                int ph = p.Height > y0 ? (p.Height - y0 + dy - 1) / dy : 0;
                if (pw > 0 && ph > 0) passes.Add((x0, y0, dx, dy, pw, ph));
            }
        }
        else passes.Add((0, 0, 1, 1, p.Width, p.Height));

        long total = 0;
        foreach (var ps in passes) total += ((long)ps.W * bitsPerPixel + 7) / 8 * ps.H + ps.H;
        if (total > int.MaxValue) throw Fail(name, "image data too large");
        byte[] raw = GC.AllocateUninitializedArray<byte>((int)total); // filled by the inflate, or the decode fails
        p.Idat.Position = 0;
        try
        {
            using var z = new ZLibStream(p.Idat, CompressionMode.Decompress);
            int got = 0;
            while (got < raw.Length)
            {
                int n = z.Read(raw, got, raw.Length - got);
                if (n == 0) break;
                got += n;
            }
            if (got < raw.Length) throw Fail(name, $"truncated image data ({got} of {raw.Length} bytes)");
        }
        catch (InvalidDataException e) { throw new ImageIOException($"PNG '{name}': corrupt compressed data ({e.Message})", e); }

        int outCh = OutChannels(p);
        // Every sample is stored below (the passes cover every pixel, each colour type writes all its channels).
        var img = new ImageF(p.Width, p.Height, outCh, GC.AllocateUninitializedArray<float>(p.Width * p.Height * outCh));
        int off = 0;
        foreach (var ps in passes)
        {
            int rowBytes = (int)(((long)ps.W * bitsPerPixel + 7) / 8);
            var prev = new byte[rowBytes];
            var cur = new byte[rowBytes];
            for (int y = 0; y < ps.H; y++)
            {
                int filter = raw[off];
                raw.AsSpan(off + 1, rowBytes).CopyTo(cur);
                off += rowBytes + 1;
                Unfilter(filter, cur, prev, bpp, name);
                StoreRow(p, img, cur, ps.X0, ps.Y0 + y * ps.Dy, ps.Dx, ps.W, spp);
                (prev, cur) = (cur, prev);
            }
        }
        return img;
    }

    private static void Unfilter(int filter, Span<byte> cur, ReadOnlySpan<byte> prev, int bpp, string name)
    {
        int n = cur.Length;
        switch (filter)
        {
            case 0: break;
            case 1:
                for (int i = bpp; i < n; i++) cur[i] += cur[i - bpp];
                break;
            case 2:
                for (int i = 0; i < n; i++) cur[i] += prev[i];
                break;
            case 3:
                for (int i = 0; i < bpp && i < n; i++) cur[i] += (byte)(prev[i] >> 1);
                for (int i = bpp; i < n; i++) cur[i] += (byte)((cur[i - bpp] + prev[i]) >> 1);
                break;
            case 4:
                for (int i = 0; i < bpp && i < n; i++) cur[i] += prev[i]; // Paeth(0, b, 0) = b
                PaethRow(cur, prev, bpp);
                break;
            default:
                throw Fail(name, $"corrupt data: unknown filter type {filter}");
        }
    }

    /// <summary>
    /// The Paeth predictor over a row from byte <paramref name="bpp"/> on, branch-free: <see cref="Paeth"/>'s choice
    /// (a when pa ≤ pb and pa ≤ pc, else b when pb ≤ pc, else c) made with sign masks, since noisy rows defeat branch prediction.
    /// </summary>
    internal static void PaethRow(Span<byte> cur, ReadOnlySpan<byte> prev, int bpp)
    {
        int n = cur.Length;
        if (prev.Length < n) throw new ArgumentException("previous row shorter than the row");
        ref byte cu = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(cur);
        ref byte pr = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(prev);
        for (int i = bpp; i < n; i++)
        {
            int a = System.Runtime.CompilerServices.Unsafe.Add(ref cu, i - bpp);
            int b = System.Runtime.CompilerServices.Unsafe.Add(ref pr, i);
            int c = System.Runtime.CompilerServices.Unsafe.Add(ref pr, i - bpp);
            int pa = b - c, pb = a - c, pc = pa + pb;
            pa = (pa ^ (pa >> 31)) - (pa >> 31);
            pb = (pb ^ (pb >> 31)) - (pb >> 31);
            pc = (pc ^ (pc >> 31)) - (pc >> 31);
            int useA = ((pa - pb - 1) & (pa - pc - 1)) >> 31;
            int useB = (pb - pc - 1) >> 31;
            int pred = (a & useA) | (((b & useB) | (c & ~useB)) & ~useA);
            System.Runtime.CompilerServices.Unsafe.Add(ref cu, i) += (byte)pred;
        }
    }

    internal static byte Paeth(byte a, byte b, byte c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        if (pa <= pb && pa <= pc) return a;
        return pb <= pc ? b : c;
    }

    private static int Sample(ReadOnlySpan<byte> row, int index, int depth)
    {
        switch (depth)
        {
            case 8: return row[index];
            case 16: return (row[2 * index] << 8) | row[2 * index + 1];
            default:
                int bit = index * depth;
                int shift = 8 - depth - (bit & 7);
                return (row[bit >> 3] >> shift) & ((1 << depth) - 1);
        }
    }

    private static void StoreRow(Parsed p, ImageF img, ReadOnlySpan<byte> row, int x0, int y, int dx, int w, int spp)
    {
        // Divide (not multiply by a reciprocal) so that code/(2^d − 1) is correctly rounded, matching other decoders exactly.
        float scale = (1 << p.BitDepth) - 1;
        int W = img.Width, plane = img.PlaneSize, rowBase = y * W;
        var d = img.Data;
        if (dx == 1 && p.ColorKey is null && p.ColorType is 2 or 6 && p.BitDepth is 8 or 16)
        {
            StoreRgbRow(row, d.AsSpan(rowBase + x0), plane, w, spp, p.BitDepth);
            return;
        }
        for (int i = 0; i < w; i++)
        {
            int idx = rowBase + x0 + i * dx;
            switch (p.ColorType)
            {
                case 0:
                {
                    int g = Sample(row, i, p.BitDepth);
                    d[idx] = g / scale;
                    if (p.ColorKey is not null)
                    {
                        d[plane + idx] = d[2 * plane + idx] = d[idx];
                        d[3 * plane + idx] = g == p.ColorKey[0] ? 0f : 1f;
                    }
                    break;
                }
                case 2:
                {
                    int r = Sample(row, 3 * i, p.BitDepth), g = Sample(row, 3 * i + 1, p.BitDepth), b = Sample(row, 3 * i + 2, p.BitDepth);
                    d[idx] = r / scale; d[plane + idx] = g / scale; d[2 * plane + idx] = b / scale;
                    if (p.ColorKey is not null)
                        d[3 * plane + idx] = r == p.ColorKey[0] && g == p.ColorKey[1] && b == p.ColorKey[2] ? 0f : 1f;
                    break;
                }
                case 3:
                {
                    int k = Sample(row, i, p.BitDepth);
                    var pal = p.Palette!;
                    // Out-of-range indices are an error per the spec; decoders commonly map them to black, and so do we.
                    bool inRange = 3 * k + 2 < pal.Length;
                    d[idx] = inRange ? pal[3 * k] / 255f : 0f;
                    d[plane + idx] = inRange ? pal[3 * k + 1] / 255f : 0f;
                    d[2 * plane + idx] = inRange ? pal[3 * k + 2] / 255f : 0f;
                    if (p.PaletteAlpha is not null)
                        d[3 * plane + idx] = k < p.PaletteAlpha.Length ? p.PaletteAlpha[k] / 255f : 1f;
                    break;
                }
                case 4:
                {
                    float g = Sample(row, 2 * i, p.BitDepth) / scale;
                    d[idx] = d[plane + idx] = d[2 * plane + idx] = g;
                    d[3 * plane + idx] = Sample(row, 2 * i + 1, p.BitDepth) / scale;
                    break;
                }
                case 6:
                    for (int c = 0; c < 4; c++) d[c * plane + idx] = Sample(row, 4 * i + c, p.BitDepth) / scale;
                    break;
            }
        }
    }

    private static readonly float[] Codes8 = Enumerable.Range(0, 256).Select(c => c / 255f).ToArray();

    /// <summary>The common case, a full row of 8- or 16-bit RGB(A): the same values as the general path (code / (2^d − 1)), without its per-sample dispatch.</summary>
    private static void StoreRgbRow(ReadOnlySpan<byte> row, Span<float> dst, int plane, int w, int spp, int depth)
    {
        var lut = Codes8;
        for (int c = 0; c < spp; c++)
        {
            var o = dst.Slice(c * plane, w);
            if (depth == 8)
                for (int i = 0, k = c; i < w; i++, k += spp) o[i] = lut[row[k]];
            else
                for (int i = 0, k = 2 * c; i < w; i++, k += 2 * spp) o[i] = ((row[k] << 8) | row[k + 1]) / 65535f;
        }
    }
}
