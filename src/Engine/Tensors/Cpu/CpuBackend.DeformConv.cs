using System.Runtime.CompilerServices;

namespace HdrOfx.Engine.Tensors.Cpu;

/// <summary>
/// Modulated deformable convolution, DCNv2 (Zhu et al. 2019, Eq. 3): y(p) = Σ_k w_k · x(p + p_k + Δp_k) · Δm_k.
/// Implemented as a deformable im2col (bilinear samples scaled by the mask, zero outside the image) followed by
/// the packed <see cref="Sgemm"/>, tiled over output pixels like <see cref="Conv2d"/>. Offsets are (Δy, Δx) pairs:
/// channel g·2K + 2k is Δy and g·2K + 2k + 1 is Δx of kernel point k in deformable group g; mask channel g·K + k
/// (the torchvision / mmcv layout). Weight groups are not supported (groups = 1).
/// Backward: dcol = Wᵀ·dy, then the adjoint of the sampling gives dx (scatter), Δp (bilinear derivative) and Δm;
/// dW = dy·colᵀ. Work items in the backward are whole images, because dx scatters across pixels.
/// </summary>
public sealed partial class CpuBackend
{
    private readonly record struct DcnGeom(int N, int C, int H, int W, int O, int Kh, int Kw, int Ho, int Wo, DeformConv2dParams P)
    {
        public int K => Kh * Kw;
        public int Kc => C * K;
        public int Pix => Ho * Wo;
        public int Cg => C / P.DeformGroups;
        public int Tile => Math.Min(Pix, Math.Max(64, (262144 / Math.Max(Kc, 1)) / 16 * 16));
        public int Tiles => (Pix + Tile - 1) / Tile;
    }

    [ThreadStatic] private static float[]? _dcnCol;

    /// <summary>This thread's column buffer (grown on demand, never shrunk: no allocation after warm-up).</summary>
    private static float[] DcnColBuffer(int n)
    {
        var c = _dcnCol;
        if (c == null || c.Length < n) _dcnCol = c = GC.AllocateUninitializedArray<float>(Math.Max(n, 1 << 16));
        return c;
    }

    private static DcnGeom DcnGeometry(Tensor x, Tensor w, Tensor y, DeformConv2dParams p) =>
        new(x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3], w.Shape[0], w.Shape[2], w.Shape[3], y.Shape[2], y.Shape[3], p);

    /// <summary>Bilinear sample of one plane at (h, w), zero outside (torchvision's bilinear_interpolate).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float BilinearZero(float[] x, int plane, int H, int W, float h, float w)
    {
        if (!(h > -1f && h < H && w > -1f && w < W)) return 0f;
        int h0 = (int)MathF.Floor(h), w0 = (int)MathF.Floor(w);
        float lh = h - h0, lw = w - w0;
        float v = 0f;
        if (h0 >= 0)
        {
            if (w0 >= 0) v += (1 - lh) * (1 - lw) * x[plane + h0 * W + w0];
            if (w0 + 1 < W) v += (1 - lh) * lw * x[plane + h0 * W + w0 + 1];
        }
        if (h0 + 1 < H)
        {
            if (w0 >= 0) v += lh * (1 - lw) * x[plane + (h0 + 1) * W + w0];
            if (w0 + 1 < W) v += lh * lw * x[plane + (h0 + 1) * W + w0 + 1];
        }
        return v;
    }

    /// <summary>col[(c·K + k), t] = m · x_c(p_t + p_k + Δp) for pixels p0..p0+pc of image n.</summary>
    private static void DeformIm2Col(in DcnGeom g, float[] x, int xo, float[] off, int oo, float[] msk, int mo, int n, int p0, int pc, float[] col)
    {
        var P = g.P;
        int plane = g.H * g.W, K = g.K;
        for (int c = 0; c < g.C; c++)
        {
            int grp = c / g.Cg;
            int xb = xo + (n * g.C + c) * plane;
            for (int k = 0; k < K; k++)
            {
                int i = k / g.Kw, j = k % g.Kw;
                int ob = oo + (n * 2 * P.DeformGroups * K + grp * 2 * K + 2 * k) * g.Pix;
                int mb = mo + (n * P.DeformGroups * K + grp * K + k) * g.Pix;
                int dst = (c * K + k) * pc;
                for (int t = 0; t < pc; t++)
                {
                    int p = p0 + t, oh = p / g.Wo, ow = p - oh * g.Wo;
                    float hs = oh * P.StrideH - P.PadH + i * P.DilationH + off[ob + p];
                    float ws = ow * P.StrideW - P.PadW + j * P.DilationW + off[ob + g.Pix + p];
                    col[dst + t] = msk[mb + p] * BilinearZero(x, xb, g.H, g.W, hs, ws);
                }
            }
        }
    }

    /// <summary>
    /// Where <see cref="DeformCol2Im"/> accumulates the offset and mask gradients: element (channel ch, tile pixel t)
    /// goes to Base + ch·ChanStride + PixBase + t (the global [N, 2GK | GK, Pix] arrays, or a chunk-local [2GK | GK, pc] buffer).
    /// </summary>
    private readonly record struct DcnGradTarget(float[]? Arr, int Base, int ChanStride, int PixBase);

    /// <summary>
    /// The adjoint of <see cref="DeformIm2Col"/> for dcol over channels [c0, c1) of image n: dx (direct, each channel
    /// owns its plane), Δp and Δm into their targets. Any array may be null.
    /// </summary>
    private static void DeformCol2Im(in DcnGeom g, float[] dcol, float[] x, int xo, float[] off, int oo, float[] msk, int mo, int n, int p0, int pc,
        int c0, int c1, float[]? dx, int dxo, DcnGradTarget doff, DcnGradTarget dmsk)
    {
        var P = g.P;
        int plane = g.H * g.W, K = g.K, H = g.H, W = g.W, G = P.DeformGroups;
        for (int c = c0; c < c1; c++)
        {
            int grp = c / g.Cg;
            int xb = xo + (n * g.C + c) * plane, dxb = dxo + (n * g.C + c) * plane;
            for (int k = 0; k < K; k++)
            {
                int i = k / g.Kw, j = k % g.Kw;
                int och = grp * 2 * K + 2 * k, mch = grp * K + k;
                int ob = oo + (n * 2 * G * K + och) * g.Pix, mb = mo + (n * G * K + mch) * g.Pix;
                int dob = doff.Base + och * doff.ChanStride + doff.PixBase, dmb = dmsk.Base + mch * dmsk.ChanStride + dmsk.PixBase;
                int src = (c * K + k) * pc;
                for (int t = 0; t < pc; t++)
                {
                    float gc = dcol[src + t];
                    if (gc == 0f) continue;
                    int p = p0 + t, oh = p / g.Wo, ow = p - oh * g.Wo;
                    float hs = oh * P.StrideH - P.PadH + i * P.DilationH + off[ob + p];
                    float ws = ow * P.StrideW - P.PadW + j * P.DilationW + off[ob + g.Pix + p];
                    if (!(hs > -1f && hs < H && ws > -1f && ws < W)) continue;
                    float m = msk[mb + p];
                    int h0 = (int)MathF.Floor(hs), w0 = (int)MathF.Floor(ws);
                    float lh = hs - h0, lw = ws - w0;
                    bool vh0 = h0 >= 0, vh1 = h0 + 1 < H, vw0 = w0 >= 0, vw1 = w0 + 1 < W;
                    int r0 = h0 * W, r1 = r0 + W;
                    float x00 = vh0 && vw0 ? x[xb + r0 + w0] : 0f, x01 = vh0 && vw1 ? x[xb + r0 + w0 + 1] : 0f;
                    float x10 = vh1 && vw0 ? x[xb + r1 + w0] : 0f, x11 = vh1 && vw1 ? x[xb + r1 + w0 + 1] : 0f;
                    if (dmsk.Arr != null)
                        dmsk.Arr[dmb + t] += gc * ((1 - lh) * ((1 - lw) * x00 + lw * x01) + lh * ((1 - lw) * x10 + lw * x11));
                    float gm = gc * m;
                    if (doff.Arr != null)
                    {
                        doff.Arr[dob + t] += gm * ((1 - lw) * (x10 - x00) + lw * (x11 - x01));
                        doff.Arr[dob + doff.ChanStride + t] += gm * ((1 - lh) * (x01 - x00) + lh * (x11 - x10));
                    }
                    if (dx != null)
                    {
                        if (vh0 && vw0) dx[dxb + r0 + w0] += gm * (1 - lh) * (1 - lw);
                        if (vh0 && vw1) dx[dxb + r0 + w0 + 1] += gm * (1 - lh) * lw;
                        if (vh1 && vw0) dx[dxb + r1 + w0] += gm * lh * (1 - lw);
                        if (vh1 && vw1) dx[dxb + r1 + w0 + 1] += gm * lh * lw;
                    }
                }
            }
        }
    }

    /// <summary>
    /// <see cref="DeformCol2Im"/> for one tile of image n, split over channel chunks on all threads (used when there are
    /// fewer images than threads). dx planes are disjoint per channel; Δp and Δm, shared by the channels of a group,
    /// go to chunk-local buffers that are then added in chunk order (deterministic).
    /// </summary>
    private static void DeformCol2ImParallel(in DcnGeom g, float[] dcol, float[] x, int xo, float[] off, int oo, float[] msk, int mo, int n, int p0, int pc,
        float[]? dx, int dxo, float[]? doff, int doo, float[]? dmsk, int dmo)
    {
        int chunks = Math.Min(CpuParallel.MaxThreads, g.C);
        int gk = g.P.DeformGroups * g.K;
        if (chunks <= 1 || (long)g.Kc * pc < 32768)
        {
            DeformCol2Im(g, dcol, x, xo, off, oo, msk, mo, n, p0, pc, 0, g.C, dx, dxo,
                new DcnGradTarget(doff, doo + n * 2 * gk * g.Pix, g.Pix, p0), new DcnGradTarget(dmsk, dmo + n * gk * g.Pix, g.Pix, p0));
            return;
        }
        int per = 3 * gk * pc; // [2GK, pc] offsets then [GK, pc] mask
        var buf = TensorArena.RentFloat(chunks * per);
        try
        {
            Array.Clear(buf, 0, chunks * per);
            CpuParallel.For(chunks, 1, new DcnCol2ImBody(g, dcol, x, xo, off, oo, msk, mo, n, p0, pc, dx, dxo, doff != null, dmsk != null, buf, per, chunks));
            for (int ck = 0; ck < chunks; ck++)
            {
                int b = ck * per;
                if (doff != null)
                    for (int ch = 0; ch < 2 * gk; ch++)
                    {
                        var d = doff.AsSpan(doo + (n * 2 * gk + ch) * g.Pix + p0, pc);
                        ElementwiseDriver.BinarySpan(new AddOp(), d, buf.AsSpan(b + ch * pc, pc), d);
                    }
                if (dmsk != null)
                    for (int ch = 0; ch < gk; ch++)
                    {
                        var d = dmsk.AsSpan(dmo + (n * gk + ch) * g.Pix + p0, pc);
                        ElementwiseDriver.BinarySpan(new AddOp(), d, buf.AsSpan(b + (2 * gk + ch) * pc, pc), d);
                    }
            }
        }
        finally { TensorArena.Return(buf); }
    }

    private readonly record struct DcnCol2ImBody(DcnGeom G, float[] Dcol, float[] X, int Xo, float[] Off, int Oo, float[] M, int Mo, int N, int P0, int Pc,
        float[]? Dx, int Dxo, bool WantOff, bool WantMask, float[] Buf, int Per, int Chunks) : IRangeBody
    {
        public void Run(int s, int e)
        {
            int gk = G.P.DeformGroups * G.K;
            for (int ck = s; ck < e; ck++)
            {
                int c0 = (int)((long)G.C * ck / Chunks), c1 = (int)((long)G.C * (ck + 1) / Chunks);
                DeformCol2Im(G, Dcol, X, Xo, Off, Oo, M, Mo, N, P0, Pc, c0, c1, Dx, Dxo,
                    new DcnGradTarget(WantOff ? Buf : null, ck * Per, Pc, 0), new DcnGradTarget(WantMask ? Buf : null, ck * Per + 2 * gk * Pc, Pc, 0));
            }
        }
    }

    public void DeformConv2d(Tensor x, Tensor offset, Tensor mask, Tensor w, Tensor? bias, Tensor y, DeformConv2dParams p)
    {
        var g = DcnGeometry(x, w, y, p);
        int tasks = g.N * g.Tiles;
        bool outer = tasks >= CpuParallel.MaxThreads;
        var body = new DcnFwd(g, x.CpuArray, x.Offset, offset.CpuArray, offset.Offset, mask.CpuArray, mask.Offset, w.CpuArray, w.Offset,
            bias?.CpuArray, bias?.Offset ?? 0, y.CpuArray, y.Offset, outer ? 1 : 0);
        if (outer) CpuParallel.For(tasks, 1, body); else body.Run(0, tasks);
    }

    private readonly record struct DcnFwd(DcnGeom G, float[] X, int Xo, float[] Off, int Oo, float[] M, int Mo, float[] Wt, int Wo,
        float[]? B, int Bo, float[] Y, int Yo, int Threads) : IRangeBody
    {
        public void Run(int s, int e)
        {
            var g = G;
            for (int t = s; t < e; t++)
            {
                int n = t / g.Tiles, tile = t % g.Tiles;
                int p0 = tile * g.Tile, pc = Math.Min(g.Tile, g.Pix - p0);
                int yoff = Yo + n * g.O * g.Pix + p0;
                if (B != null)
                    for (int o = 0; o < g.O; o++) Y.AsSpan(yoff + o * g.Pix, pc).Fill(B[Bo + o]);
                var col = DcnColBuffer(g.Kc * pc);
                DeformIm2Col(g, X, Xo, Off, Oo, M, Mo, n, p0, pc, col);
                Sgemm.Run(g.O, pc, g.Kc, Wt, Wo, g.Kc, 1, col, 0, pc, 1, Y, yoff, g.Pix, B != null, Threads);
            }
        }
    }

    public void DeformConv2dBackward(Tensor x, Tensor offset, Tensor mask, Tensor w, Tensor dy,
        Tensor? dx, Tensor? doffset, Tensor? dmask, Tensor? dw, DeformConv2dParams p)
    {
        var g = DcnGeometry(x, w, dy, p);
        dx?.Span.Clear(); doffset?.Span.Clear(); dmask?.Span.Clear();
        bool outer = g.N >= CpuParallel.MaxThreads;
        int chunks = outer ? Math.Min(CpuParallel.MaxThreads, g.N) : 1;
        int wlen = g.O * g.Kc;
        var partial = dw == null ? null : new float[chunks][];
        var body = new DcnBwd(g, x.CpuArray, x.Offset, offset.CpuArray, offset.Offset, mask.CpuArray, mask.Offset, w.CpuArray, w.Offset,
            dy.CpuArray, dy.Offset, dx?.CpuArray, dx?.Offset ?? 0, doffset?.CpuArray, doffset?.Offset ?? 0, dmask?.CpuArray, dmask?.Offset ?? 0,
            partial, wlen, chunks, outer ? 1 : 0);
        try
        {
            if (outer) CpuParallel.For(chunks, 1, body); else body.Run(0, chunks);
            if (dw != null)
            {
                // chunk partials added in chunk order: deterministic for a given thread count
                var d = dw.Span;
                partial![0].AsSpan(0, wlen).CopyTo(d);
                for (int c = 1; c < chunks; c++) ElementwiseDriver.BinarySpan(new AddOp(), d, partial[c].AsSpan(0, wlen), d);
            }
        }
        finally
        {
            if (partial != null) foreach (var a in partial) if (a != null) TensorArena.Return(a);
        }
    }

    private readonly record struct DcnBwd(DcnGeom G, float[] X, int Xo, float[] Off, int Oo, float[] M, int Mo, float[] Wt, int Wo,
        float[] Dy, int Dyo, float[]? Dx, int Dxo, float[]? DOff, int DOo, float[]? DM, int DMo, float[][]? Partial, int WLen, int Chunks, int Threads) : IRangeBody
    {
        public void Run(int s, int e)
        {
            var g = G;
            for (int ck = s; ck < e; ck++)
            {
                float[]? acc = null;
                if (Partial != null) { acc = TensorArena.RentFloat(WLen); Array.Clear(acc, 0, WLen); Partial[ck] = acc; }
                int n0 = (int)((long)g.N * ck / Chunks), n1 = (int)((long)g.N * (ck + 1) / Chunks);
                for (int n = n0; n < n1; n++)
                for (int tile = 0; tile < g.Tiles; tile++)
                {
                    int p0 = tile * g.Tile, pc = Math.Min(g.Tile, g.Pix - p0);
                    int dyoff = Dyo + n * g.O * g.Pix + p0;
                    var col = DcnColBuffer(g.Kc * pc);
                    if (acc != null)
                    {
                        DeformIm2Col(g, X, Xo, Off, Oo, M, Mo, n, p0, pc, col);
                        // dW[O, Kc] += dy[O, pc] · colᵀ[pc, Kc]
                        Sgemm.Run(g.O, g.Kc, pc, Dy, dyoff, g.Pix, 1, col, 0, 1, pc, acc, 0, g.Kc, true, Threads);
                    }
                    if (Dx == null && DOff == null && DM == null) continue;
                    // dcol[Kc, pc] = Wᵀ[Kc, O] · dy[O, pc]
                    Sgemm.Run(g.Kc, pc, g.O, Wt, Wo, 1, g.Kc, Dy, dyoff, g.Pix, 1, col, 0, pc, false, Threads);
                    if (Threads == 1)
                    {
                        int gk = g.P.DeformGroups * g.K;
                        DeformCol2Im(g, col, X, Xo, Off, Oo, M, Mo, n, p0, pc, 0, g.C, Dx, Dxo,
                            new DcnGradTarget(DOff, DOo + n * 2 * gk * g.Pix, g.Pix, p0), new DcnGradTarget(DM, DMo + n * gk * g.Pix, g.Pix, p0));
                    }
                    else DeformCol2ImParallel(g, col, X, Xo, Off, Oo, M, Mo, n, p0, pc, Dx, Dxo, DOff, DOo, DM, DMo);
                }
            }
        }
    }
}
