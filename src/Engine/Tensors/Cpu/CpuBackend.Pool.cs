using System.Runtime.Intrinsics;

namespace HdrOfx.Engine.Tensors.Cpu;

/// <summary>
/// Average/max pooling and resizing of [N, C, H, W]. Work items are (n, c) planes: forward and backward touch one
/// plane each, so the scatters of the backward passes need no locks.
/// </summary>
public sealed partial class CpuBackend
{
    private static int Planes(Tensor t) => t.Shape[0] * t.Shape[1];

    // ------------------------------------------------------------------ pooling

    public void AvgPool2d(Tensor x, Tensor y, Pool2dParams p) =>
        ParallelRange.For(Planes(x), 1, new PoolBody(x.CpuArray, x.Offset, y.CpuArray, y.Offset, null, 0,
            x.Shape[2], x.Shape[3], y.Shape[2], y.Shape[3], p, PoolKind.AvgForward));

    public void AvgPool2dBackward(Tensor dy, Tensor dx, Pool2dParams p) =>
        ParallelRange.For(Planes(dx), 1, new PoolBody(null, 0, dy.CpuArray, dy.Offset, dx.CpuArray, dx.Offset,
            dx.Shape[2], dx.Shape[3], dy.Shape[2], dy.Shape[3], p, PoolKind.AvgBackward));

    public void MaxPool2d(Tensor x, Tensor y, Pool2dParams p) =>
        ParallelRange.For(Planes(x), 1, new PoolBody(x.CpuArray, x.Offset, y.CpuArray, y.Offset, null, 0,
            x.Shape[2], x.Shape[3], y.Shape[2], y.Shape[3], p, PoolKind.MaxForward));

    public void MaxPool2dBackward(Tensor x, Tensor dy, Tensor dx, Pool2dParams p) =>
        ParallelRange.For(Planes(dx), 1, new PoolBody(x.CpuArray, x.Offset, dy.CpuArray, dy.Offset, dx.CpuArray, dx.Offset,
            dx.Shape[2], dx.Shape[3], dy.Shape[2], dy.Shape[3], p, PoolKind.MaxBackward));

    private enum PoolKind : byte { AvgForward, AvgBackward, MaxForward, MaxBackward }

    /// <summary>X is the input (null for the average backward), Y the output or its gradient, D the input gradient.</summary>
    private readonly record struct PoolBody(float[]? X, int Xo, float[] Y, int Yo, float[]? D, int Do,
        int H, int W, int Ho, int Wo, Pool2dParams P, PoolKind Kind) : IRangeOperation
    {
        public void Invoke(int s, int e)
        {
            float inv = 1f / (P.KernelH * P.KernelW); // count_include_pad=True: windows always span kh·kw cells
            for (int pl = s; pl < e; pl++)
            {
                int xb = pl * H * W, yb = pl * Ho * Wo;
                if (D != null) Array.Clear(D, Do + xb, H * W);
                for (int oh = 0; oh < Ho; oh++)
                {
                    int h0 = oh * P.StrideH - P.PadH, h1 = Math.Min(h0 + P.KernelH, H);
                    h0 = Math.Max(h0, 0);
                    for (int ow = 0; ow < Wo; ow++)
                    {
                        int w0 = ow * P.StrideW - P.PadW, w1 = Math.Min(w0 + P.KernelW, W);
                        w0 = Math.Max(w0, 0);
                        int yi = Yo + yb + oh * Wo + ow;
                        switch (Kind)
                        {
                            case PoolKind.AvgForward:
                            {
                                float acc = 0;
                                for (int i = h0; i < h1; i++)
                                for (int j = w0; j < w1; j++) acc += X![Xo + xb + i * W + j];
                                Y[yi] = acc * inv;
                                break;
                            }
                            case PoolKind.AvgBackward:
                            {
                                float g = Y[yi] * inv;
                                for (int i = h0; i < h1; i++)
                                for (int j = w0; j < w1; j++) D![Do + xb + i * W + j] += g;
                                break;
                            }
                            default:
                            {
                                // first maximum in row-major window order (PyTorch's tie rule); NaN wins, as in PyTorch
                                float m = float.NegativeInfinity; int arg = -1;
                                for (int i = h0; i < h1; i++)
                                for (int j = w0; j < w1; j++)
                                {
                                    float v = X![Xo + xb + i * W + j];
                                    if (v > m || float.IsNaN(v) && !float.IsNaN(m) || arg < 0) { m = v; arg = i * W + j; }
                                }
                                if (Kind == PoolKind.MaxForward) Y[yi] = m;
                                else if (arg >= 0) D![Do + xb + arg] += Y[yi];
                                break;
                            }
                        }
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------ resize

    /// <summary>
    /// Source taps of one axis, PyTorch's area_pixel_compute_source_index: i0, i1 and the weight of i1.
    /// Bilinear: align corners src = dst·(in−1)/(out−1); else src = max(0, (dst+0.5)·in/out − 0.5).
    /// Nearest: src = min(floor(dst·in/out), in−1) with the scale in float32, as PyTorch computes it.
    /// </summary>
    private static void ResizeTaps(int inSize, int outSize, ResizeMode mode, bool alignCorners, int[] i0, int[] i1, float[] l1)
    {
        for (int d = 0; d < outSize; d++)
        {
            if (mode == ResizeMode.Nearest)
            {
                float sc = (float)inSize / outSize;
                int k = Math.Min((int)MathF.Floor(d * sc), inSize - 1);
                i0[d] = i1[d] = k; l1[d] = 0f;
                continue;
            }
            float src;
            if (alignCorners) src = outSize > 1 ? d * (float)(inSize - 1) / (outSize - 1) : 0f;
            else src = MathF.Max(0f, (d + 0.5f) * ((float)inSize / outSize) - 0.5f);
            int lo = Math.Min((int)src, inSize - 1);
            i0[d] = lo;
            i1[d] = lo < inSize - 1 ? lo + 1 : lo;
            l1[d] = src - lo;
        }
    }

    public void Resize2d(Tensor x, Tensor y, ResizeMode mode, bool alignCorners) => ResizeRun(x.CpuArray, x.Offset, y.CpuArray, y.Offset,
        x.Shape[2], x.Shape[3], y.Shape[2], y.Shape[3], Planes(x), mode, alignCorners, backward: false);

    public void Resize2dBackward(Tensor dy, Tensor dx, ResizeMode mode, bool alignCorners) => ResizeRun(dx.CpuArray, dx.Offset, dy.CpuArray, dy.Offset,
        dx.Shape[2], dx.Shape[3], dy.Shape[2], dy.Shape[3], Planes(dx), mode, alignCorners, backward: true);

    private static void ResizeRun(float[] x, int xo, float[] y, int yo, int h, int w, int ho, int wo, int planes, ResizeMode mode, bool ac, bool backward)
    {
        var ih0 = new int[ho]; var ih1 = new int[ho]; var lh = new float[ho];
        var iw0 = new int[wo]; var iw1 = new int[wo]; var lw = new float[wo];
        ResizeTaps(h, ho, mode, ac, ih0, ih1, lh);
        ResizeTaps(w, wo, mode, ac, iw0, iw1, lw);
        ParallelRange.For(planes, 1, new ResizeBody(x, xo, y, yo, h, w, ho, wo, ih0, ih1, lh, iw0, iw1, lw, backward));
    }

    private readonly record struct ResizeBody(float[] X, int Xo, float[] Y, int Yo, int H, int W, int Ho, int Wo,
        int[] Ih0, int[] Ih1, float[] Lh, int[] Iw0, int[] Iw1, float[] Lw, bool Backward) : IRangeOperation
    {
        public void Invoke(int s, int e)
        {
            if (!Backward)
            {
                Forward(s, e);
                return;
            }
            for (int pl = s; pl < e; pl++)
            {
                int xb = Xo + pl * H * W, yb = Yo + pl * Ho * Wo;
                if (Backward) Array.Clear(X, xb, H * W);
                for (int oh = 0; oh < Ho; oh++)
                {
                    int r0 = xb + Ih0[oh] * W, r1 = xb + Ih1[oh] * W;
                    float b = Lh[oh], a = 1f - b;
                    for (int ow = 0; ow < Wo; ow++)
                    {
                        int c0 = Iw0[ow], c1 = Iw1[ow];
                        float q = Lw[ow], p = 1f - q;
                        int yi = yb + oh * Wo + ow;
                        if (!Backward)
                            Y[yi] = a * (p * X[r0 + c0] + q * X[r0 + c1]) + b * (p * X[r1 + c0] + q * X[r1 + c1]);
                        else
                        {
                            float g = Y[yi];
                            X[r0 + c0] += a * p * g; X[r0 + c1] += a * q * g;
                            X[r1 + c0] += b * p * g; X[r1 + c1] += b * q * g;
                        }
                    }
                }
            }
        }

        /// <summary>
        /// y = a·(p·x00 + q·x01) + b·(p·x10 + q·x11), as the backward's loop reads it, with each input row's
        /// horizontal blend computed once and kept while output rows still use it (an upsampling reads each
        /// input row twice or more), and the vertical blend eight pixels a vector. Same operations, same result.
        /// </summary>
        private void Forward(int s, int e)
        {
            var rowA = RowBuffer(ref _resizeRowA, Wo);
            var rowB = RowBuffer(ref _resizeRowB, Wo);
            for (int pl = s; pl < e; pl++)
            {
                int xb = Xo + pl * H * W, yb = Yo + pl * Ho * Wo;
                int inA = -1, inB = -1;
                for (int oh = 0; oh < Ho; oh++)
                {
                    int i0 = Ih0[oh], i1 = Ih1[oh];
                    if (inA != i0)
                    {
                        if (inB == i0) { (rowA, rowB) = (rowB, rowA); (inA, inB) = (inB, inA); }
                        else { HorizontalBlend(xb + i0 * W, rowA); inA = i0; }
                    }
                    if (inB != i1) { HorizontalBlend(xb + i1 * W, rowB); inB = i1; }
                    float b = Lh[oh], a = 1f - b;
                    int yi = yb + oh * Wo, ow = 0;
                    if (Vector256.IsHardwareAccelerated)
                    {
                        var va = Vector256.Create(a); var vb = Vector256.Create(b);
                        ref float ra = ref rowA[0]; ref float rb = ref rowB[0]; ref float py = ref Y[yi];
                        for (; ow <= Wo - Vector256<float>.Count; ow += Vector256<float>.Count)
                            (va * Vector256.LoadUnsafe(ref ra, (nuint)ow) + vb * Vector256.LoadUnsafe(ref rb, (nuint)ow)).StoreUnsafe(ref py, (nuint)ow);
                    }
                    for (; ow < Wo; ow++) Y[yi + ow] = a * rowA[ow] + b * rowB[ow];
                }
            }
        }

        private void HorizontalBlend(int row, float[] dst)
        {
            for (int ow = 0; ow < Wo; ow++)
            {
                float q = Lw[ow], p = 1f - q;
                dst[ow] = p * X[row + Iw0[ow]] + q * X[row + Iw1[ow]];
            }
        }

        private static float[] RowBuffer(ref float[]? buffer, int n)
        {
            if (buffer == null || buffer.Length < n) buffer = new float[Math.Max(n, 256)];
            return buffer;
        }
    }

    [ThreadStatic] private static float[]? _resizeRowA, _resizeRowB;
}

public sealed partial class CpuBackend
{
    // ------------------------------------------------------------------ 2-D padding

    /// <summary>Source index of padded position <paramref name="i"/> (in [−pad, n + pad)), or −1 for a zero cell.</summary>
    private static int PadSource(int i, int n, PadMode mode)
    {
        if ((uint)i < (uint)n) return i;
        return mode switch
        {
            PadMode.Zeros => -1,
            PadMode.Replicate => i < 0 ? 0 : n - 1,
            _ => i < 0 ? -i : 2 * (n - 1) - i,
        };
    }

    private static int[] PadMap(int pre, int n, int post, PadMode mode)
    {
        var m = new int[pre + n + post];
        for (int i = 0; i < m.Length; i++) m[i] = PadSource(i - pre, n, mode);
        return m;
    }

    public void Pad2d(Tensor x, Tensor y, Pad2dParams p) => PadRun(x, y, p, backward: false);

    public void Pad2dBackward(Tensor dy, Tensor dx, Pad2dParams p) => PadRun(dx, dy, p, backward: true);

    private static void PadRun(Tensor x, Tensor y, Pad2dParams p, bool backward)
    {
        int h = x.Shape[^2], w = x.Shape[^1];
        int planes = 1;
        for (int d = 0; d < x.Rank - 2; d++) planes *= x.Shape[d];
        var rows = PadMap(p.Top, h, p.Bottom, p.Mode);
        var cols = PadMap(p.Left, w, p.Right, p.Mode);
        ParallelRange.For(planes, Math.Max(1, 4096 / Math.Max(1, rows.Length * cols.Length)),
            new PadBody(x.CpuArray, x.Offset, y.CpuArray, y.Offset, h, w, rows, cols, backward));
    }

    private readonly record struct PadBody(float[] X, int Xo, float[] Y, int Yo, int H, int W, int[] Rows, int[] Cols, bool Backward) : IRangeOperation
    {
        public void Invoke(int s, int e)
        {
            int ho = Rows.Length, wo = Cols.Length;
            for (int pl = s; pl < e; pl++)
            {
                int xb = Xo + pl * H * W, yb = Yo + pl * ho * wo;
                if (Backward) Array.Clear(X, xb, H * W);
                for (int i = 0; i < ho; i++)
                {
                    int si = Rows[i];
                    int yr = yb + i * wo;
                    if (si < 0) { if (!Backward) Array.Clear(Y, yr, wo); continue; }
                    int xr = xb + si * W;
                    for (int j = 0; j < wo; j++)
                    {
                        int sj = Cols[j];
                        if (Backward) { if (sj >= 0) X[xr + sj] += Y[yr + j]; }
                        else Y[yr + j] = sj >= 0 ? X[xr + sj] : 0f;
                    }
                }
            }
        }
    }
}
