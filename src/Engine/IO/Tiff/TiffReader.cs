using System.Buffers.Binary;
using System.IO.Compression;
using HdrOfx.Engine.Imaging;

namespace HdrOfx.Engine.IO.Tiff;

/// <summary>
/// Reads the first image of a baseline TIFF into a planar float image.
/// Supported: little and big endian; unsigned 8/16/32-bit samples (scaled to [0,1]) and 16/32/64-bit IEEE floats (as stored);
/// gray (BlackIsZero or WhiteIsZero), RGB, each with extra samples (the first becomes alpha); contiguous and planar configuration;
/// strips and tiles; compression none, LZW, Deflate (8 and 32946) and PackBits; predictors 1, 2 (horizontal) and 3 (floating point).
/// Channels: gray → 1, RGB → 3, gray+extra or RGB+extra → 4 (RGBA, gray replicated). Associated (premultiplied) alpha is returned as stored.
/// Anything else throws <see cref="ImageIOException"/> naming the unsupported feature.
/// </summary>
public static class TiffReader
{
    public const long MaxSamples = 1L << 30;

    public static ImageF Read(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (FileNotFoundException e) { throw new ImageIOException($"TIFF '{path}': file not found", e); }
        catch (DirectoryNotFoundException e) { throw new ImageIOException($"TIFF '{path}': file not found", e); }
        return Decode(bytes, path);
    }

    public static ImageF Decode(byte[] bytes, string name)
    {
        try { return new Decoder(bytes, name).Run(); }
        catch (IndexOutOfRangeException e) { throw new ImageIOException($"TIFF '{name}': truncated or corrupt file", e); }
        catch (ArgumentOutOfRangeException e) { throw new ImageIOException($"TIFF '{name}': truncated or corrupt file", e); }
        catch (InvalidDataException e) { throw new ImageIOException($"TIFF '{name}': corrupt compressed data ({e.Message})", e); }
    }

    private sealed class Decoder(byte[] b, string name)
    {
        private bool _be;
        private readonly Dictionary<int, (int Type, uint Count, int ValueOffset)> _tags = new();

        private ImageIOException Fail(string what) => new($"TIFF '{name}': {what}");

        private ushort U16(long o)
        {
            if (o < 0 || o + 2 > b.Length) throw Fail("truncated file");
            return _be ? BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan((int)o)) : BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan((int)o));
        }

        private uint U32(long o)
        {
            if (o < 0 || o + 4 > b.Length) throw Fail("truncated file");
            return _be ? BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan((int)o)) : BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan((int)o));
        }

        private static int TypeSize(int t) => t switch { 1 or 2 or 6 or 7 => 1, 3 or 8 => 2, 4 or 9 or 11 or 13 => 4, 5 or 10 or 12 or 16 or 17 or 18 => 8, _ => 0 };

        private long[]? Values(int tag)
        {
            if (!_tags.TryGetValue(tag, out var t)) return null;
            int size = TypeSize(t.Type);
            if (size == 0) throw Fail($"tag {tag} has unknown field type {t.Type}");
            if (t.Count > b.Length) throw Fail($"tag {tag} has corrupt count {t.Count}");
            long total = (long)size * t.Count;
            long off = total <= 4 ? t.ValueOffset : U32(t.ValueOffset);
            if (off + total > b.Length) throw Fail($"tag {tag} points past the end of the file (truncated?)");
            var v = new long[t.Count];
            for (int i = 0; i < t.Count; i++)
            {
                long o = off + (long)i * size;
                v[i] = t.Type switch
                {
                    1 or 7 => b[o],
                    6 => (sbyte)b[o],
                    3 => U16(o),
                    8 => (short)U16(o),
                    4 or 13 => U32(o),
                    9 => (int)U32(o),
                    _ => throw Fail($"tag {tag} has unexpected field type {t.Type}"),
                };
            }
            return v;
        }

        private long One(int tag, long dflt) => Values(tag) is { Length: > 0 } v ? v[0] : dflt;

        private long Required(int tag, string what) => Values(tag) is { Length: > 0 } v ? v[0] : throw Fail($"missing required tag {what} ({tag})");

        public ImageF Run()
        {
            if (b.Length < 8) throw Fail("not a TIFF file (too short)");
            if (b[0] == 'I' && b[1] == 'I') _be = false;
            else if (b[0] == 'M' && b[1] == 'M') _be = true;
            else throw Fail("not a TIFF file (bad byte-order mark)");
            int magic = U16(2);
            if (magic == 43) throw Fail("unsupported feature: BigTIFF");
            if (magic != 42) throw Fail($"not a TIFF file (magic {magic})");
            uint ifd = U32(4);
            if (ifd < 8 || ifd + 2 > b.Length) throw Fail("truncated or corrupt file (bad IFD offset)");
            int n = U16(ifd);
            if (ifd + 2 + 12L * n > b.Length) throw Fail("truncated IFD");
            for (int i = 0; i < n; i++)
            {
                long e = ifd + 2 + 12L * i;
                _tags[U16(e)] = (U16(e + 2), U32(e + 4), (int)(e + 8));
            }

            long width = Required(256, "ImageWidth"), height = Required(257, "ImageLength");
            if (width <= 0 || height <= 0 || width > int.MaxValue || height > int.MaxValue) throw Fail($"bad size {width}x{height}");
            int spp = (int)One(277, 1);
            if (spp < 1 || spp > 16) throw Fail($"unsupported feature: SamplesPerPixel {spp}");
            long[] bpsAll = Values(258) ?? [1];
            int bps = (int)bpsAll[0];
            foreach (long x in bpsAll) if (x != bps) throw Fail("unsupported feature: different BitsPerSample per channel");
            int sampleFormat = (int)One(339, 1);
            int compression = (int)One(259, 1);
            int photometric = (int)Required(262, "PhotometricInterpretation");
            int planar = (int)One(284, 1);
            int predictor = (int)One(317, 1);
            int fillOrder = (int)One(266, 1);

            if (sampleFormat == 1 && bps is not (8 or 16 or 32)) throw Fail($"unsupported feature: {bps}-bit unsigned samples");
            if (sampleFormat == 3 && bps is not (16 or 32 or 64)) throw Fail($"unsupported feature: {bps}-bit float samples");
            if (sampleFormat is not (1 or 3)) throw Fail($"unsupported feature: SampleFormat {sampleFormat} ({(sampleFormat == 2 ? "signed integer" : "other")})");
            if (fillOrder != 1 && bps < 8) throw Fail("unsupported feature: FillOrder 2");
            string? comp = compression switch
            {
                1 or 5 or 8 or 32946 or 32773 => null,
                2 => "CCITT RLE", 3 => "CCITT Group 3", 4 => "CCITT Group 4", 6 => "old-style JPEG", 7 => "JPEG",
                34712 => "JPEG 2000", 34925 => "LZMA", 50000 => "ZSTD", 50001 => "WebP", 32809 => "ThunderScan",
                _ => $"code {compression}",
            };
            if (comp is not null) throw Fail($"unsupported feature: compression {comp}");
            if (photometric is not (0 or 1 or 2))
            {
                string what = photometric switch { 3 => "palette colour", 4 => "transparency mask", 5 => "CMYK/separated", 6 => "YCbCr", 8 => "CIELab", _ => $"code {photometric}" };
                throw Fail($"unsupported feature: photometric interpretation {what}");
            }
            if (photometric == 2 && spp < 3) throw Fail($"RGB image with only {spp} samples per pixel");
            if (planar is not (1 or 2)) throw Fail($"unsupported feature: PlanarConfiguration {planar}");
            if (predictor is not (1 or 2 or 3)) throw Fail($"unsupported feature: Predictor {predictor}");
            if (predictor == 2 && sampleFormat == 3) throw Fail("unsupported feature: horizontal predictor on float samples");
            if (predictor == 3 && sampleFormat != 3) throw Fail("floating-point predictor on integer samples");

            int W = (int)width, H = (int)height;
            int colour = photometric == 2 ? 3 : 1;
            int outCh = spp > colour ? 4 : colour;
            if ((long)W * H * Math.Max(outCh, spp) > MaxSamples) throw Fail($"image {W}x{H}x{spp} is too large to decode");
            int bytesPerSample = bps / 8;

            bool tiled = _tags.ContainsKey(322);
            long tileW, tileH;
            long[] offsets, counts;
            if (tiled)
            {
                tileW = Required(322, "TileWidth"); tileH = Required(323, "TileLength");
                offsets = Values(324) ?? throw Fail("missing required tag TileOffsets (324)");
                counts = Values(325) ?? throw Fail("missing required tag TileByteCounts (325)");
            }
            else
            {
                tileW = W;
                tileH = Math.Min(One(278, H), H);
                offsets = Values(273) ?? throw Fail("missing required tag StripOffsets (273)");
                counts = Values(279) ?? throw Fail("missing required tag StripByteCounts (279)");
            }
            if (tileW <= 0 || tileH <= 0 || tileW > 1 << 20 || tileH > int.MaxValue) throw Fail($"bad tile/strip size {tileW}x{tileH}");
            int tilesAcross = (int)((W + tileW - 1) / tileW), tilesDown = (int)((H + tileH - 1) / tileH);
            int planes = planar == 2 ? spp : 1;
            int samplesInBlockPixel = planar == 2 ? 1 : spp;
            long expectedBlocks = (long)tilesAcross * tilesDown * planes;
            if (offsets.Length < expectedBlocks || counts.Length < expectedBlocks)
                throw Fail($"expected {expectedBlocks} strips/tiles, the file lists {Math.Min(offsets.Length, counts.Length)}");

            // Raw sample values, planar by sample index, before the photometric mapping.
            var samples = new float[(long)spp * W * H];
            long rowBytesL = tileW * samplesInBlockPixel * bytesPerSample;
            if (rowBytesL * tileH > int.MaxValue) throw Fail("strip or tile too large");
            int rowBytes = (int)rowBytesL;
            int plane = W * H;
            float intScale = bps switch { 8 => 255f, 16 => 65535f, _ => 0f };
            for (int p = 0; p < planes; p++)
                for (int ty = 0; ty < tilesDown; ty++)
                    for (int tx = 0; tx < tilesAcross; tx++)
                    {
                        int index = (p * tilesDown + ty) * tilesAcross + tx;
                        int rowsHere = tiled ? (int)tileH : (int)Math.Min(tileH, H - ty * tileH);
                        int need = rowBytes * rowsHere;
                        long off = offsets[index], cnt = counts[index];
                        if (off < 0 || cnt < 0 || off + cnt > b.Length) throw Fail($"strip/tile {index} lies past the end of the file (truncated?)");
                        byte[] data = Decompress(compression, b.AsSpan((int)off, (int)cnt), need, index);
                        if (predictor == 2) UndoHorizontal(data, rowBytes, rowsHere, samplesInBlockPixel, bytesPerSample);
                        else if (predictor == 3) data = UndoFloatPredictor(data, rowBytes, rowsHere, bytesPerSample);
                        bool bigEndianData = predictor == 3 || _be;
                        int x0 = (int)(tx * tileW), y0 = (int)(ty * tileH);
                        int cols = (int)Math.Min(tileW, W - x0);
                        for (int r = 0; r < rowsHere && y0 + r < H; r++)
                        {
                            int rowOff = r * rowBytes;
                            int pix = (y0 + r) * W + x0;
                            for (int x = 0; x < cols; x++)
                                for (int s = 0; s < samplesInBlockPixel; s++)
                                {
                                    int o = rowOff + (x * samplesInBlockPixel + s) * bytesPerSample;
                                    float v = ReadSample(data, o, bps, sampleFormat, bigEndianData, intScale);
                                    int sIndex = planar == 2 ? p : s;
                                    samples[(long)sIndex * plane + pix + x] = v;
                                }
                        }
                    }

            var img = new ImageF(W, H, outCh);
            var dst = img.Data;
            bool invert = photometric == 0;
            for (int c = 0; c < colour; c++)
            {
                var src = samples.AsSpan(c * plane, plane);
                var d = dst.AsSpan(c * plane, plane);
                if (invert) for (int i = 0; i < plane; i++) d[i] = 1f - src[i];
                else src.CopyTo(d);
            }
            if (outCh == 4)
            {
                if (colour == 1) { dst.AsSpan(0, plane).CopyTo(dst.AsSpan(plane, plane)); dst.AsSpan(0, plane).CopyTo(dst.AsSpan(2 * plane, plane)); }
                samples.AsSpan(colour * plane, plane).CopyTo(dst.AsSpan(3 * plane, plane));
            }
            return img;
        }

        private float ReadSample(byte[] d, int o, int bps, int fmt, bool be, float intScale)
        {
            switch (bps)
            {
                case 8: return d[o] / intScale;
                case 16:
                {
                    ushort u = be ? BinaryPrimitives.ReadUInt16BigEndian(d.AsSpan(o)) : BinaryPrimitives.ReadUInt16LittleEndian(d.AsSpan(o));
                    return fmt == 3 ? (float)BitConverter.UInt16BitsToHalf(u) : u / intScale;
                }
                case 32:
                {
                    uint u = be ? BinaryPrimitives.ReadUInt32BigEndian(d.AsSpan(o)) : BinaryPrimitives.ReadUInt32LittleEndian(d.AsSpan(o));
                    return fmt == 3 ? BitConverter.UInt32BitsToSingle(u) : (float)(u / 4294967295.0);
                }
                default:
                {
                    ulong u = be ? BinaryPrimitives.ReadUInt64BigEndian(d.AsSpan(o)) : BinaryPrimitives.ReadUInt64LittleEndian(d.AsSpan(o));
                    return (float)BitConverter.UInt64BitsToDouble(u);
                }
            }
        }

        private byte[] Decompress(int compression, ReadOnlySpan<byte> src, int need, int index)
        {
            byte[] dst = new byte[need];
            int got;
            switch (compression)
            {
                case 1:
                    got = Math.Min(src.Length, need);
                    src[..got].CopyTo(dst);
                    break;
                case 32773:
                    got = PackBits(src, dst);
                    break;
                case 5:
                    got = TiffLzw.Decode(src, dst, out string? err);
                    if (err is not null) throw Fail($"corrupt LZW data in strip/tile {index}: {err}");
                    break;
                default:
                {
                    using var z = new ZLibStream(new MemoryStream(src.ToArray()), CompressionMode.Decompress);
                    got = 0;
                    while (got < need)
                    {
                        int n = z.Read(dst, got, need - got);
                        if (n == 0) break;
                        got += n;
                    }
                    break;
                }
            }
            if (got < need) throw Fail($"strip/tile {index} holds {got} of {need} bytes (truncated or corrupt)");
            return dst;
        }

        private static int PackBits(ReadOnlySpan<byte> s, byte[] d)
        {
            int i = 0, o = 0;
            while (i < s.Length && o < d.Length)
            {
                int n = (sbyte)s[i++];
                if (n >= 0)
                {
                    int len = Math.Min(n + 1, Math.Min(s.Length - i, d.Length - o));
                    s.Slice(i, len).CopyTo(d.AsSpan(o));
                    i += n + 1; o += len;
                }
                else if (n != -128)
                {
                    if (i >= s.Length) break;
                    int len = Math.Min(1 - n, d.Length - o);
                    d.AsSpan(o, len).Fill(s[i++]);
                    o += len;
                }
            }
            return o;
        }

        private void UndoHorizontal(byte[] d, int rowBytes, int rows, int spp, int bytesPerSample)
        {
            for (int r = 0; r < rows; r++)
            {
                var row = d.AsSpan(r * rowBytes, rowBytes);
                int count = rowBytes / bytesPerSample;
                switch (bytesPerSample)
                {
                    case 1:
                        for (int i = spp; i < count; i++) row[i] += row[i - spp];
                        break;
                    case 2:
                        for (int i = spp; i < count; i++)
                        {
                            var cur = row.Slice(2 * i); var prev = row.Slice(2 * (i - spp));
                            if (_be) BinaryPrimitives.WriteUInt16BigEndian(cur, (ushort)(BinaryPrimitives.ReadUInt16BigEndian(cur) + BinaryPrimitives.ReadUInt16BigEndian(prev)));
                            else BinaryPrimitives.WriteUInt16LittleEndian(cur, (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(cur) + BinaryPrimitives.ReadUInt16LittleEndian(prev)));
                        }
                        break;
                    default:
                        for (int i = spp; i < count; i++)
                        {
                            var cur = row.Slice(4 * i); var prev = row.Slice(4 * (i - spp));
                            if (_be) BinaryPrimitives.WriteUInt32BigEndian(cur, BinaryPrimitives.ReadUInt32BigEndian(cur) + BinaryPrimitives.ReadUInt32BigEndian(prev));
                            else BinaryPrimitives.WriteUInt32LittleEndian(cur, BinaryPrimitives.ReadUInt32LittleEndian(cur) + BinaryPrimitives.ReadUInt32LittleEndian(prev));
                        }
                        break;
                }
            }
        }

        /// <summary>
        /// Floating-point predictor (Adobe TIFF Technical Note 3): each row was split into byte planes, most significant first,
        /// then byte-differenced. Undo both; the result is big-endian whatever the file's byte order.
        /// </summary>
        private byte[] UndoFloatPredictor(byte[] d, int rowBytes, int rows, int bytesPerSample)
        {
            // The differencing stride is samples-per-pixel for contiguous data; libtiff uses the pixel stride too.
            int stride = (int)(_tags.ContainsKey(284) && One(284, 1) == 2 ? 1 : One(277, 1));
            var outBuf = new byte[d.Length];
            int wc = rowBytes / bytesPerSample;
            for (int r = 0; r < rows; r++)
            {
                var row = d.AsSpan(r * rowBytes, rowBytes);
                for (int i = stride; i < rowBytes; i++) row[i] += row[i - stride];
                var o = outBuf.AsSpan(r * rowBytes, rowBytes);
                for (int i = 0; i < wc; i++)
                    for (int k = 0; k < bytesPerSample; k++)
                        o[i * bytesPerSample + k] = row[k * wc + i];
            }
            return outBuf;
        }
    }
}
