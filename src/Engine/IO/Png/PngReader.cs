using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
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
        var (bytes, length, _) = ReadPooled(path, int.MaxValue);
        try { return Decode(bytes.AsSpan(0, length), path, out info); }
        finally { ArrayPool<byte>.Shared.Return(bytes); }
    }

    /// <summary>The file's first <paramref name="maxBytes"/> bytes (all of it, usually) in a buffer rented from <see cref="ArrayPool{T}.Shared"/>, and its size.</summary>
    private static (byte[] Bytes, int Length, long Size) ReadPooled(string path, int maxBytes)
    {
        try
        {
            using var handle = File.OpenHandle(path);
            long size = RandomAccess.GetLength(handle);
            if (size > Array.MaxLength) throw Fail(path, $"file of {size} bytes is too large");
            int want = (int)Math.Min(size, maxBytes);
            var bytes = ArrayPool<byte>.Shared.Rent(want);
            int got = 0;
            try
            {
                while (got < want)
                {
                    int n = RandomAccess.Read(handle, bytes.AsSpan(got, want - got), got);
                    if (n == 0) break;
                    got += n;
                }
            }
            catch
            {
                ArrayPool<byte>.Shared.Return(bytes);
                throw;
            }
            return (bytes, got, size);
        }
        catch (FileNotFoundException e) { throw new ImageIOException($"PNG '{path}': file not found", e); }
        catch (DirectoryNotFoundException e) { throw new ImageIOException($"PNG '{path}': file not found", e); }
    }

    /// <summary>Reads only the header and colour chunks; stops at the first IDAT.</summary>
    public static PngInfo ReadInfo(string path)
    {
        // Those chunks come first: a prefix of the file holds them unless a large one (an ICC profile, text) precedes the data.
        var (bytes, length, size) = ReadPooled(path, 64 * 1024);
        try
        {
            try { return Parse(bytes.AsSpan(0, length), path, headerOnly: true).Info; }
            catch (ImageIOException) when (length < size) { }
        }
        finally { ArrayPool<byte>.Shared.Return(bytes); }
        (bytes, length, _) = ReadPooled(path, int.MaxValue);
        try { return Parse(bytes.AsSpan(0, length), path, headerOnly: true).Info; }
        finally { ArrayPool<byte>.Shared.Return(bytes); }
    }

    /// <summary>Decodes PNG bytes; <paramref name="name"/> appears in error messages.</summary>
    public static ImageF Decode(byte[] bytes, string name, out PngInfo info) => Decode(bytes.AsSpan(), name, out info);

    private static ImageF Decode(ReadOnlySpan<byte> bytes, string name, out PngInfo info)
    {
        var p = Parse(bytes, name, headerOnly: false);
        info = p.Info;
        return DecodePixels(p, bytes, name);
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
        /// <summary>Where the IDAT chunks' data lie in the file, in order.</summary>
        public readonly List<(int Offset, int Length)> Idat = [];
        public long IdatBytes;
        public PngInfo Info = null!;
    }

    private static ImageIOException Fail(string name, string what) => new($"PNG '{name}': {what}");

    private static Parsed Parse(ReadOnlySpan<byte> b, string name, bool headerOnly)
    {
        if (b.Length < 8 || !b[..8].SequenceEqual(Signature))
            throw Fail(name, "not a PNG file (bad signature)");
        var p = new Parsed();
        int pos = 8;
        bool sawHeader = false, sawIdat = false, sawEnd = false, idatEnded = false;
        while (pos < b.Length)
        {
            if (b.Length - pos < 12) throw Fail(name, $"truncated chunk header at byte {pos}");
            uint len = BinaryPrimitives.ReadUInt32BigEndian(b[pos..]);
            var typeSpan = b.Slice(pos + 4, 4);
            foreach (byte c in typeSpan)
                if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) throw Fail(name, $"corrupt chunk type at byte {pos}");
            string type = System.Text.Encoding.ASCII.GetString(typeSpan);
            if (headerOnly && sawHeader && type == "IDAT") { p.Info = MakeInfo(p); return p; }
            if (len > int.MaxValue || len > (uint)(b.Length - pos - 12))
                throw Fail(name, $"truncated or corrupt chunk at byte {pos} (length {len}, {b.Length - pos - 12} bytes left)");
            var data = b.Slice(pos + 8, (int)len);
            uint stored = BinaryPrimitives.ReadUInt32BigEndian(b[(pos + 8 + (int)len)..]);
            uint crc = Crc32.Compute(b.Slice(pos + 4, 4 + (int)len));
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
                    p.Idat.Add((pos - 4 - (int)len, (int)len));
                    p.IdatBytes += len;
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

    private static ImageF DecodePixels(Parsed p, ReadOnlySpan<byte> file, string name)
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
        // The IDAT chunks gathered into one rented buffer, inflated into another.
        byte[]? gathered = null, raw = null;
        try
        {
            MemoryStream idat;
            if (p.IdatBytes > Array.MaxLength) throw Fail(name, "image data too large");
            gathered = ArrayPool<byte>.Shared.Rent((int)p.IdatBytes);
            int at = 0;
            foreach (var (offset, length) in p.Idat)
            {
                file.Slice(offset, length).CopyTo(gathered.AsSpan(at));
                at += length;
            }
            idat = new MemoryStream(gathered, 0, at, writable: false);
            raw = ArrayPool<byte>.Shared.Rent((int)total);
            try
            {
                using var z = new ZLibStream(idat, CompressionMode.Decompress);
                int got = 0;
                while (got < total)
                {
                    int n = z.Read(raw, got, (int)total - got);
                    if (n == 0) break;
                    got += n;
                }
                if (got < total) throw Fail(name, $"truncated image data ({got} of {total} bytes)");
            }
            catch (InvalidDataException e) { throw new ImageIOException($"PNG '{name}': corrupt compressed data ({e.Message})", e); }
            ArrayPool<byte>.Shared.Return(gathered);
            gathered = null;

            int outCh = OutChannels(p);
            // Every sample is stored below (the passes cover every pixel, each colour type writes all its channels).
            var img = ImageF.Rent(p.Width, p.Height, outCh);
            try
            {
                int off = 0;
                foreach (var ps in passes)
                {
                    int rowBytes = (int)(((long)ps.W * bitsPerPixel + 7) / 8);
                    ReadOnlySpan<byte> prev = new byte[rowBytes];
                    for (int y = 0; y < ps.H; y++)
                    {
                        int filter = raw[off];
                        var cur = raw.AsSpan(off + 1, rowBytes);
                        off += rowBytes + 1;
                        Unfilter(filter, cur, prev, bpp, name);
                        StoreRow(p, img, cur, ps.X0, ps.Y0 + y * ps.Dy, ps.Dx, ps.W, spp);
                        prev = cur;
                    }
                }
            }
            catch
            {
                img.Dispose();
                throw;
            }
            return img;
        }
        finally
        {
            if (gathered is not null) ArrayPool<byte>.Shared.Return(gathered);
            if (raw is not null) ArrayPool<byte>.Shared.Return(raw);
        }
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
                UpRow(cur, prev);
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

    /// <summary>The Up filter's inverse: each byte plus the byte above, modulo 256.</summary>
    internal static void UpRow(Span<byte> cur, ReadOnlySpan<byte> prev)
    {
        int n = cur.Length, i = 0;
        if (prev.Length < n) throw new ArgumentException("previous row shorter than the row");
        if (Vector128.IsHardwareAccelerated)
        {
            ref byte cu = ref MemoryMarshal.GetReference(cur);
            ref byte pr = ref MemoryMarshal.GetReference(prev);
            for (; i + 16 <= n; i += 16)
                (Vector128.LoadUnsafe(ref cu, (nuint)i) + Vector128.LoadUnsafe(ref pr, (nuint)i)).StoreUnsafe(ref cu, (nuint)i);
        }
        for (; i < n; i++) cur[i] += prev[i];
    }

    /// <summary>
    /// The Paeth predictor over a row from byte <paramref name="bpp"/> on: one pixel at a time in vector lanes where the
    /// pixel is 3, 4, 6 or 8 bytes (<see cref="PaethPixels"/>), then branch-free scalar code for the rest, whose choice
    /// (a when pa ≤ pb and pa ≤ pc, else b when pb ≤ pc, else c) is made with sign masks, since noisy rows defeat branch
    /// prediction. Both agree with <see cref="Paeth"/>.
    /// </summary>
    internal static void PaethRow(Span<byte> cur, ReadOnlySpan<byte> prev, int bpp)
    {
        int n = cur.Length;
        if (prev.Length < n) throw new ArgumentException("previous row shorter than the row");
        int i = bpp is 3 or 4 or 6 or 8 && Vector128.IsHardwareAccelerated ? PaethPixels(cur, prev, bpp) : bpp;
        PaethScalar(cur, prev, bpp, i);
    }

    internal static void PaethScalar(Span<byte> cur, ReadOnlySpan<byte> prev, int bpp, int from)
    {
        int n = cur.Length;
        ref byte cu = ref MemoryMarshal.GetReference(cur);
        ref byte pr = ref MemoryMarshal.GetReference(prev);
        for (int i = Math.Max(from, bpp); i < n; i++)
        {
            int a = Unsafe.Add(ref cu, i - bpp);
            int b = Unsafe.Add(ref pr, i);
            int c = Unsafe.Add(ref pr, i - bpp);
            int pa = b - c, pb = a - c, pc = pa + pb;
            pa = (pa ^ (pa >> 31)) - (pa >> 31);
            pb = (pb ^ (pb >> 31)) - (pb >> 31);
            pc = (pc ^ (pc >> 31)) - (pc >> 31);
            int useA = ((pa - pb - 1) & (pa - pc - 1)) >> 31;
            int useB = (pb - pc - 1) >> 31;
            int pred = (a & useA) | (((b & useB) | (c & ~useB)) & ~useA);
            Unsafe.Add(ref cu, i) += (byte)pred;
        }
    }

    /// <summary>
    /// Paeth over whole pixels as 16-bit lanes, pa = |b − c|, pb = |a − c|, pc = |pa + pb| (libpng's formulation), while
    /// 8 bytes from the pixel on lie in the row. Only the pixel's own bytes are stored: a wider store that the next pixel's
    /// load overlaps would stall store forwarding on every pixel. Returns the first byte left to the scalar code.
    /// </summary>
    private static int PaethPixels(Span<byte> cur, ReadOnlySpan<byte> prev, int bpp)
    {
        int n = cur.Length;
        ref byte cu = ref MemoryMarshal.GetReference(cur);
        ref byte pr = ref MemoryMarshal.GetReference(prev);
        var low = Vector128.Create((short)0xFF);
        int i = bpp;
        if (i + 8 > n) return i;
        var a = Load8(ref cu, 0);
        var c = Load8(ref pr, 0);
        for (; i + 8 <= n; i += bpp)
        {
            var b = Load8(ref pr, i);
            var x = Load8(ref cu, i);
            var pa = b - c;
            var pb = a - c;
            var pc = Vector128.Abs(pa + pb);
            pa = Vector128.Abs(pa);
            pb = Vector128.Abs(pb);
            var smallest = Vector128.Min(pc, Vector128.Min(pa, pb));
            var nearest = Vector128.ConditionalSelect(Vector128.Equals(smallest, pa), a,
                Vector128.ConditionalSelect(Vector128.Equals(smallest, pb), b, c));
            var d = (x + nearest) & low;
            ulong v = Vector128.Narrow(d.AsUInt16(), d.AsUInt16()).AsUInt64().ToScalar();
            ref byte o = ref Unsafe.Add(ref cu, i);
            switch (bpp)
            {
                case 3:
                    Unsafe.WriteUnaligned(ref o, (ushort)v);
                    Unsafe.Add(ref o, 2) = (byte)(v >> 16);
                    break;
                case 4:
                    Unsafe.WriteUnaligned(ref o, (uint)v);
                    break;
                case 6:
                    Unsafe.WriteUnaligned(ref o, (uint)v);
                    Unsafe.WriteUnaligned(ref Unsafe.Add(ref o, 4), (ushort)(v >> 32));
                    break;
                default:
                    Unsafe.WriteUnaligned(ref o, v);
                    break;
            }
            a = d;
            c = b;
        }
        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<short> Load8(ref byte row, int at) =>
        Vector128.WidenLower(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref row, at))).AsByte()).AsInt16();

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

    /// <summary>
    /// The common case, a full row of 8- or 16-bit RGB(A): the same values as the general path (code / (2^d − 1)), without
    /// its per-sample dispatch; 8-bit RGB four pixels at a time in vector lanes (<see cref="StoreRgb8Pixels"/>).
    /// </summary>
    internal static void StoreRgbRow(ReadOnlySpan<byte> row, Span<float> dst, int plane, int w, int spp, int depth)
    {
        if (row.Length < w * spp * (depth / 8)) throw new ArgumentException($"row of {row.Length} bytes for {w} pixels", nameof(row));
        if (w > 0 && dst.Length < (spp - 1) * plane + w) throw new ArgumentException($"destination of {dst.Length} floats for {spp} planes of {plane}", nameof(dst));
        int from = depth == 8 && spp == 3 && System.Runtime.Intrinsics.X86.Ssse3.IsSupported ? StoreRgb8Pixels(row, dst, plane, w) : 0;
        StoreRgbRowScalar(row, dst, plane, w, spp, depth, from);
    }

    /// <summary>The reference: one sample at a time from pixel <paramref name="from"/> on.</summary>
    internal static void StoreRgbRowScalar(ReadOnlySpan<byte> row, Span<float> dst, int plane, int w, int spp, int depth, int from = 0)
    {
        var lut = Codes8;
        for (int c = 0; c < spp; c++)
        {
            var o = dst.Slice(c * plane, w);
            if (depth == 8)
                for (int i = from, k = from * spp + c; i < w; i++, k += spp) o[i] = lut[row[k]];
            else
                for (int i = from, k = 2 * (from * spp + c); i < w; i++, k += 2 * spp) o[i] = ((row[k] << 8) | row[k + 1]) / 65535f;
        }
    }

    /// <summary>
    /// 8-bit RGB, four pixels a step while 16 bytes from the first lie in the row: a byte shuffle (pshufb: an index with its top bit
    /// set gives 0) spreads each channel's four codes into 32-bit lanes, then code / 255 by a vector division (IEEE division, so the same float as the scalar
    /// code's). Returns the first pixel left to the scalar loop.
    /// </summary>
    private static int StoreRgb8Pixels(ReadOnlySpan<byte> row, Span<float> dst, int plane, int w)
    {
        var r = Vector128.Create((byte)0, 0xFF, 0xFF, 0xFF, 3, 0xFF, 0xFF, 0xFF, 6, 0xFF, 0xFF, 0xFF, 9, 0xFF, 0xFF, 0xFF);
        var g = Vector128.Create((byte)1, 0xFF, 0xFF, 0xFF, 4, 0xFF, 0xFF, 0xFF, 7, 0xFF, 0xFF, 0xFF, 10, 0xFF, 0xFF, 0xFF);
        var b = Vector128.Create((byte)2, 0xFF, 0xFF, 0xFF, 5, 0xFF, 0xFF, 0xFF, 8, 0xFF, 0xFF, 0xFF, 11, 0xFF, 0xFF, 0xFF);
        var scale = Vector128.Create(255f);
        ref byte src = ref MemoryMarshal.GetReference(row);
        ref float o = ref MemoryMarshal.GetReference(dst);
        int i = 0, bytes = row.Length;
        for (; i + 4 <= w && 3 * i + 16 <= bytes; i += 4)
        {
            var px = Vector128.LoadUnsafe(ref src, (nuint)(3 * i));
            (Vector128.ConvertToSingle(System.Runtime.Intrinsics.X86.Ssse3.Shuffle(px, r).AsInt32()) / scale).StoreUnsafe(ref o, (nuint)i);
            (Vector128.ConvertToSingle(System.Runtime.Intrinsics.X86.Ssse3.Shuffle(px, g).AsInt32()) / scale).StoreUnsafe(ref o, (nuint)(plane + i));
            (Vector128.ConvertToSingle(System.Runtime.Intrinsics.X86.Ssse3.Shuffle(px, b).AsInt32()) / scale).StoreUnsafe(ref o, (nuint)(2 * plane + i));
        }
        return i;
    }
}
