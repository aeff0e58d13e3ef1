namespace HdrOfx.Engine.IO.Tiff;

/// <summary>
/// TIFF LZW decoder (TIFF 6.0 §13): MSB-first codes of 9..12 bits, Clear = 256, EndOfInformation = 257,
/// and the code width grows one code early (at 511, 1023, 2047) as every TIFF writer does.
/// </summary>
internal static class TiffLzw
{
    private const int Clear = 256, Eoi = 257, MaxCodes = 4096;

    /// <returns>bytes written to <paramref name="dst"/> (stops when full); <paramref name="error"/> set on corrupt input.</returns>
    public static int Decode(ReadOnlySpan<byte> src, Span<byte> dst, out string? error)
    {
        error = null;
        if (src.Length >= 2 && src[0] == 0 && (src[1] & 1) != 0)
        {
            error = "old-style (LSB-first) LZW is not supported";
            return 0;
        }
        Span<short> prefix = stackalloc short[MaxCodes];
        Span<byte> suffix = stackalloc byte[MaxCodes];
        Span<byte> first = stackalloc byte[MaxCodes];
        Span<short> length = stackalloc short[MaxCodes];
        for (int i = 0; i < 256; i++) { prefix[i] = -1; suffix[i] = (byte)i; first[i] = (byte)i; length[i] = 1; }

        int next = 258, width = 9, old = -1, o = 0;
        long bitPos = 0, totalBits = (long)src.Length * 8;
        while (o < dst.Length)
        {
            if (bitPos + width > totalBits) break; // ran out of input: caller sees a short count
            int code = 0;
            for (int k = 0; k < width; k++, bitPos++)
                code = (code << 1) | ((src[(int)(bitPos >> 3)] >> (7 - (int)(bitPos & 7))) & 1);
            if (code == Eoi) break;
            if (code == Clear)
            {
                next = 258; width = 9; old = -1;
                continue;
            }
            int emit;
            if (old < 0)
            {
                if (code > 255) { error = $"first code after Clear is {code}"; return o; }
                emit = code;
            }
            else if (code < next)
            {
                emit = code;
                if (next < MaxCodes) { prefix[next] = (short)old; suffix[next] = first[code]; first[next] = first[old]; length[next] = (short)(length[old] + 1); next++; }
            }
            else if (code == next && next < MaxCodes)
            {
                prefix[next] = (short)old; suffix[next] = first[old]; first[next] = first[old]; length[next] = (short)(length[old] + 1); next++;
                emit = code;
            }
            else { error = $"code {code} is beyond the table ({next})"; return o; }

            // Write the string of `emit` backwards.
            int len = length[emit];
            int end = o + len;
            int c = emit;
            for (int p = end - 1; p >= o; p--)
            {
                if (p < dst.Length) dst[p] = suffix[c];
                c = prefix[c];
            }
            o = Math.Min(end, dst.Length);
            old = emit;
            if (next + 1 >= (1 << width) && width < 12) width++;
        }
        return o;
    }
}
