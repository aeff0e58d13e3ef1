using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using HdrOfx.Engine.Imaging;

namespace HdrOfx.Engine.IO.Exr.Piz;

/// <summary>
/// PIZ compression of one scanline chunk of half samples (ImfPizCompressor.cpp's compress), from float planes: the chunk
/// converted to half, channel by channel in file order (each channel's lines one after the other); a bitmap of the values
/// used and the table that maps them onto 0..k−1; one <see cref="ExrWavelet"/> pass per channel; then
/// <see cref="ExrHuffmanEncoder"/> over everything. Layout: min and max non-zero bitmap byte (2 × uint16 LE), those bitmap
/// bytes, the Huffman block's length (int32 LE), the Huffman block. A chunk PIZ does not shrink is stored raw (line by line,
/// channels in file order, as the format requires). One instance per thread: it owns its tables.
/// </summary>
internal sealed unsafe class PizChunkEncoder
{
    private const int BitmapSize = 65536 >> 3;

    private ushort[] _data = [];
    private readonly byte[] _bitmap = new byte[BitmapSize];
    private readonly ushort[] _lut = new ushort[65536];
    private readonly byte[] _used = new byte[65536];
    private readonly ExrHuffmanEncoder _huffman = new();

    [ThreadStatic] private static PizChunkEncoder? t_instance;

    /// <summary>This thread's encoder.</summary>
    public static PizChunkEncoder ForThread() => t_instance ??= new PizChunkEncoder();

    /// <summary>
    /// Lines [<paramref name="y0"/>, y0 + <paramref name="lines"/>) of the planes <paramref name="planes"/> (file channel order)
    /// as a chunk. The bytes are rented from <see cref="ArrayPool{T}.Shared"/>: the caller returns them.
    /// </summary>
    public (byte[] Buffer, int Length) Encode(ImageF image, ReadOnlySpan<int> planes, int y0, int lines)
    {
        int nx = image.Width, channels = planes.Length;
        if (lines < 1 || y0 < 0 || y0 + lines > image.Height) throw new ArgumentOutOfRangeException(nameof(lines), $"lines {y0}+{lines} outside the image's {image.Height}");
        int perChannel = nx * lines, count = perChannel * channels, rawBytes = 2 * count;
        var data = LoadHalves(image, planes, y0, lines);
        ushort max = MapUsedValues(data);
        Wavelets(data, nx, lines, channels, max);

        var bitmap = _bitmap.AsSpan();
        int minNonZero = bitmap.IndexOfAnyExcept((byte)0), maxNonZero = bitmap.LastIndexOfAnyExcept((byte)0);
        int bitmapBytes = minNonZero < 0 ? 0 : maxNonZero - minNonZero + 1;
        if (minNonZero < 0) (minNonZero, maxNonZero) = (BitmapSize - 1, 0);
        int prefix = 4 + bitmapBytes + 4;
        long bound = _huffman.Plan(data);
        var output = ArrayPool<byte>.Shared.Rent((int)Math.Min(Array.MaxLength, Math.Max(prefix + bound, rawBytes)));
        int hufLength = _huffman.Write(data, output.AsSpan(prefix));
        int length = prefix + hufLength;
        if (length >= rawBytes)
        {
            WriteRaw(image, planes, y0, lines, output);
            return (output, rawBytes);
        }
        var o = output.AsSpan();
        BinaryPrimitives.WriteUInt16LittleEndian(o, (ushort)minNonZero);
        BinaryPrimitives.WriteUInt16LittleEndian(o[2..], (ushort)maxNonZero);
        bitmap.Slice(minNonZero, bitmapBytes).CopyTo(o[4..]);
        BinaryPrimitives.WriteInt32LittleEndian(o[(4 + bitmapBytes)..], hufLength);
        return (output, length);
    }

    /// <summary>The chunk's samples as half bits, channel by channel in file order, each channel's lines one after the other.</summary>
    internal Span<ushort> LoadHalves(ImageF image, ReadOnlySpan<int> planes, int y0, int lines)
    {
        int nx = image.Width, channels = planes.Length, perChannel = nx * lines, count = perChannel * channels;
        if (_data.Length < count) _data = GC.AllocateUninitializedArray<ushort>(count);
        var data = _data.AsSpan(0, count);
        var src = image.Data;
        for (int k = 0; k < channels; k++)
            HalfConversion.ToHalf(src.AsSpan((planes[k] * image.Height + y0) * nx, perChannel), data.Slice(k * perChannel, perChannel));
        return data;
    }

    /// <summary>One <see cref="ExrWavelet"/> pass over each channel's nx × lines block.</summary>
    internal static void Wavelets(Span<ushort> data, int nx, int lines, int channels, ushort max)
    {
        int perChannel = nx * lines;
        if (data.Length < perChannel * channels) throw new ArgumentException($"{data.Length} samples, {channels} channels of {nx}x{lines} need {perChannel * channels}", nameof(data));
        fixed (ushort* d = data)
            for (int k = 0; k < channels; k++)
                ExrWavelet.Encode(d + (long)k * perChannel, nx, 1, lines, nx, max);
    }

    /// <summary>
    /// Fills the bitmap of the values used (bit v &amp; 7 of byte v &gt;&gt; 3; zero is implied and never set) and replaces each value
    /// by its rank among the used values and zero (forwardLutFromBitmap, applyLut); returns the largest rank.
    /// </summary>
    internal ushort MapUsedValues(Span<ushort> data) => MapUsedValues(data, reference: false);

    /// <param name="reference">Rank every one of the 65536 values by a running sum (forwardLutFromBitmap's loop), the twin tests' reference.</param>
    internal ushort MapUsedValues(Span<ushort> data, bool reference)
    {
        var used = _used;
        Array.Clear(used);
        ref byte u = ref MemoryMarshal.GetArrayDataReference(used);
        foreach (ushort v in data) System.Runtime.CompilerServices.Unsafe.Add(ref u, v) = 1;
        used[0] = 0;
        var words = MemoryMarshal.Cast<byte, uint>(_bitmap.AsSpan());
        for (int w = 0; w < words.Length; w++)
            words[w] = ~Vector256.Equals(Vector256.Create(used.AsSpan(32 * w, 32)), Vector256<byte>.Zero).ExtractMostSignificantBits();
        var lut = _lut;
        int k;
        if (reference)
        {
            used[0] = 1;
            k = 0;
            for (int i = 0; i < lut.Length; i++)
            {
                lut[i] = (ushort)k;
                k += used[i];
            }
        }
        else
        {
            // Only the used values are looked up: each one's rank is 1 + the used non-zero values below it, read off the
            // bitmap's set bits (a few thousand a chunk) instead of a running sum over all 65536.
            lut[0] = 0;
            k = 1;
            for (int w = 0; w < words.Length; w++)
                for (uint bits = words[w]; bits != 0; bits &= bits - 1)
                    lut[32 * w + System.Numerics.BitOperations.TrailingZeroCount(bits)] = (ushort)k++;
        }
        if (!BitConverter.IsLittleEndian) BinaryPrimitives.ReverseEndianness(words, words);
        ref ushort l = ref MemoryMarshal.GetArrayDataReference(lut);
        foreach (ref ushort v in data) v = System.Runtime.CompilerServices.Unsafe.Add(ref l, v);
        return (ushort)(k - 1);
    }

    /// <summary>The bitmap <see cref="MapUsedValues(Span{ushort})"/> filled (for the tests).</summary>
    internal ReadOnlySpan<byte> Bitmap => _bitmap;

    /// <summary>The uncompressed chunk: for each line, each channel's half samples (little-endian) in file order.</summary>
    private static void WriteRaw(ImageF image, ReadOnlySpan<int> planes, int y0, int lines, byte[] output)
    {
        int nx = image.Width;
        var dst = MemoryMarshal.Cast<byte, ushort>(output.AsSpan(0, 2 * nx * lines * planes.Length));
        int o = 0;
        for (int y = 0; y < lines; y++)
            foreach (int p in planes)
            {
                HalfConversion.ToHalf(image.Row(p, y0 + y), dst.Slice(o, nx));
                o += nx;
            }
        if (!BitConverter.IsLittleEndian) BinaryPrimitives.ReverseEndianness(dst, dst);
    }
}
