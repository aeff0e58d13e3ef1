using System.Buffers.Binary;
using System.Text;

namespace HdrOfx.Engine.Tests.IO.Exr;

/// <summary>Deterministic mutations of a valid EXR file for the robustness tests.</summary>
internal static class ExrFuzzer
{
    public enum Kind { BitFlip, ByteOverwrite, Truncate, Insert, HeaderField, OffsetTable, ChunkHeader, Splice }

    public static readonly Kind[] Kinds = Enum.GetValues<Kind>();

    private static readonly int[] Extremes = [0, 1, -1, 2, 255, 256, 65535, 65536, int.MaxValue, int.MinValue, int.MaxValue - 1, 1 << 20, 1 << 28, -(1 << 28)];

    public static byte[] Mutate(byte[] seed, Kind kind, Random rng)
    {
        var b = (byte[])seed.Clone();
        switch (kind)
        {
            case Kind.BitFlip:
                for (int n = 1 + rng.Next(8); n > 0; n--)
                {
                    int i = rng.Next(b.Length);
                    b[i] ^= (byte)(1 << rng.Next(8));
                }
                return b;
            case Kind.ByteOverwrite:
            {
                int at = rng.Next(b.Length), len = 1 + rng.Next(16);
                for (int i = at; i < Math.Min(b.Length, at + len); i++) b[i] = (byte)rng.Next(256);
                return b;
            }
            case Kind.Truncate:
                return b[..rng.Next(b.Length)];
            case Kind.Insert:
            {
                int at = rng.Next(b.Length + 1);
                var ins = new byte[1 + rng.Next(64)];
                rng.NextBytes(ins);
                return [.. b[..at], .. ins, .. b[at..]];
            }
            case Kind.HeaderField:
                return CorruptHeaderField(b, rng);
            case Kind.OffsetTable:
            {
                var (start, count) = OffsetTable(b);
                if (count == 0) goto case Kind.BitFlip;
                int i = rng.Next(count);
                long v = rng.Next(4) switch
                {
                    0 => Extremes[rng.Next(Extremes.Length)],
                    1 => rng.NextInt64(b.Length * 2L),
                    2 => BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(start + 8 * rng.Next(count))),
                    _ => -rng.NextInt64(1L << 40),
                };
                BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(start + 8 * i), v);
                return b;
            }
            case Kind.ChunkHeader:
            {
                var (start, count) = OffsetTable(b);
                if (count == 0) goto case Kind.BitFlip;
                long off = BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(start + 8 * rng.Next(count)));
                if (off < 0 || off > b.Length - 20) goto case Kind.BitFlip;
                // Scanline: y, size. Tiled: tx, ty, lx, ly, size. Hit one of the first five ints.
                int field = rng.Next(5);
                BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan((int)off + 4 * field), rng.Next(2) == 0 ? Extremes[rng.Next(Extremes.Length)] : rng.Next(-64, 4096));
                return b;
            }
            case Kind.Splice:
            {
                // Copy a block of the file over another place in it (plausible-looking garbage).
                int len = 1 + rng.Next(Math.Min(256, b.Length / 2));
                int from = rng.Next(b.Length - len), to = rng.Next(b.Length - len);
                Array.Copy(seed, from, b, to, len);
                return b;
            }
        }
        return b;
    }

    private static byte[] CorruptHeaderField(byte[] b, Random rng)
    {
        var attrs = Attributes(b);
        if (attrs.Count == 0) return b;
        var (name, typeAt, sizeAt, valueAt, size) = attrs[rng.Next(attrs.Count)];
        switch (rng.Next(5))
        {
            case 0: // the size field
                BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(sizeAt), rng.Next(2) == 0 ? Extremes[rng.Next(Extremes.Length)] : size + rng.Next(-8, 9));
                break;
            case 1: // the type name
                b[typeAt + rng.Next(Math.Max(1, sizeAt - typeAt - 1))] = (byte)rng.Next(32, 127);
                break;
            case 2: // an int in the value
                if (size >= 4)
                    BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(valueAt + 4 * rng.Next(size / 4)), Extremes[rng.Next(Extremes.Length)]);
                break;
            case 3: // a byte in the value
                if (size >= 1) b[valueAt + rng.Next(size)] = (byte)rng.Next(256);
                break;
            default: // small shift of an int (windows, tile sizes, samplings)
                if (size >= 4)
                {
                    int at = valueAt + 4 * rng.Next(size / 4);
                    BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(at), BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(at)) + rng.Next(-40, 41));
                }
                break;
        }
        return b;
    }

    /// <summary>(name, typeAt, sizeAt, valueAt, size) of each header attribute of a single-part file.</summary>
    public static List<(string Name, int TypeAt, int SizeAt, int ValueAt, int Size)> Attributes(byte[] b)
    {
        var list = new List<(string, int, int, int, int)>();
        int pos = 8;
        while (pos < b.Length && b[pos] != 0)
        {
            int n0 = pos;
            while (pos < b.Length && b[pos] != 0) pos++;
            if (pos >= b.Length) break;
            string name = Encoding.ASCII.GetString(b, n0, pos - n0);
            int typeAt = ++pos;
            while (pos < b.Length && b[pos] != 0) pos++;
            int sizeAt = ++pos;
            if (sizeAt + 4 > b.Length) break;
            int size = BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(sizeAt));
            if (size < 0 || sizeAt + 4 + size > b.Length) break;
            list.Add((name, typeAt, sizeAt, sizeAt + 4, size));
            pos = sizeAt + 4 + size;
        }
        return list;
    }

    public static int FindAttributeValue(byte[] b, string name) =>
        Attributes(b).FirstOrDefault(a => a.Name == name).ValueAt;

    /// <summary>Start and entry count of the chunk offset table (entries until the first chunk).</summary>
    public static (int Start, int Count) OffsetTable(byte[] b)
    {
        var attrs = Attributes(b);
        if (attrs.Count == 0) return (0, 0);
        var last = attrs[^1];
        int start = last.ValueAt + last.Size + 1;
        if (start + 8 > b.Length) return (start, 0);
        long first = BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(start));
        if (first <= start || first > b.Length) return (start, 0);
        return (start, (int)((first - start) / 8));
    }
}
