using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace HdrOfx.Engine.Tensors.Cpu;

/// <summary>
/// Fused forward of TCAM's patch-correlation matching (inference only): for each pixel p, c_d(p) = (Σ_c q(p)·k(p + d))/C
/// over the (2R+1)² displacements (zero outside the image), w = softmax_d(τ·c), out(p) = Σ_d w_d·v(p + d) (zero
/// outside). The composite (Correlation, ×τ, Softmax, Pad2d, Narrow, Mul, AddInPlace) writes ten full-size tensors and
/// copies a shifted view per displacement; this kernel keeps one row of every intermediate in a thread's scratch.
/// Same arithmetic order as the composite (channel sums in order, ×1/C then ×τ, the taps accumulated in displacement
/// order), except the softmax: a vectorized exp (Vector256.Exp, ≤ 1 ulp) and a float sum instead of MathF.Exp and a
/// float64 sum, so values differ by a few ulps (tested against a float64 reference and the composite).
/// Inputs may be views: any strides for batch, channel and row, stride 1 along the row.
/// </summary>
internal static class PatchMatchKernel
{
    private const int L = 8;

    [ThreadStatic] private static float[]? _scratch;

    /// <summary>Whether <see cref="Forward"/> takes these tensors (CPU, float32, unit stride along the row).</summary>
    public static bool Supports(Tensor q, Tensor k, Tensor v) =>
        Ok(q) && Ok(k) && Ok(v);

    private static bool Ok(Tensor t) => t.Device == Device.Cpu && t.DType == DType.F32 && t.Rank == 4 && (t.Strides[3] == 1 || t.Shape[3] == 1);

    /// <summary>y [N, Cv, H, W] (contiguous) from q, k [N, C, H, W] and v [N, Cv, H, W].</summary>
    public static void Forward(Tensor q, Tensor k, Tensor v, int radius, float tau, Tensor y)
    {
        int n = q.Shape[0], h = q.Shape[2];
        var body = new Rows(new Geometry(q, k, v, y, radius, tau));
        ParallelRange.For(n * h, Math.Max(1, 8192 / Math.Max(1, q.Shape[3])), body);
    }

    private readonly record struct View(float[] A, int Off, int SN, int SC, int SH)
    {
        public View(Tensor t) : this(t.CpuArray, t.Offset, t.Strides[0], t.Strides[1], t.Strides[2]) { }
        public int Row(int n, int c, int i) => Off + n * SN + c * SC + i * SH;
    }

    private readonly record struct Geometry(View Q, View K, View V, View Y, bool SameKv, int C, int Cv, int H, int W, int R, float Tau)
    {
        public Geometry(Tensor q, Tensor k, Tensor v, Tensor y, int r, float tau)
            : this(new View(q), new View(k), new View(v), new View(y),
                  ReferenceEquals(k.CpuArray, v.CpuArray) && k.Offset == v.Offset && k.Strides.AsSpan().SequenceEqual(v.Strides) && k.Shape[1] == v.Shape[1],
                  q.Shape[1], v.Shape[1], q.Shape[2], q.Shape[3], r, tau) { }
    }

    private readonly struct Rows(Geometry g) : IRangeOperation
    {
        public void Invoke(int s, int e)
        {
            int side = 2 * g.R + 1, taps = side * side;
            int wr = (g.W + L - 1) / L * L;          // a row rounded up to whole vectors
            int wp = wr + 2 * g.R;                    // a padded row: R zeros, W values, zeros to the end
            int kLen = side * g.C * wp, vLen = g.SameKv ? 0 : side * g.Cv * wp;
            int need = kLen + vLen + g.C * wr + taps * wr + g.Cv * wr;
            var buf = _scratch;
            if (buf is null || buf.Length < need) _scratch = buf = GC.AllocateUninitializedArray<float>(Math.Max(need, 1 << 12));
            int kOff = 0, vOff = g.SameKv ? 0 : kLen, qOff = kLen + vLen, wOff = qOff + g.C * wr, oOff = wOff + taps * wr;
            for (int t = s; t < e; t++)
            {
                int n = t / g.H, i = t - n * g.H;
                for (int dy = 0; dy < side; dy++)
                {
                    int src = i + dy - g.R;
                    LoadPadded(g.K, n, g.C, src, g.H, g.W, g.R, buf, kOff + dy * g.C * wp, wp);
                    if (!g.SameKv) LoadPadded(g.V, n, g.Cv, src, g.H, g.W, g.R, buf, vOff + dy * g.Cv * wp, wp);
                }
                for (int c = 0; c < g.C; c++)
                {
                    var dst = buf.AsSpan(qOff + c * wr, wr);
                    g.Q.A.AsSpan(g.Q.Row(n, c, i), g.W).CopyTo(dst);
                    dst[g.W..].Clear();
                }
                Row(buf, kOff, vOff, qOff, wOff, oOff, wr, wp, side);
                for (int c = 0; c < g.Cv; c++)
                    buf.AsSpan(oOff + c * wr, g.W).CopyTo(g.Y.A.AsSpan(g.Y.Row(n, c, i), g.W));
            }
        }

        /// <summary>Rows src of every channel into [C][wp] with R leading zeros and zeros after W; all zeros outside the image.</summary>
        private static void LoadPadded(View t, int n, int channels, int src, int h, int w, int r, float[] buf, int off, int wp)
        {
            if ((uint)src >= (uint)h) { buf.AsSpan(off, channels * wp).Clear(); return; }
            for (int c = 0; c < channels; c++)
            {
                var row = buf.AsSpan(off + c * wp, wp);
                row[..r].Clear();
                t.A.AsSpan(t.Row(n, c, src), w).CopyTo(row[r..]);
                row[(r + w)..].Clear();
            }
        }

        private void Row(float[] buf, int kOff, int vOff, int qOff, int wOff, int oOff, int wr, int wp, int side)
        {
            int taps = side * side;
            int vBase = g.SameKv ? kOff : vOff, vRows = g.SameKv ? g.C : g.Cv;
            // where displacement d reads the key and value rows (channel 0), relative to the pixel block
            Span<int> kAt = stackalloc int[taps], vAt = stackalloc int[taps];
            for (int d = 0; d < taps; d++)
            {
                int dy = d / side, dx = d - dy * side;
                kAt[d] = kOff + dy * g.C * wp + dx;
                vAt[d] = vBase + dy * vRows * wp + dx;
            }
            var inv = Vector256.Create(1f / g.C);
            var tau = Vector256.Create(g.Tau);
            ref float b0 = ref buf[0];
            for (int x = 0; x < wr; x += L)
            {
                // correlations, in the composite's order: channel sums, then ×1/C, then ×τ
                var m = Vector256.Create(float.NegativeInfinity);
                ref float qr = ref Unsafe.Add(ref b0, qOff + x);
                for (int d = 0; d < taps; d++)
                {
                    ref float kr = ref Unsafe.Add(ref b0, kAt[d] + x);
                    var acc = Vector256.LoadUnsafe(ref qr) * Vector256.LoadUnsafe(ref kr);
                    for (int c = 1; c < g.C; c++)
                        acc += Vector256.LoadUnsafe(ref qr, (nuint)(c * wr)) * Vector256.LoadUnsafe(ref kr, (nuint)(c * wp));
                    acc = acc * inv * tau;
                    m = Vector256.Max(m, acc);
                    acc.StoreUnsafe(ref Unsafe.Add(ref b0, wOff + d * wr + x));
                }
                // softmax over the displacements
                var sum = Vector256<float>.Zero;
                for (int d = 0; d < taps; d++)
                {
                    ref float wd = ref Unsafe.Add(ref b0, wOff + d * wr + x);
                    var ev = Vector256.Exp(Vector256.LoadUnsafe(ref wd) - m);
                    ev.StoreUnsafe(ref wd);
                    sum += ev;
                }
                var rs = Vector256<float>.One / sum;
                for (int d = 0; d < taps; d++)
                {
                    ref float wd = ref Unsafe.Add(ref b0, wOff + d * wr + x);
                    (Vector256.LoadUnsafe(ref wd) * rs).StoreUnsafe(ref wd);
                }
                // the matched value: Σ_d w_d·v(p + d), in displacement order
                for (int c = 0; c < g.Cv; c++)
                {
                    int cw = c * wp + x;
                    var o = Vector256.LoadUnsafe(ref Unsafe.Add(ref b0, vAt[0] + cw)) * Vector256.LoadUnsafe(ref Unsafe.Add(ref b0, wOff + x));
                    for (int d = 1; d < taps; d++)
                        o += Vector256.LoadUnsafe(ref Unsafe.Add(ref b0, vAt[d] + cw)) * Vector256.LoadUnsafe(ref Unsafe.Add(ref b0, wOff + d * wr + x));
                    o.StoreUnsafe(ref Unsafe.Add(ref b0, oOff + c * wr + x));
                }
            }
        }
    }
}
