using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace HdrOfx.Engine.Tensors.Cpu;

/// <summary>
/// Depthwise 3×3 convolution, stride 1, padding 1, dilation 1 (Restormer's MDTA and GDFN "Dconv"): each channel
/// convolved with its own 3×3 kernel. As a grouped GEMM every group is a 1 × 9 by 9 × pixels product, all packing
/// and no arithmetic; here each output row is three input rows times nine broadcast weights, eight pixels a vector.
/// Planes (image, channel) are the work items. The arithmetic is the GEMM's (<see cref="Sgemm"/>'s micro-kernel): the taps
/// fused-multiply-added in (row, column) order from zero, then the bias added, so the values are the grouped GEMM's.
/// </summary>
public sealed partial class CpuBackend
{
    /// <summary>Off sends depthwise convolutions to the grouped GEMM (kernel benchmarks compare the two).</summary>
    internal static bool DepthwiseKernel { get; set; } = true;

    private static bool IsDepthwise3x3(in ConvGeom g) =>
        DepthwiseKernel && g.Cg == 1 && g.Og == 1 && g.Kh == 3 && g.Kw == 3 && g.P.StrideH == 1 && g.P.StrideW == 1 && g.P.PadH == 1 && g.P.PadW == 1
        && g.P.DilationH == 1 && g.P.DilationW == 1 && g.Ho == g.H && g.Wo == g.W;

    private static void Depthwise3x3(in ConvGeom g, float[] x, int xo, float[] w, int wo, float[]? b, int bo, float[] y, int yo) =>
        ParallelRange.For(g.N * g.C, Math.Max(1, 16384 / Math.Max(g.Pix, 1)), new Depthwise3x3Body(g.C, g.H, g.W, x, xo, w, wo, b, bo, y, yo));

    private readonly struct Depthwise3x3Body(int c, int h, int w, float[] x, int xo, float[] wt, int wo, float[]? b, int bo, float[] y, int yo) : IRangeOperation
    {
        public void Invoke(int s, int e)
        {
            Span<float> k = stackalloc float[9];
            for (int plane = s; plane < e; plane++)
            {
                int ch = plane % c;
                for (int t = 0; t < 9; t++) k[t] = wt[wo + ch * 9 + t];
                float bias = b is null ? 0f : b[bo + ch];
                int src = xo + plane * h * w, dst = yo + plane * h * w;
                for (int r = 0; r < h; r++) Row(x, src, y, dst + r * w, r, h, w, k, bias, b is not null);
            }
        }

        private static void Row(float[] x, int src, float[] y, int dst, int r, int h, int w, ReadOnlySpan<float> k, float bias, bool hasBias)
        {
            int i = 0;
            if (Vector256.IsHardwareAccelerated && w >= Vector256<float>.Count + 2)
            {
                i = 1;
                ref float px = ref x[0];
                ref float py = ref y[0];
                var vb = Vector256.Create(bias);
                for (; i <= w - 1 - Vector256<float>.Count; i += Vector256<float>.Count)
                {
                    var acc = Vector256<float>.Zero;
                    for (int di = 0; di < 3; di++)
                    {
                        int ih = r - 1 + di;
                        if ((uint)ih >= (uint)h) continue;
                        nuint at = (nuint)(src + ih * w + i);
                        acc = Vector256.FusedMultiplyAdd(Vector256.Create(k[3 * di]), Vector256.LoadUnsafe(ref px, at - 1), acc);
                        acc = Vector256.FusedMultiplyAdd(Vector256.Create(k[3 * di + 1]), Vector256.LoadUnsafe(ref px, at), acc);
                        acc = Vector256.FusedMultiplyAdd(Vector256.Create(k[3 * di + 2]), Vector256.LoadUnsafe(ref px, at + 1), acc);
                    }
                    (hasBias ? acc + vb : acc).StoreUnsafe(ref py, (nuint)(dst + i));
                }
                y[dst] = Scalar(x, src, r, 0, h, w, k, bias, hasBias);
            }
            for (; i < w; i++) y[dst + i] = Scalar(x, src, r, i, h, w, k, bias, hasBias);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static float Scalar(float[] x, int src, int r, int col, int h, int w, ReadOnlySpan<float> k, float bias, bool hasBias)
        {
            float acc = 0f;
            for (int di = 0; di < 3; di++)
            {
                int ih = r - 1 + di;
                if ((uint)ih >= (uint)h) continue;
                for (int dj = 0; dj < 3; dj++)
                {
                    int iw = col - 1 + dj;
                    if ((uint)iw < (uint)w) acc = MathF.FusedMultiplyAdd(k[3 * di + dj], x[src + ih * w + iw], acc);
                }
            }
            return hasBias ? acc + bias : acc;
        }
    }
}
