using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace HdrOfx.Engine.IO.Png;

/// <summary>
/// CRC-32 (ISO 3309, polynomial 0xEDB88320, reflected) as PNG chunks use it; slicing by 16 bytes (16 table lookups a step,
/// independent of each other, where a byte at a time chains one lookup to the next). <see cref="UpdateBytewise"/> is the reference.
/// </summary>
internal static class Crc32
{
    private const int Slices = 16;

    /// <summary>Sixteen 256-entry tables: [0] the byte-wise table, [k] the CRC of a byte followed by k zero bytes.</summary>
    private static readonly uint[] Table = BuildTables();

    private static uint[] BuildTables()
    {
        var t = new uint[Slices * 256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[n] = c;
        }
        for (int k = 1; k < Slices; k++)
            for (int n = 0; n < 256; n++)
            {
                uint prev = t[(k - 1) * 256 + n];
                t[k * 256 + n] = (prev >> 8) ^ t[prev & 0xFF];
            }
        return t;
    }

    /// <summary>Continues a running CRC; start with 0xFFFFFFFF and xor the end result with 0xFFFFFFFF.</summary>
    public static uint Update(uint crc, ReadOnlySpan<byte> data)
    {
        ref uint t = ref MemoryMarshal.GetArrayDataReference(Table);
        ref byte d = ref MemoryMarshal.GetReference(data);
        int i = 0;
        for (; i + Slices <= data.Length; i += Slices)
        {
            uint a = crc ^ Le32(ref d, i), b = Le32(ref d, i + 4), c = Le32(ref d, i + 8), e = Le32(ref d, i + 12);
            crc = At(ref t, 15, a) ^ At(ref t, 14, a >> 8) ^ At(ref t, 13, a >> 16) ^ At(ref t, 12, a >> 24)
                ^ At(ref t, 11, b) ^ At(ref t, 10, b >> 8) ^ At(ref t, 9, b >> 16) ^ At(ref t, 8, b >> 24)
                ^ At(ref t, 7, c) ^ At(ref t, 6, c >> 8) ^ At(ref t, 5, c >> 16) ^ At(ref t, 4, c >> 24)
                ^ At(ref t, 3, e) ^ At(ref t, 2, e >> 8) ^ At(ref t, 1, e >> 16) ^ At(ref t, 0, e >> 24);
        }
        return UpdateBytewise(crc, data[i..]);
    }

    /// <summary>One byte at a time: the reference, and the tail of <see cref="Update"/>.</summary>
    internal static uint UpdateBytewise(uint crc, ReadOnlySpan<byte> data)
    {
        var t = Table;
        foreach (byte x in data) crc = t[(crc ^ x) & 0xFF] ^ (crc >> 8);
        return crc;
    }

    public static uint Compute(ReadOnlySpan<byte> data) => Update(0xFFFFFFFFu, data) ^ 0xFFFFFFFFu;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Le32(ref byte d, int at)
    {
        uint v = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref d, at));
        return BitConverter.IsLittleEndian ? v : BinaryPrimitives.ReverseEndianness(v);
    }

    /// <summary>Table <paramref name="k"/>'s entry for the low byte of <paramref name="v"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint At(ref uint t, int k, uint v) => Unsafe.Add(ref t, k * 256 + (int)(v & 0xFF));
}
