using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace HdrOfx.Engine.Tensors.Cpu;

/// <summary>
/// Dense 3×3 convolution, stride 1, padding 1, for few output channels (≤ 32: TCAM's encoder, full-resolution decoder,
/// attention and offset convs). With so few rows in the GEMM, packing the 9·C × pixels column panel costs as much as
/// the products; here each output row is computed directly: eight output channels at a time, eight pixels a vector,
/// each input vector reused by the eight channels' broadcast weights. Work items are (image, output row).
/// Each output is the bias, then the taps fused-multiply-added over (input channel, kernel row, kernel column), in the
/// vector body and the scalar edges alike, so a pixel's value does not depend on which path computed it (tiles).
/// </summary>
public sealed partial class CpuBackend
{
    private const int DirectMaxOut = 32;

    private static bool IsDirect3x3(in ConvGeom g) =>
        Vector256.IsHardwareAccelerated && g.G == 1 && g.Kh == 3 && g.Kw == 3 && g.O <= DirectMaxOut
        && g.P.StrideH == 1 && g.P.StrideW == 1 && g.P.PadH == 1 && g.P.PadW == 1 && g.P.DilationH == 1 && g.P.DilationW == 1
        && g.Ho == g.H && g.Wo == g.W;

    private static void Direct3x3(in ConvGeom g, float[] x, int xo, float[] w, int wo, float[]? b, int bo, float[] y, int yo)
    {
        int blocks = (g.O + 7) / 8;
        // wp[((blk·C + c)·9 + t)·8 + lane] = w[blk·8 + lane, c, t], zero past O
        var wp = TensorArena.RentFloat(blocks * g.C * 72);
        try
        {
            for (int blk = 0; blk < blocks; blk++)
            for (int c = 0; c < g.C; c++)
            for (int t = 0; t < 9; t++)
            for (int l = 0; l < 8; l++)
            {
                int o = blk * 8 + l;
                wp[((blk * g.C + c) * 9 + t) * 8 + l] = o < g.O ? w[wo + (o * g.C + c) * 9 + t] : 0f;
            }
            ParallelRange.For(g.N * g.H, Math.Max(1, 16384 / Math.Max(1, g.W * g.C * 9)), new Direct3x3Body(g.C, g.H, g.W, g.O, x, xo, wp, b, bo, y, yo));
        }
        finally { TensorArena.Return(wp); }
    }

    private readonly struct Direct3x3Body(int cin, int h, int w, int cout, float[] x, int xo, float[] wp, float[]? b, int bo, float[] y, int yo) : IRangeOperation
    {
        public void Invoke(int s, int e)
        {
            for (int r = s; r < e; r++)
            {
                int n = r / h, oh = r - n * h;
                for (int o0 = 0; o0 < cout; o0 += 8) Row(n, oh, o0);
            }
        }

        private void Row(int n, int oh, int o0)
        {
            int blk = o0 / 8, on = Math.Min(8, cout - o0), plane = h * w;
            int xb = xo + n * cin * plane, yb = yo + (n * cout + o0) * plane + oh * w;
            ref float px = ref x[0];
            ref float pw = ref wp[blk * cin * 72];
            ref float py = ref y[0];
            int ow = 1;
            for (; ow + Vector256<float>.Count <= w - 1; ow += Vector256<float>.Count)
            {
                Vector256<float> a0 = Bias(o0, 0), a1 = Bias(o0, 1), a2 = Bias(o0, 2), a3 = Bias(o0, 3),
                    a4 = Bias(o0, 4), a5 = Bias(o0, 5), a6 = Bias(o0, 6), a7 = Bias(o0, 7);
                for (int c = 0; c < cin; c++)
                for (int i = 0; i < 3; i++)
                {
                    int ih = oh - 1 + i;
                    if ((uint)ih >= (uint)h) continue;
                    nuint xr = (nuint)(xb + c * plane + ih * w + ow - 1);
                    nuint wr = (nuint)((c * 9 + i * 3) * 8);
                    for (nuint j = 0; j < 3; j++)
                    {
                        var xv = Vector256.LoadUnsafe(ref px, xr + j);
                        nuint t = wr + j * 8;
                        a0 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref pw, t)), xv, a0);
                        a1 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref pw, t + 1)), xv, a1);
                        a2 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref pw, t + 2)), xv, a2);
                        a3 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref pw, t + 3)), xv, a3);
                        a4 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref pw, t + 4)), xv, a4);
                        a5 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref pw, t + 5)), xv, a5);
                        a6 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref pw, t + 6)), xv, a6);
                        a7 = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref pw, t + 7)), xv, a7);
                    }
                }
                nuint yp = (nuint)(yb + ow);
                a0.StoreUnsafe(ref py, yp);
                if (on > 1) a1.StoreUnsafe(ref py, yp + (nuint)plane);
                if (on > 2) a2.StoreUnsafe(ref py, yp + (nuint)(2 * plane));
                if (on > 3) a3.StoreUnsafe(ref py, yp + (nuint)(3 * plane));
                if (on > 4) a4.StoreUnsafe(ref py, yp + (nuint)(4 * plane));
                if (on > 5) a5.StoreUnsafe(ref py, yp + (nuint)(5 * plane));
                if (on > 6) a6.StoreUnsafe(ref py, yp + (nuint)(6 * plane));
                if (on > 7) a7.StoreUnsafe(ref py, yp + (nuint)(7 * plane));
            }
            Scalar(n, oh, o0, on, 0);
            for (; ow < w; ow++) Scalar(n, oh, o0, on, ow);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private Vector256<float> Bias(int o0, int l) => Vector256.Create(b is not null && o0 + l < cout ? b[bo + o0 + l] : 0f);

        private void Scalar(int n, int oh, int o0, int on, int ow)
        {
            int plane = h * w, blk = o0 / 8;
            for (int l = 0; l < on; l++)
            {
                float acc = b is null ? 0f : b[bo + o0 + l];
                for (int c = 0; c < cin; c++)
                for (int i = 0; i < 3; i++)
                {
                    int ih = oh - 1 + i;
                    if ((uint)ih >= (uint)h) continue;
                    for (int j = 0; j < 3; j++)
                    {
                        int iw = ow - 1 + j;
                        if ((uint)iw < (uint)w) acc = MathF.FusedMultiplyAdd(wp[((blk * cin + c) * 9 + i * 3 + j) * 8 + l], x[xo + (n * cin + c) * plane + ih * w + iw], acc);
                    }
                }
                y[yo + (n * cout + o0 + l) * plane + oh * w + ow] = acc;
            }
        }
    }
}
