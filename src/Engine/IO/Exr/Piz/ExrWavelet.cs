using System.Runtime.CompilerServices;

namespace HdrOfx.Engine.IO.Exr.Piz;

/// <summary>
/// OpenEXR's 2D Haar-like wavelet encoding of 16-bit values (ImfWav.cpp's wav2Encode, the middle stage of PIZ), in place:
/// levels p = 1, 2, 4, … while 2p ≤ min(nx, ny), each one transforming 2×2 blocks of samples p apart, then a lone odd
/// column and odd line. Values whose range is below 2^14 use the exact signed-16-bit pair (<see cref="Wenc14"/>), others
/// the modular one (<see cref="Wenc16"/>); the decoder picks the same from the largest value.
/// </summary>
internal static unsafe class ExrWavelet
{
    /// <param name="data">The first sample.</param>
    /// <param name="ox">Distance between neighbours in x, in samples.</param>
    /// <param name="oy">Distance between neighbours in y, in samples.</param>
    /// <param name="max">The largest value in the data.</param>
    public static void Encode(ushort* data, int nx, int ox, int ny, int oy, ushort max)
    {
        if (max < 1 << 14) Encode<Wenc14>(data, nx, ox, ny, oy);
        else Encode<Wenc16>(data, nx, ox, ny, oy);
    }

    private static void Encode<T>(ushort* data, int nx, int ox, int ny, int oy) where T : struct, IPair
    {
        int n = Math.Min(nx, ny);
        int p = 1, p2 = 2;
        while (p2 <= n)
        {
            ushort* py = data;
            ushort* ey = data + (long)oy * (ny - p2);
            int oy1 = oy * p, oy2 = oy * p2, ox1 = ox * p, ox2 = ox * p2;
            for (; py <= ey; py += oy2)
            {
                ushort* px = py;
                ushort* ex = py + (long)ox * (nx - p2);
                for (; px <= ex; px += ox2)
                {
                    ushort* p01 = px + ox1;
                    ushort* p10 = px + oy1;
                    ushort* p11 = p10 + ox1;
                    T.Encode(*px, *p01, out ushort i00, out ushort i01);
                    T.Encode(*p10, *p11, out ushort i10, out ushort i11);
                    T.Encode(i00, i10, out *px, out *p10);
                    T.Encode(i01, i11, out *p01, out *p11);
                }
                if ((nx & p) != 0)
                {
                    ushort* p10 = px + oy1;
                    T.Encode(*px, *p10, out ushort i00, out *p10);
                    *px = i00;
                }
            }
            if ((ny & p) != 0)
            {
                ushort* px = py;
                ushort* ex = py + (long)ox * (nx - p2);
                for (; px <= ex; px += ox2)
                {
                    ushort* p01 = px + ox1;
                    T.Encode(*px, *p01, out ushort i00, out *p01);
                    *px = i00;
                }
            }
            p = p2;
            p2 <<= 1;
        }
    }

    internal interface IPair
    {
        static abstract void Encode(ushort a, ushort b, out ushort l, out ushort h);
    }

    /// <summary>Mean and difference as signed 16-bit values (wenc14), exact for inputs below 2^14.</summary>
    internal readonly struct Wenc14 : IPair
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Encode(ushort a, ushort b, out ushort l, out ushort h)
        {
            int sa = (short)a, sb = (short)b;
            l = (ushort)((sa + sb) >> 1);
            h = (ushort)(sa - sb);
        }
    }

    /// <summary>Mean and difference modulo 2^16 with offsets (wenc16), lossless for any 16-bit inputs.</summary>
    internal readonly struct Wenc16 : IPair
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Encode(ushort a, ushort b, out ushort l, out ushort h)
        {
            int ao = (a + 0x8000) & 0xFFFF;
            int m = (ao + b) >> 1;
            int d = ao - b;
            if (d < 0) m = (m + 0x8000) & 0xFFFF;
            l = (ushort)m;
            h = (ushort)(d & 0xFFFF);
        }
    }
}
