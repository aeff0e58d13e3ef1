using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace HdrOfx.Engine.IO.Exr.Piz;

/// <summary>
/// OpenEXR's 2D Haar-like wavelet encoding of 16-bit values (ImfWav.cpp's wav2Encode, the middle stage of PIZ), in place:
/// levels p = 1, 2, 4, … while 2p ≤ min(nx, ny), each one transforming 2×2 blocks of samples p apart, then a lone odd
/// column and odd line. Values whose range is below 2^14 use the exact signed-16-bit pair (<see cref="Wenc14"/>), others
/// the modular one (<see cref="Wenc16"/>); the decoder picks the same from the largest value. The first level, three
/// quarters of the work, goes 8 blocks at a time in vector lanes where neighbours in x are adjacent (<see cref="Level1Rows"/>);
/// its integer arithmetic gives the scalar pairs' results to the bit (<see cref="EncodeReference"/> is the reference).
/// </summary>
internal static unsafe class ExrWavelet
{
    /// <param name="data">The first sample.</param>
    /// <param name="ox">Distance between neighbours in x, in samples.</param>
    /// <param name="oy">Distance between neighbours in y, in samples.</param>
    /// <param name="max">The largest value in the data.</param>
    public static void Encode(ushort* data, int nx, int ox, int ny, int oy, ushort max)
    {
        if (max < 1 << 14) Encode<Wenc14>(data, nx, ox, ny, oy, vector: true);
        else Encode<Wenc16>(data, nx, ox, ny, oy, vector: true);
    }

    /// <summary>The same transform with scalar pairs only: the reference of the vector path.</summary>
    internal static void EncodeReference(ushort* data, int nx, int ox, int ny, int oy, ushort max)
    {
        if (max < 1 << 14) Encode<Wenc14>(data, nx, ox, ny, oy, vector: false);
        else Encode<Wenc16>(data, nx, ox, ny, oy, vector: false);
    }

    private static void Encode<T>(ushort* data, int nx, int ox, int ny, int oy, bool vector) where T : struct, IPair
    {
        int n = Math.Min(nx, ny);
        int p = 1, p2 = 2;
        vector &= ox == 1 && Vector256.IsHardwareAccelerated;
        while (p2 <= n)
        {
            ushort* py = data;
            ushort* ey = data + (long)oy * (ny - p2);
            int oy1 = oy * p, oy2 = oy * p2, ox1 = ox * p, ox2 = ox * p2;
            for (; py <= ey; py += oy2)
            {
                ushort* px = py;
                ushort* ex = py + (long)ox * (nx - p2);
                if (p == 1 && vector) px += Level1Rows<T>(py, py + oy, nx);
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

    /// <summary>
    /// The first level's 2×2 blocks of rows <paramref name="r0"/> and <paramref name="r1"/> (x neighbours adjacent), 16
    /// samples (8 blocks) a step while they lie in the row: each row's x pairs as 32-bit lanes (a low, b high), then the
    /// y pairs lane by lane in 16 bits. Returns the number of samples done; the scalar loop finishes the row.
    /// </summary>
    private static int Level1Rows<T>(ushort* r0, ushort* r1, int nx) where T : struct, IPair
    {
        int x = 0;
        for (; x + 16 <= nx; x += 16)
        {
            var top = T.Horizontal(Vector256.Load(r0 + x).AsInt32()).AsUInt16();
            var bottom = T.Horizontal(Vector256.Load(r1 + x).AsInt32()).AsUInt16();
            var (l, h) = T.Vertical(top, bottom);
            l.Store(r0 + x);
            h.Store(r1 + x);
        }
        return x;
    }

    internal interface IPair
    {
        static abstract void Encode(ushort a, ushort b, out ushort l, out ushort h);

        /// <summary>Pairs (a in the low 16 bits, b in the high) to l in the low 16 bits, h in the high.</summary>
        static abstract Vector256<int> Horizontal(Vector256<int> pairs);

        /// <summary>Lane by lane: (a, b) to (l, h).</summary>
        static abstract (Vector256<ushort> L, Vector256<ushort> H) Vertical(Vector256<ushort> a, Vector256<ushort> b);
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

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Horizontal(Vector256<int> pairs)
        {
            var sa = Vector256.ShiftRightArithmetic(Vector256.ShiftLeft(pairs, 16), 16);
            var sb = Vector256.ShiftRightArithmetic(pairs, 16);
            var l = Vector256.ShiftRightArithmetic(sa + sb, 1) & Vector256.Create(0xFFFF);
            return l | Vector256.ShiftLeft(sa - sb, 16);
        }

        /// <summary>(a + b) &gt;&gt; 1 in 16 bits as (a &gt;&gt; 1) + (b &gt;&gt; 1) + (a &amp; b &amp; 1), the same floor without the 17th bit.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static (Vector256<ushort> L, Vector256<ushort> H) Vertical(Vector256<ushort> a, Vector256<ushort> b)
        {
            var sa = a.AsInt16();
            var sb = b.AsInt16();
            var l = Vector256.ShiftRightArithmetic(sa, 1) + Vector256.ShiftRightArithmetic(sb, 1) + (sa & sb & Vector256<short>.One);
            return (l.AsUInt16(), a - b);
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

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Horizontal(Vector256<int> pairs)
        {
            var ao = (pairs & Vector256.Create(0xFFFF)) ^ Vector256.Create(0x8000);
            var b = Vector256.ShiftRightLogical(pairs, 16);
            var d = ao - b;
            var m = Vector256.ShiftRightArithmetic(ao + b, 1) ^ (Vector256.ShiftRightArithmetic(d, 31) & Vector256.Create(0x8000));
            return m | Vector256.ShiftLeft(d, 16);
        }

        /// <summary>
        /// In 16 bits: (a + 0x8000) mod 2^16 is a ^ 0x8000, the mean's floor (ao &gt;&gt; 1) + (b &gt;&gt; 1) + (ao &amp; b &amp; 1), d &lt; 0 is
        /// ao &lt; b unsigned, and adding 0x8000 to m modulo 2^16 flips its top bit.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static (Vector256<ushort> L, Vector256<ushort> H) Vertical(Vector256<ushort> a, Vector256<ushort> b)
        {
            var top = Vector256.Create((ushort)0x8000);
            var ao = a ^ top;
            var m = Vector256.ShiftRightLogical(ao, 1) + Vector256.ShiftRightLogical(b, 1) + (ao & b & Vector256<ushort>.One);
            m ^= Vector256.LessThan(ao, b) & top;
            return (m, ao - b);
        }
    }
}
