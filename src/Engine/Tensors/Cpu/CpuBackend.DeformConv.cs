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

    /// <summary>The adjoint of <see cref="DeformIm2Col"/> for dcol: accumulates into dx, doffset and dmask of image n (any may be null).</summary>
    private static void DeformCol2Im(in DcnGeom g, float[] dcol, float[] x, int xo, float[] off, int oo, float[] msk, int mo, int n, int p0, int pc,
        float[]? dx, int dxo, float[]? doff, int doo, float[]? dmsk, int dmo)
    {
        var P = g.P;
        int plane = g.H * g.W, K = g.K, H = g.H, W = g.W;
        for (int c = 0; c < g.C; c++)
        {
            int grp = c / g.Cg;
            int xb = xo + (n * g.C + c) * plane, dxb = dxo + (n * g.C + c) * plane;
            for (int k = 0; k < K; k++)
            {
                int i = k / g.Kw, j = k % g.Kw;
                int orel = (n * 2 * P.DeformGroups * K + grp * 2 * K + 2 * k) * g.Pix;
                int mrel = (n * P.DeformGroups * K + grp * K + k) * g.Pix;
                int src = (c * K + k) * pc;
                for (int t = 0; t < pc; t++)
                {
                    float gc = dcol[src + t];
                    if (gc == 0f) continue;
                    int p = p0 + t, oh = p / g.Wo, ow = p - oh * g.Wo;
                    float hs = oh * P.StrideH - P.PadH + i * P.DilationH + off[oo + orel + p];
                    float ws = ow * P.StrideW - P.PadW + j * P.DilationW + off[oo + orel + g.Pix + p];
                    if (!(hs > -1f && hs < H && ws > -1f && ws < W)) continue;
                    float m = msk[mo + mrel + p];
                    int h0 = (int)MathF.Floor(hs), w0 = (int)MathF.Floor(ws);
                    float lh = hs - h0, lw = ws - w0;
                    bool vh0 = h0 >= 0, vh1 = h0 + 1 < H, vw0 = w0 >= 0, vw1 = w0 + 1 < W;
                    int r0 = h0 * W, r1 = r0 + W;
                    float x00 = vh0 && vw0 ? x[xb + r0 + w0] : 0f, x01 = vh0 && vw1 ? x[xb + r0 + w0 + 1] : 0f;
                    float x10 = vh1 && vw0 ? x[xb + r1 + w0] : 0f, x11 = vh1 && vw1 ? x[xb + r1 + w0 + 1] : 0f;
                    if (dmsk != null)
                    {
                        float v = (1 - lh) * ((1 - lw) * x00 + lw * x01) + lh * ((1 - lw) * x10 + lw * x11);
                        dmsk[dmo + mrel + p] += gc * v;
                    }
                    float gm = gc * m;
                    if (doff != null)
                    {
                        doff[doo + orel + p] += gm * ((1 - lw) * (x10 - x00) + lw * (x11 - x01));
                        doff[doo + orel + g.Pix + p] += gm * ((1 - lh) * (x01 - x00) + lh * (x11 - x10));
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
                var col = ColBuffer(g.Kc * pc);
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
                    var col = ColBuffer(g.Kc * pc);
                    if (acc != null)
                    {
                        DeformIm2Col(g, X, Xo, Off, Oo, M, Mo, n, p0, pc, col);
                        // dW[O, Kc] += dy[O, pc] · colᵀ[pc, Kc]
                        Sgemm.Run(g.O, g.Kc, pc, Dy, dyoff, g.Pix, 1, col, 0, 1, pc, acc, 0, g.Kc, true, Threads);
                    }
                    if (Dx == null && DOff == null && DM == null) continue;
                    // dcol[Kc, pc] = Wᵀ[Kc, O] · dy[O, pc]
                    Sgemm.Run(g.Kc, pc, g.O, Wt, Wo, 1, g.Kc, Dy, dyoff, g.Pix, 1, col, 0, pc, false, Threads);
                    DeformCol2Im(g, col, X, Xo, Off, Oo, M, Mo, n, p0, pc, Dx, Dxo, DOff, DOo, DM, DMo);
                }
            }
        }
    }
}
