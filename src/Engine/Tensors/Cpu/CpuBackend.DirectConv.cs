using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace HdrOfx.Engine.Tensors.Cpu;

/// <summary>
/// Direct convolution for dense k×k layers with few output channels (TCAM's 6→8, 36→8, 8→8, 8→16 s2, 16→27, …).
/// As an implicit GEMM these have M = 8–32 rows against the micro-kernel's 6 (so up to a third of the FMAs hit
/// padding rows) and pack every column value once per tap, in pieces of at most 16 floats. Here each output row
/// first copies the input rows it reads into a row scratch — once per (channel, kernel row), zero-padded, and for
/// stride s split into s phases so that every tap reads a contiguous run — and then four output channels × 16
/// pixels are accumulated in registers over all (channel, tap) with fused multiply-adds, the four weights of a tap
/// packed side by side. Forward only; the sums run in (channel, kernel row, kernel column) order from the bias, so
/// the values differ from the GEMM's by rounding only (tested against the float64 reference).
/// </summary>
public sealed partial class CpuBackend
{
    /// <summary>Off sends these convolutions to the implicit GEMM (kernel benchmarks and twin tests compare the two).</summary>
    internal static bool DirectConvKernel { get; set; } = true;

    /// <summary>Whether 1×1 convolutions with few outputs and at most 24 inputs take the direct kernel too (beyond that the GEMM, which reads the image in place, was as fast or faster: `ConvKernelBenchmarkRunner`).</summary>
    internal static bool DirectConvPointwise { get; set; } = true;

    /// <summary>The largest output-channel count that takes the direct kernel.</summary>
    internal const int DirectConvMaxOut = 32;

    private const int DcOb = 4, DcPx = 16;

    [ThreadStatic] private static float[]? _directRows;
    [ThreadStatic] private static int[]? _directTaps;

    private static bool IsSmallDirect(in ConvGeom g) =>
        DirectConvKernel && Fma.IsSupported && Vector256.IsHardwareAccelerated && g.G == 1 && (g.Kh * g.Kw > 1 || DirectConvPointwise && g.C <= 24) && g.O <= DirectConvMaxOut
        && g.P.StrideW >= 1 && g.P.StrideW <= 4 && g.Wo > 0 && g.Ho > 0;

    private static void DirectConv(in ConvGeom g, float[] x, int xo, float[] w, int wo, float[]? b, int bo, float[] y, int yo) =>
        DirectConv(g, new ChannelSource(x, xo, g.C * g.H * g.W, g.H * g.W, g.W, null), w, wo, b, bo, y, yo);

    /// <summary>
    /// Where input channel c of image n, row i starts: one tensor (<c>Parts</c> null: offset + n·SN + c·SC + i·SH) or
    /// the channel-wise concatenation of several views (each with its own array, offset and strides).
    /// </summary>
    private readonly record struct ChannelSource(float[] X, int Off, int SN, int SC, int SH, (float[] A, int Off, int SN, int SC, int SH, int C)[]? Parts)
    {
        public (float[] A, int At) Row(int n, int c, int i)
        {
            if (Parts is null) return (X, Off + n * SN + c * SC + i * SH);
            foreach (var p in Parts)
            {
                if (c < p.C) return (p.A, p.Off + n * p.SN + c * p.SC + i * p.SH);
                c -= p.C;
            }
            throw new ArgumentOutOfRangeException(nameof(c));
        }
    }

    /// <summary>
    /// conv2d(concat(parts, dim 1)) on the direct kernel without the concatenation: its row scratch copies each input
    /// row anyway, so it reads the parts (views with unit column stride) where they are. The same arithmetic as the
    /// kernel on the concatenated tensor, so the same values bit for bit. False (nothing done) when the direct kernel
    /// does not take the shape or a part is not a CPU float32 view with unit column stride.
    /// </summary>
    internal static bool TryConv2dParts(Tensor[] parts, Tensor w, Tensor? bias, Conv2dParams p, out Tensor? y)
    {
        y = null;
        if (parts.Length == 0 || w.Device != Device.Cpu || w.DType != DType.F32 || !w.IsContiguous || bias is { IsContiguous: false }) return false;
        int n = parts[0].Shape[0], h = parts[0].Shape.Length == 4 ? parts[0].Shape[2] : -1, wd = parts[0].Shape.Length == 4 ? parts[0].Shape[3] : -1, c = 0;
        var src = new (float[] A, int Off, int SN, int SC, int SH, int C)[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            var t = parts[i];
            if (t.Device != Device.Cpu || t.DType != DType.F32 || t.Rank != 4 || t.Shape[0] != n || t.Shape[2] != h || t.Shape[3] != wd || (t.Strides[3] != 1 && wd > 1)) return false;
            src[i] = (t.CpuArray, t.Offset, t.Strides[0], t.Strides[1], t.Strides[2], t.Shape[1]);
            c += t.Shape[1];
        }
        if (w.Rank != 4 || w.Shape[1] != c || p.Groups != 1) return false;
        int kh = w.Shape[2], kw = w.Shape[3];
        int ho = (h + 2 * p.PadH - p.DilationH * (kh - 1) - 1) / p.StrideH + 1, wo = (wd + 2 * p.PadW - p.DilationW * (kw - 1) - 1) / p.StrideW + 1;
        if (ho <= 0 || wo <= 0) return false;
        var g = new ConvGeom(n, c, h, wd, w.Shape[0], kh, kw, ho, wo, 1, p);
        if (IsDepthwise3x3(g) || !IsSmallDirect(g)) return false;
        y = Tensor.Empty(n, g.O, ho, wo);
        DirectConv(g, new ChannelSource(src[0].A, 0, 0, 0, 0, src), w.CpuArray, w.Offset, bias?.CpuArray, bias?.Offset ?? 0, y.CpuArray, y.Offset);
        return true;
    }

    private static void DirectConv(in ConvGeom g, ChannelSource x, float[] w, int wo, float[]? b, int bo, float[] y, int yo)
    {
        int blocks = (g.O + DcOb - 1) / DcOb, khw = g.Kh * g.Kw, kc = g.C * khw;
        // weights as [block][c][i][j][4] (zeros past O), the bias as [block·4]
        var wp = TensorArena.RentFloat(blocks * kc * DcOb + blocks * DcOb);
        try
        {
            Array.Clear(wp, 0, blocks * kc * DcOb + blocks * DcOb);
            for (int o = 0; o < g.O; o++)
            {
                int blk = o / DcOb, lane = o % DcOb;
                for (int t = 0; t < kc; t++) wp[(blk * kc + t) * DcOb + lane] = w[wo + o * kc + t];
                if (b is not null) wp[blocks * kc * DcOb + o] = b[bo + o];
            }
            long work = (long)g.Wo * g.O * kc;
            ParallelRange.For(g.N * g.Ho, (int)Math.Clamp(1_000_000 / Math.Max(work, 1), 1, 64), new DirectConvRows(g, x, wp, y, yo));
        }
        finally { TensorArena.Return(wp); }
    }

    private readonly struct DirectConvRows(ConvGeom g, ChannelSource x, float[] wp, float[] y, int yo) : IRangeOperation
    {
        public void Invoke(int s, int e)
        {
            var P = g.P;
            int sw = P.StrideW, khw = g.Kh * g.Kw, kc = g.C * khw, blocks = (g.O + DcOb - 1) / DcOb;
            int woR = (g.Wo + DcPx - 1) / DcPx * DcPx;
            int qLen = woR + (g.Kw - 1) * P.DilationW / sw + 1;           // a phase row: every q a tap can read
            int rows = g.C * g.Kh * sw;
            int need = rows * qLen + blocks * DcOb * woR;
            var buf = _directRows;
            if (buf is null || buf.Length < need) _directRows = buf = GC.AllocateUninitializedArray<float>(need);
            int outOff = rows * qLen;
            // where each tap (c, i, j) reads in the scratch, relative to the pixel block
            var offs = _directTaps;
            if (offs is null || offs.Length < kc) _directTaps = offs = new int[kc];
            for (int c = 0, tap = 0; c < g.C; c++)
            for (int i = 0; i < g.Kh; i++)
            for (int j = 0; j < g.Kw; j++, tap++)
            {
                int jd = j * P.DilationW;
                offs[tap] = ((c * g.Kh + i) * sw + jd % sw) * qLen + jd / sw;
            }
            for (int t = s; t < e; t++)
            {
                int n = t / g.Ho, oh = t - n * g.Ho;
                LoadRows(n, oh, buf, qLen);
                // pixel blocks outside, output blocks inside: a block's input slice stays in L1 for every output block
                for (int px = 0; px < woR; px += DcPx)
                for (int blk = 0; blk < blocks; blk++)
                    Block(buf, offs, kc, px, outOff + blk * DcOb * woR, woR, blk, blocks);
                for (int o = 0; o < g.O; o++)
                    buf.AsSpan(outOff + o * woR, g.Wo).CopyTo(y.AsSpan(yo + ((n * g.O + o) * g.Ho + oh) * g.Wo, g.Wo));
            }
        }

        /// <summary>Row (c, i, r) of the scratch, r the phase: q ↦ x[c, oh·sh − ph + i·dh, sw·q + r − pw], zero outside the image.</summary>
        private void LoadRows(int n, int oh, float[] buf, int qLen)
        {
            var P = g.P;
            int sw = P.StrideW;
            for (int c = 0; c < g.C; c++)
            for (int i = 0; i < g.Kh; i++)
            {
                int ih = oh * P.StrideH - P.PadH + i * P.DilationH;
                var (xa, src) = (uint)ih < (uint)g.H ? x.Row(n, c, ih) : (null!, 0);
                for (int r = 0; r < sw; r++)
                {
                    var row = buf.AsSpan(((c * g.Kh + i) * sw + r) * qLen, qLen);
                    if ((uint)ih >= (uint)g.H) { row.Clear(); continue; }
                    // valid q: 0 ≤ sw·q + r − pw < W
                    int q0 = Math.Max(0, (P.PadW - r + sw - 1) / sw);
                    int q1 = Math.Min(qLen, (g.W - 1 + P.PadW - r) / sw + 1);
                    if (g.W - 1 + P.PadW - r < 0) q1 = 0;
                    if (q1 <= q0) { row.Clear(); continue; }
                    row[..q0].Clear();
                    if (sw == 1) xa.AsSpan(src + q0 - P.PadW, q1 - q0).CopyTo(row[q0..]);
                    else if (sw == 2) Deinterleave(xa, src + 2 * q0 + r - P.PadW, row.Slice(q0, q1 - q0));
                    else for (int q = q0, ix = src + sw * q0 + r - P.PadW; q < q1; q++, ix += sw) row[q] = xa[ix];
                    row[q1..].Clear();
                }
            }
        }

        /// <summary>dst[q] = x[at + 2q]: eight at a time from two loads, shuffled (the last group scalar, so no read passes the array).</summary>
        private static void Deinterleave(float[] x, int at, Span<float> dst)
        {
            int q = 0, n = dst.Length;
            ref float src = ref x[0];
            ref float d = ref dst[0];
            for (; q + 8 <= n && at + 2 * q + 16 <= x.Length; q += 8)
            {
                var a = Vector256.LoadUnsafe(ref src, (nuint)(at + 2 * q));
                var b = Vector256.LoadUnsafe(ref src, (nuint)(at + 2 * q + 8));
                // evens of a and b, lane-interleaved (a0 a2 b0 b2 | a4 a6 b4 b6), then the 64-bit pairs put in order
                var ev = Avx.Shuffle(a, b, 0b10_00_10_00);
                Avx2.Permute4x64(ev.AsDouble(), 0b11_01_10_00).AsSingle().StoreUnsafe(ref d, (nuint)q);
            }
            for (; q < n; q++) dst[q] = x[at + 2 * q];
        }

        /// <summary>Output channels blk·4 … blk·4 + 3 at pixels px … px + 15 into the output scratch: 8 accumulators over every tap.</summary>
        private void Block(float[] buf, int[] offs, int kc, int px, int outOff, int woR, int blk, int blocks)
        {
            ref float src = ref buf[px];
            ref float wt = ref wp[blk * kc * DcOb];
            ref float bias = ref wp[blocks * kc * DcOb + blk * DcOb];
            Vector256<float> a0 = Vector256.Create(bias), b0 = a0;
            Vector256<float> a1 = Vector256.Create(Unsafe.Add(ref bias, 1)), b1 = a1;
            Vector256<float> a2 = Vector256.Create(Unsafe.Add(ref bias, 2)), b2 = a2;
            Vector256<float> a3 = Vector256.Create(Unsafe.Add(ref bias, 3)), b3 = a3;
            ref int off = ref offs[0];
            for (int tap = 0; tap < kc; tap++)
            {
                ref float r = ref Unsafe.Add(ref src, Unsafe.Add(ref off, tap));
                var u = Vector256.LoadUnsafe(ref r);
                var v = Vector256.LoadUnsafe(ref r, 8);
                ref float k = ref Unsafe.Add(ref wt, tap * DcOb);
                var k0 = Vector256.Create(k);
                a0 = Fma.MultiplyAdd(u, k0, a0); b0 = Fma.MultiplyAdd(v, k0, b0);
                var k1 = Vector256.Create(Unsafe.Add(ref k, 1));
                a1 = Fma.MultiplyAdd(u, k1, a1); b1 = Fma.MultiplyAdd(v, k1, b1);
                var k2 = Vector256.Create(Unsafe.Add(ref k, 2));
                a2 = Fma.MultiplyAdd(u, k2, a2); b2 = Fma.MultiplyAdd(v, k2, b2);
                var k3 = Vector256.Create(Unsafe.Add(ref k, 3));
                a3 = Fma.MultiplyAdd(u, k3, a3); b3 = Fma.MultiplyAdd(v, k3, b3);
            }
            ref float o = ref Unsafe.Add(ref buf[0], outOff + px);
            a0.StoreUnsafe(ref o); b0.StoreUnsafe(ref o, 8);
            a1.StoreUnsafe(ref o, (nuint)woR); b1.StoreUnsafe(ref o, (nuint)woR + 8);
            a2.StoreUnsafe(ref o, (nuint)(2 * woR)); b2.StoreUnsafe(ref o, (nuint)(2 * woR) + 8);
            a3.StoreUnsafe(ref o, (nuint)(3 * woR)); b3.StoreUnsafe(ref o, (nuint)(3 * woR) + 8);
        }
    }
}
