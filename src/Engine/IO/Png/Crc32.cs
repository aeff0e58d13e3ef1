using System.Buffers.Binary;

namespace HdrOfx.Engine.IO.Png;

/// <summary>CRC-32 (ISO 3309, polynomial 0xEDB88320, reflected) as PNG chunks use it; slicing by 4 bytes.</summary>
internal static class Crc32
{
    /// <summary>Four 256-entry tables: [0] the byte-wise table, [k] the CRC of a byte followed by k zero bytes.</summary>
    private static readonly uint[] Table = BuildTables();

    private static uint[] BuildTables()
    {
        var t = new uint[4 * 256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[n] = c;
        }
        for (int k = 1; k < 4; k++)
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
        var t = Table;
        int i = 0;
        for (; i + 4 <= data.Length; i += 4)
        {
            crc ^= BinaryPrimitives.ReadUInt32LittleEndian(data[i..]);
            crc = t[768 + (crc & 0xFF)] ^ t[512 + ((crc >> 8) & 0xFF)] ^ t[256 + ((crc >> 16) & 0xFF)] ^ t[crc >> 24];
        }
        for (; i < data.Length; i++) crc = t[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
        return crc;
    }

    public static uint Compute(ReadOnlySpan<byte> data) => Update(0xFFFFFFFFu, data) ^ 0xFFFFFFFFu;
}
