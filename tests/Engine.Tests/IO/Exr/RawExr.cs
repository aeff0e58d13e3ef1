using System.Buffers.Binary;
using System.Text;

namespace HdrOfx.Engine.Tests.IO.Exr;

/// <summary>
/// A tiny parser, independent of OpenEXRCore, for single-part scanline EXRs with NONE compression and
/// float channels: what <c>oiiotool -d float --compression none</c> writes. Used to check decodes exactly.
/// </summary>
internal sealed class RawExr
{
    public int MinX, MinY, MaxX, MaxY;
    public int Width => MaxX - MinX + 1;
    public int Height => MaxY - MinY + 1;
    public Dictionary<string, float[]> Channels { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, string> AttrTypes { get; } = new(StringComparer.Ordinal);

    public static RawExr Read(string path)
    {
        byte[] b = File.ReadAllBytes(path);
        if (BinaryPrimitives.ReadUInt32LittleEndian(b) != 20000630) throw new InvalidDataException("not exr");
        if ((b[5] & 0x02) != 0 || (b[5] & 0x1e) != 0) throw new InvalidDataException("only single-part scanline");
        int pos = 8;
        var r = new RawExr();
        var chans = new List<(string Name, int Type)>();
        int compression = -1;
        while (true)
        {
            string name = CStr(b, ref pos);
            if (name.Length == 0) break;
            string type = CStr(b, ref pos);
            int size = BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(pos));
            pos += 4;
            var v = b.AsSpan(pos, size);
            r.AttrTypes[name] = type;
            switch (name)
            {
                case "channels":
                    int q = 0;
                    while (v[q] != 0)
                    {
                        int s = q;
                        while (v[q] != 0) q++;
                        string cn = Encoding.UTF8.GetString(v[s..q]);
                        q++;
                        int pt = BinaryPrimitives.ReadInt32LittleEndian(v[q..]);
                        q += 16;
                        chans.Add((cn, pt));
                    }
                    break;
                case "compression": compression = v[0]; break;
                case "dataWindow":
                    r.MinX = BinaryPrimitives.ReadInt32LittleEndian(v);
                    r.MinY = BinaryPrimitives.ReadInt32LittleEndian(v[4..]);
                    r.MaxX = BinaryPrimitives.ReadInt32LittleEndian(v[8..]);
                    r.MaxY = BinaryPrimitives.ReadInt32LittleEndian(v[12..]);
                    break;
            }
            pos += size;
        }
        if (compression != 0) throw new InvalidDataException($"compression {compression} != NONE");
        int w = r.Width, h = r.Height;
        foreach (var (n, t) in chans)
        {
            if (t != 2) throw new InvalidDataException($"channel {n} type {t} is not float");
            r.Channels[n] = new float[w * h];
        }
        // Offset table: one chunk per scanline for NONE.
        for (int i = 0; i < h; i++)
        {
            long off = BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(pos + 8 * i));
            int p = (int)off;
            int y = BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(p)) - r.MinY;
            p += 8;
            foreach (var (n, _) in chans) // channels are stored in header (alphabetical) order
            {
                var dst = r.Channels[n];
                for (int x = 0; x < w; x++, p += 4)
                    dst[y * w + x] = BinaryPrimitives.ReadSingleLittleEndian(b.AsSpan(p));
            }
        }
        return r;
    }

    private static string CStr(byte[] b, ref int pos)
    {
        int s = pos;
        while (b[pos] != 0) pos++;
        return Encoding.UTF8.GetString(b, s, pos++ - s);
    }
}
