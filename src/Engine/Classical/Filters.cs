using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace HdrOfx.Engine.Classical;

/// <summary>Planar single-channel helpers on raw float arrays (w×h, row-major) used by the flow and the merge.</summary>
internal static class Filters
{
    /// <summary>Box mean of radius r with replicated borders. tmp must hold w*h floats; src may equal dst.</summary>
    public static void BoxMean(float[] src, float[] dst, float[] tmp, int w, int h, int r)
    {
        if (r <= 0)
        {
            if (!ReferenceEquals(src, dst)) Array.Copy(src, dst, w * h);
            return;
        }
        ParallelRange.ForRows(h, w, new BoxRows(src, tmp, w, r));
        ParallelRange.ForRows(h, w, new BoxColumns(tmp, dst, w, h, r));
    }

    private readonly struct BoxRows(float[] src, float[] tmp, int w, int r) : IRangeOperation
    {
        public void Invoke(int y0, int y1)
        {
            for (int y = y0; y < y1; y++) BoxRow(src.AsSpan(y * w, w), tmp.AsSpan(y * w, w), r);
        }
    }

    private readonly struct BoxColumns(float[] tmp, float[] dst, int w, int h, int r) : IRangeOperation
    {
        public void Invoke(int y0, int y1)
        {
            float inv = 1f / ((2 * r + 1) * (2 * r + 1));
            var acc = new float[w];
            for (int k = -r; k <= r; k++) RowMath.Add(acc, tmp.AsSpan(Math.Clamp(y0 + k, 0, h - 1) * w, w));
            for (int y = y0; y < y1; y++)
            {
                RowMath.Scale(dst.AsSpan(y * w, w), acc, inv);
                if (y + 1 < y1) RowMath.AddSub(acc, tmp.AsSpan(Math.Min(y + r + 1, h - 1) * w, w), tmp.AsSpan(Math.Max(y - r, 0) * w, w));
            }
        }
    }

    /// <summary>
    /// Horizontal box sum of radius r with replicated borders. Small radii (the flow's) sum 2r+1 shifted loads 8-wide over
    /// the interior; larger ones use a running sum.
    /// </summary>
    private static void BoxRow(ReadOnlySpan<float> s, Span<float> d, int r)
    {
        int w = s.Length;
        if (r <= 4 && Vector256.IsHardwareAccelerated && w >= 2 * r + 8)
        {
            int x = 0;
            for (; x < r; x++) d[x] = ClampedSum(s, x, r);
            ref float S = ref MemoryMarshal.GetReference(s);
            ref float D = ref MemoryMarshal.GetReference(d);
            for (; x + 8 <= w - r; x += 8)
            {
                var acc = Vector256.LoadUnsafe(ref S, (nuint)(x - r));
                for (int k = 1 - r; k <= r; k++) acc += Vector256.LoadUnsafe(ref S, (nuint)(x + k));
                acc.StoreUnsafe(ref D, (nuint)x);
            }
            for (; x < w; x++) d[x] = ClampedSum(s, x, r);
            return;
        }
        RunningBoxRow(s, d, r);
    }

    private static float ClampedSum(ReadOnlySpan<float> s, int x, int r)
    {
        float sum = 0f;
        for (int k = -r; k <= r; k++) sum += s[Math.Clamp(x + k, 0, s.Length - 1)];
        return sum;
    }

    private static void RunningBoxRow(ReadOnlySpan<float> s, Span<float> d, int r)
    {
        int w = s.Length;
        float sum = 0;
        for (int k = -r; k <= r; k++) sum += s[Math.Clamp(k, 0, w - 1)];
        for (int x = 0; x < w; x++)
        {
            d[x] = sum;
            sum += s[Math.Min(x + r + 1, w - 1)] - s[Math.Max(x - r, 0)];
        }
    }

    /// <summary>2×2 mean downsample; output is ((w+1)/2)×((h+1)/2), edge blocks replicate the last row/column.</summary>
    public static void Downsample2(float[] src, int w, int h, float[] dst, int dw, int dh) =>
        ParallelRange.ForRows(dh, dw * 4, new Downsample2Rows(src, w, h, dst, dw));

    private readonly struct Downsample2Rows(float[] src, int w, int h, float[] dst, int dw) : IRangeOperation
    {
        public void Invoke(int y0, int y1)
        {
            for (int y = y0; y < y1; y++)
            {
                int sy0 = 2 * y, sy1 = Math.Min(2 * y + 1, h - 1);
                int r0 = sy0 * w, r1 = sy1 * w;
                for (int x = 0; x < dw; x++)
                {
                    int sx0 = 2 * x, sx1 = Math.Min(2 * x + 1, w - 1);
                    dst[y * dw + x] = 0.25f * (src[r0 + sx0] + src[r0 + sx1] + src[r1 + sx0] + src[r1 + sx1]);
                }
            }
        }
    }

    /// <summary>
    /// 2× decimation with the separable [1 3 3 1]/8 kernel (less aliasing than the 2×2 box, so coarse pyramid
    /// levels still obey brightness constancy for fine texture); replicated borders.
    /// </summary>
    public static void Pyramid2(float[] src, int w, int h, float[] dst, int dw, int dh) =>
        ParallelRange.ForRows(dh, dw * 20, new Pyramid2Rows(src, w, h, dst, dw));

    private readonly struct Pyramid2Rows(float[] src, int w, int h, float[] dst, int dw) : IRangeOperation
    {
        public void Invoke(int y0, int y1)
        {
            var row = new float[dw];
            for (int y = y0; y < y1; y++)
            {
                Array.Clear(row);
                for (int k = 0; k < 4; k++)
                {
                    float wy = k is 0 or 3 ? 0.125f : 0.375f;
                    int sr = Math.Clamp(2 * y - 1 + k, 0, h - 1) * w;
                    for (int x = 0; x < dw; x++)
                    {
                        int c = 2 * x;
                        float v = 0.125f * (src[sr + Math.Max(c - 1, 0)] + src[sr + Math.Min(c + 2, w - 1)])
                                + 0.375f * (src[sr + Math.Min(c, w - 1)] + src[sr + Math.Min(c + 1, w - 1)]);
                        row[x] += wy * v;
                    }
                }
                Array.Copy(row, 0, dst, y * dw, dw);
            }
        }
    }

    /// <summary>
    /// Bilinear resample of a flow component from a (sw×sh) grid to (dw×dh) where a destination pixel's centre maps to
    /// ((x+0.5)·sw/dw − 0.5); values are multiplied by <paramref name="gain"/> (the resolution ratio).
    /// </summary>
    public static void ResampleBilinear(float[] src, int sw, int sh, float[] dst, int dw, int dh, float gain)
    {
        float rx = (float)sw / dw, ry = (float)sh / dh;
        var x0s = new int[dw];
        var x1s = new int[dw];
        var fxs = new float[dw];
        for (int x = 0; x < dw; x++)
        {
            float sx = Math.Clamp((x + 0.5f) * rx - 0.5f, 0f, sw - 1);
            int x0 = Math.Min((int)sx, sw - 1);
            x0s[x] = x0; x1s[x] = Math.Min(x0 + 1, sw - 1); fxs[x] = sx - x0;
        }
        ParallelRange.ForRows(dh, dw * 3, new ResampleRows(src, sw, sh, dst, dw, ry, gain, x0s, x1s, fxs));
    }

    private readonly struct ResampleRows(float[] src, int sw, int sh, float[] dst, int dw, float ry, float gain, int[] x0s, int[] x1s, float[] fxs) : IRangeOperation
    {
        public void Invoke(int y0, int y1)
        {
            for (int y = y0; y < y1; y++)
            {
                float sy = Math.Clamp((y + 0.5f) * ry - 0.5f, 0f, sh - 1);
                int yy0 = Math.Min((int)sy, sh - 1), yy1 = Math.Min(yy0 + 1, sh - 1);
                float fy = sy - yy0;
                int a = yy0 * sw, b = yy1 * sw, o = y * dw;
                for (int x = 0; x < dw; x++)
                {
                    float t = src[a + x0s[x]] + fxs[x] * (src[a + x1s[x]] - src[a + x0s[x]]);
                    float u = src[b + x0s[x]] + fxs[x] * (src[b + x1s[x]] - src[b + x0s[x]]);
                    dst[o + x] = gain * (t + fy * (u - t));
                }
            }
        }
    }

    /// <summary>3×3 median with replicated borders (interior runs 8-wide with the same exchange network).</summary>
    public static void Median3(float[] src, float[] dst, int w, int h, bool allowVector = true)
    {
        bool vector = allowVector && Avx.IsSupported && w >= 10;
        ParallelRange.ForRows(h, w * 30, new MedianRows(src, dst, w, h, vector));
    }

    private readonly struct MedianRows(float[] src, float[] dst, int w, int h, bool vector) : IRangeOperation
    {
        public void Invoke(int y0, int y1)
        {
            ref float S = ref MemoryMarshal.GetArrayDataReference(src);
            for (int y = y0; y < y1; y++)
            {
                int ra = Math.Max(y - 1, 0) * w, rb = y * w, rc = Math.Min(y + 1, h - 1) * w;
                int x = 0;
                MedianPixel(src, dst, w, ra, rb, rc, x++);
                if (vector)
                {
                    for (; x + 8 <= w - 1; x += 8)
                    {
                        Median9(
                            Vector256.LoadUnsafe(ref S, (nuint)(ra + x - 1)), Vector256.LoadUnsafe(ref S, (nuint)(ra + x)), Vector256.LoadUnsafe(ref S, (nuint)(ra + x + 1)),
                            Vector256.LoadUnsafe(ref S, (nuint)(rb + x - 1)), Vector256.LoadUnsafe(ref S, (nuint)(rb + x)), Vector256.LoadUnsafe(ref S, (nuint)(rb + x + 1)),
                            Vector256.LoadUnsafe(ref S, (nuint)(rc + x - 1)), Vector256.LoadUnsafe(ref S, (nuint)(rc + x)), Vector256.LoadUnsafe(ref S, (nuint)(rc + x + 1)))
                            .StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(dst), (nuint)(rb + x));
                    }
                }
                for (; x < w; x++) MedianPixel(src, dst, w, ra, rb, rc, x);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MedianPixel(float[] src, float[] dst, int w, int ra, int rb, int rc, int x)
    {
        int xl = Math.Max(x - 1, 0), xr = Math.Min(x + 1, w - 1);
        dst[rb + x] = Median9(src[ra + xl], src[ra + x], src[ra + xr], src[rb + xl], src[rb + x], src[rb + xr], src[rc + xl], src[rc + x], src[rc + xr]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Sort2(ref Vector256<float> a, ref Vector256<float> b)
    {
        var lo = Avx.Min(a, b);
        b = Avx.Max(a, b);
        a = lo;
    }

    /// <summary><see cref="Median9(float, float, float, float, float, float, float, float, float)"/>, 8 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Median9(Vector256<float> p0, Vector256<float> p1, Vector256<float> p2, Vector256<float> p3, Vector256<float> p4,
        Vector256<float> p5, Vector256<float> p6, Vector256<float> p7, Vector256<float> p8)
    {
        Sort2(ref p1, ref p2); Sort2(ref p4, ref p5); Sort2(ref p7, ref p8);
        Sort2(ref p0, ref p1); Sort2(ref p3, ref p4); Sort2(ref p6, ref p7);
        Sort2(ref p1, ref p2); Sort2(ref p4, ref p5); Sort2(ref p7, ref p8);
        Sort2(ref p0, ref p3); Sort2(ref p5, ref p8); Sort2(ref p4, ref p7);
        Sort2(ref p3, ref p6); Sort2(ref p1, ref p4); Sort2(ref p2, ref p5);
        Sort2(ref p4, ref p7); Sort2(ref p4, ref p2); Sort2(ref p6, ref p4);
        Sort2(ref p4, ref p2);
        return p4;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Sort2(ref float a, ref float b)
    {
        float lo = MathF.Min(a, b);
        b = MathF.Max(a, b);
        a = lo;
    }

    /// <summary>Paeth's 19-exchange median-of-9 network.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Median9(float p0, float p1, float p2, float p3, float p4, float p5, float p6, float p7, float p8)
    {
        Sort2(ref p1, ref p2); Sort2(ref p4, ref p5); Sort2(ref p7, ref p8);
        Sort2(ref p0, ref p1); Sort2(ref p3, ref p4); Sort2(ref p6, ref p7);
        Sort2(ref p1, ref p2); Sort2(ref p4, ref p5); Sort2(ref p7, ref p8);
        Sort2(ref p0, ref p3); Sort2(ref p5, ref p8); Sort2(ref p4, ref p7);
        Sort2(ref p3, ref p6); Sort2(ref p1, ref p4); Sort2(ref p2, ref p5);
        Sort2(ref p4, ref p7); Sort2(ref p4, ref p2); Sort2(ref p6, ref p4);
        Sort2(ref p4, ref p2);
        return p4;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SmoothStep(float e0, float e1, float x)
    {
        float t = Math.Clamp((x - e0) / (e1 - e0), 0f, 1f);
        return t * t * (3f - 2f * t);
    }

    /// <summary>Bilinear sample of a w×h plane at (sx, sy), coordinates clamped to the pixel-centre domain.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SampleClamped(float[] p, int w, int h, float sx, float sy) => new BilinearTaps(sx, sy, w, h).Sample(p);
}
