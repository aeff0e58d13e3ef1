using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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

    [ThreadStatic] private static int[]? _dcnTapIdx;
    [ThreadStatic] private static float[]? _dcnTapW;

    /// <summary>
    /// col[(c·K + k), t] = m · x_c(p_t + p_k + Δp) for pixels p0..p0+pc of image n. The four taps of a (group, kernel
    /// point, pixel) — plane indices clamped into the image, weights times the mask, zero where a tap is outside — are
    /// the same for every channel of the group, so they are computed once (tap j of pixel t at [j·pc + t]) and reused
    /// C/G times, eight pixels at a time with AVX2 gathers: w₀·x₀ + w₁·x₁ + w₂·x₂ + w₃·x₃, the scalar tail's order.
    /// </summary>
    private static unsafe void DeformIm2Col(in DcnGeom g, float[] x, int xo, float[] off, int oo, float[] msk, int mo, int n, int p0, int pc, float[] col,
        float[]? xt = null)
    {
        var P = g.P;
        int plane = g.H * g.W, K = g.K, H = g.H, W = g.W;
        var idx = _dcnTapIdx; var wt = _dcnTapW;
        if (idx == null || idx.Length < 4 * pc) { _dcnTapIdx = idx = new int[Math.Max(4 * pc, 1024)]; _dcnTapW = wt = new float[idx.Length]; }
        fixed (float* px = x)
        fixed (int* pi = idx)
        fixed (float* pw = wt)
        for (int grp = 0; grp < P.DeformGroups; grp++)
        for (int k = 0; k < K; k++)
        {
            int i = k / g.Kw, j = k % g.Kw;
            int ob = oo + (n * 2 * P.DeformGroups * K + grp * 2 * K + 2 * k) * g.Pix;
            int mb = mo + (n * P.DeformGroups * K + grp * K + k) * g.Pix;
            for (int t = 0; t < pc;)
            {
                int oh = (p0 + t) / g.Wo, ow = p0 + t - oh * g.Wo;
                int runEnd = Math.Min(pc, t + g.Wo - ow); // the rest of this output row inside the tile
                int hBase = oh * P.StrideH - P.PadH + i * P.DilationH;
                if (DcnVectorTaps && Avx2.IsSupported)
                    for (; t + 8 <= runEnd; t += 8, ow += 8)
                        DcnTaps8(off, msk, ob + p0 + t, mb + p0 + t, g.Pix, hBase, ow * P.StrideW - P.PadW + j * P.DilationW, P.StrideW, H, W, pi + t, pw + t, pc);
                for (; t < runEnd; t++, ow++)
                {
                    int p = p0 + t;
                    float hs = hBase + off[ob + p];
                    float ws = ow * P.StrideW - P.PadW + j * P.DilationW + off[ob + g.Pix + p];
                    if (!(hs > -1f && hs < H && ws > -1f && ws < W))
                    {
                        idx[t] = idx[pc + t] = idx[2 * pc + t] = idx[3 * pc + t] = 0;
                        wt![t] = wt[pc + t] = wt[2 * pc + t] = wt[3 * pc + t] = 0f;
                        continue;
                    }
                    float m = msk[mb + p];
                    int h0 = (int)MathF.Floor(hs), w0 = (int)MathF.Floor(ws);
                    float lh = hs - h0, lw = ws - w0;
                    bool vh0 = h0 >= 0, vh1 = h0 + 1 < H, vw0 = w0 >= 0, vw1 = w0 + 1 < W;
                    int ch0 = vh0 ? h0 : 0, ch1 = vh1 ? h0 + 1 : 0, cw0 = vw0 ? w0 : 0, cw1 = vw1 ? w0 + 1 : 0;
                    idx[t] = ch0 * W + cw0; idx[pc + t] = ch0 * W + cw1; idx[2 * pc + t] = ch1 * W + cw0; idx[3 * pc + t] = ch1 * W + cw1;
                    wt![t] = vh0 && vw0 ? m * (1 - lh) * (1 - lw) : 0f;
                    wt[pc + t] = vh0 && vw1 ? m * (1 - lh) * lw : 0f;
                    wt[2 * pc + t] = vh1 && vw0 ? m * lh * (1 - lw) : 0f;
                    wt[3 * pc + t] = vh1 && vw1 ? m * lh * lw : 0f;
                }
            }
            if (xt is not null)
            {
                fixed (float* pxt = xt) fixed (float* pcol = col) NhwcTaps(pxt + (long)n * plane * g.C, g.C, g.Kc, k, pc, pi, pw, pcol);
                continue;
            }
            for (int c = grp * g.Cg; c < (grp + 1) * g.Cg; c++)
            {
                float* xc = px + xo + (n * g.C + c) * plane;
                int dst = (c * K + k) * pc, t = 0;
                if (Avx2.IsSupported)
                {
                    fixed (float* pcol = &col[dst])
                        for (; t <= pc - 8; t += 8)
                        {
                            var v = Avx.LoadVector256(pw + t) * Avx2.GatherVector256(xc, Avx.LoadVector256(pi + t), 4)
                                + Avx.LoadVector256(pw + pc + t) * Avx2.GatherVector256(xc, Avx.LoadVector256(pi + pc + t), 4)
                                + Avx.LoadVector256(pw + 2 * pc + t) * Avx2.GatherVector256(xc, Avx.LoadVector256(pi + 2 * pc + t), 4)
                                + Avx.LoadVector256(pw + 3 * pc + t) * Avx2.GatherVector256(xc, Avx.LoadVector256(pi + 3 * pc + t), 4);
                            Avx.Store(pcol + t, v);
                        }
                }
                for (; t < pc; t++)
                    col[dst + t] = wt![t] * xc[idx[t]] + wt[pc + t] * xc[idx[pc + t]] + wt[2 * pc + t] * xc[idx[2 * pc + t]] + wt[3 * pc + t] * xc[idx[3 * pc + t]];
            }
        }
    }

    /// <summary>
    /// Where <see cref="DeformCol2Im"/> accumulates the offset and mask gradients: element (channel ch, tile pixel t)
    /// goes to Base + ch·ChanStride + PixBase + t (the global [N, 2GK | GK, Pix] arrays, or a chunk-local [2GK | GK, pc] buffer).
    /// </summary>
    private readonly record struct DcnGradTarget(float[]? Arr, int Base, int ChanStride, int PixBase);

    [ThreadStatic] private static float[]? _dcnTapB;

    /// <summary>
    /// The adjoint of <see cref="DeformIm2Col"/> for dcol over channels [c0, c1) of image n: dx (direct, each channel
    /// owns its plane), Δp and Δm into their targets. Any array may be null. The taps of a (group, kernel point, pixel)
    /// are computed once per group (clamped indices, 0/1 validity, fractions, mask) and reused for its channels.
    /// </summary>
    private static void DeformCol2Im(in DcnGeom g, float[] dcol, float[] x, int xo, float[] off, int oo, float[] msk, int mo, int n, int p0, int pc,
        int c0, int c1, float[]? dx, int dxo, DcnGradTarget doff, DcnGradTarget dmsk)
    {
        var P = g.P;
        int plane = g.H * g.W, K = g.K, H = g.H, W = g.W, G = P.DeformGroups;
        const int TI = 4, TF = 7; // per pixel: 4 indices; 4 validities, lh, lw, m
        var idx = _dcnTapIdx; var tf = _dcnTapB;
        if (idx == null || idx.Length < TI * pc) { _dcnTapIdx = idx = new int[Math.Max(TI * pc, 1024)]; _dcnTapW = new float[idx.Length]; }
        if (tf == null || tf.Length < TF * pc) _dcnTapB = tf = new float[Math.Max(TF * pc, 1792)];
        for (int grp = c0 / g.Cg; grp < G && grp * g.Cg < c1; grp++)
        {
            int cs = Math.Max(c0, grp * g.Cg), ce = Math.Min(c1, (grp + 1) * g.Cg);
            for (int k = 0; k < K; k++)
            {
                int i = k / g.Kw, j = k % g.Kw;
                int och = grp * 2 * K + 2 * k, mch = grp * K + k;
                int ob = oo + (n * 2 * G * K + och) * g.Pix, mb = mo + (n * G * K + mch) * g.Pix;
                int dob = doff.Base + och * doff.ChanStride + doff.PixBase, dmb = dmsk.Base + mch * dmsk.ChanStride + dmsk.PixBase;
                for (int t = 0; t < pc; t++)
                {
                    int p = p0 + t, oh = p / g.Wo, ow = p - oh * g.Wo;
                    float hs = oh * P.StrideH - P.PadH + i * P.DilationH + off[ob + p];
                    float ws = ow * P.StrideW - P.PadW + j * P.DilationW + off[ob + g.Pix + p];
                    int q = TI * t, f = TF * t;
                    if (!(hs > -1f && hs < H && ws > -1f && ws < W)) { tf[f + 6] = float.NaN; continue; } // marks "no contribution"
                    int h0 = (int)MathF.Floor(hs), w0 = (int)MathF.Floor(ws);
                    bool vh0 = h0 >= 0, vh1 = h0 + 1 < H, vw0 = w0 >= 0, vw1 = w0 + 1 < W;
                    int ch0 = vh0 ? h0 : 0, ch1 = vh1 ? h0 + 1 : 0, cw0 = vw0 ? w0 : 0, cw1 = vw1 ? w0 + 1 : 0;
                    idx[q] = ch0 * W + cw0; idx[q + 1] = ch0 * W + cw1; idx[q + 2] = ch1 * W + cw0; idx[q + 3] = ch1 * W + cw1;
                    tf[f] = vh0 && vw0 ? 1f : 0f; tf[f + 1] = vh0 && vw1 ? 1f : 0f; tf[f + 2] = vh1 && vw0 ? 1f : 0f; tf[f + 3] = vh1 && vw1 ? 1f : 0f;
                    tf[f + 4] = hs - h0; tf[f + 5] = ws - w0; tf[f + 6] = msk[mb + p];
                }
                for (int c = cs; c < ce; c++)
                {
                    int xb = xo + (n * g.C + c) * plane, dxb = dxo + (n * g.C + c) * plane;
                    int src = (c * K + k) * pc;
                    for (int t = 0; t < pc; t++)
                    {
                        float gc = dcol[src + t];
                        int q = TI * t, f = TF * t;
                        float m = tf[f + 6];
                        if (gc == 0f || float.IsNaN(m)) continue;
                        float lh = tf[f + 4], lw = tf[f + 5];
                        int i00 = xb + idx[q], i01 = xb + idx[q + 1], i10 = xb + idx[q + 2], i11 = xb + idx[q + 3];
                        float x00 = tf[f] * x[i00], x01 = tf[f + 1] * x[i01], x10 = tf[f + 2] * x[i10], x11 = tf[f + 3] * x[i11];
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
                            // invalid taps have weight 0 at a clamped (valid) index: adding 0 is harmless
                            int d = dxb - xb;
                            dx[d + i00] += gm * tf[f] * (1 - lh) * (1 - lw);
                            dx[d + i01] += gm * tf[f + 1] * (1 - lh) * lw;
                            dx[d + i10] += gm * tf[f + 2] * lh * (1 - lw);
                            dx[d + i11] += gm * tf[f + 3] * lh * lw;
                        }
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
        int chunks = Math.Min(ParallelRange.MaxThreads, g.C);
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
            ParallelRange.For(chunks, 1, new DcnCol2ImBody(g, dcol, x, xo, off, oo, msk, mo, n, p0, pc, dx, dxo, doff != null, dmsk != null, buf, per, chunks));
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
        float[]? Dx, int Dxo, bool WantOff, bool WantMask, float[] Buf, int Per, int Chunks) : IRangeOperation
    {
        public void Invoke(int s, int e)
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

    /// <summary>Off computes the DCN taps one pixel at a time (twin tests compare the two).</summary>
    internal static bool DcnVectorTaps { get; set; } = true;

    /// <summary>
    /// The scalar tap loop of <see cref="DeformIm2Col"/> for eight pixels of one output row (columns ow … ow + 7, so
    /// the sampling column base is <paramref name="wBase"/> + lane·stride): the same expressions in vectors — the
    /// validity tests as masks, the products in the scalar's order — so the indices and weights are the same bit for bit.
    /// </summary>
    private static unsafe void DcnTaps8(float[] off, float[] msk, int oAt, int mAt, int pix, int hBase, int wBase, int stride, int H, int W, int* idx, float* wt, int pc)
    {
        fixed (float* po = off, pm = msk)
        {
            var lane = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7) * Vector256.Create(stride);
            var hs = Vector256.Create((float)hBase) + Avx.LoadVector256(po + oAt);
            var ws = Avx.ConvertToVector256Single(Vector256.Create(wBase) + lane) + Avx.LoadVector256(po + oAt + pix);
            var fH = Vector256.Create((float)H); var fW = Vector256.Create((float)W); var m1 = Vector256.Create(-1f);
            var inside = Avx.CompareGreaterThan(hs, m1) & Avx.CompareLessThan(hs, fH) & Avx.CompareGreaterThan(ws, m1) & Avx.CompareLessThan(ws, fW);
            var insideI = inside.AsInt32();
            var fh = Avx.Floor(hs); var fw = Avx.Floor(ws);
            var h0 = Avx.ConvertToVector256Int32WithTruncation(fh); var w0 = Avx.ConvertToVector256Int32WithTruncation(fw);
            var lh = hs - fh; var lw = ws - fw;
            var one = Vector256.Create(1); var zero = Vector256<int>.Zero;
            var vh0 = Avx2.CompareGreaterThan(h0, Vector256.Create(-1)); var vh1 = Avx2.CompareGreaterThan(Vector256.Create(H), h0 + one);
            var vw0 = Avx2.CompareGreaterThan(w0, Vector256.Create(-1)); var vw1 = Avx2.CompareGreaterThan(Vector256.Create(W), w0 + one);
            var ch0 = h0 & vh0; var ch1 = (h0 + one) & vh1; var cw0 = w0 & vw0; var cw1 = (w0 + one) & vw1;
            var width = Vector256.Create(W);
            var r0 = Avx2.MultiplyLow(ch0, width); var r1 = Avx2.MultiplyLow(ch1, width);
            Avx.Store(idx, (r0 + cw0) & insideI);
            Avx.Store(idx + pc, (r0 + cw1) & insideI);
            Avx.Store(idx + 2 * pc, (r1 + cw0) & insideI);
            Avx.Store(idx + 3 * pc, (r1 + cw1) & insideI);
            var m = Avx.LoadVector256(pm + mAt);
            var onef = Vector256.Create(1f);
            var ma = m * (onef - lh); var mb = m * lh;
            Avx.Store(wt, (ma * (onef - lw)) & (vh0 & vw0 & insideI).AsSingle());
            Avx.Store(wt + pc, (ma * lw) & (vh0 & vw1 & insideI).AsSingle());
            Avx.Store(wt + 2 * pc, (mb * (onef - lw)) & (vh1 & vw0 & insideI).AsSingle());
            Avx.Store(wt + 3 * pc, (mb * lw) & (vh1 & vw1 & insideI).AsSingle());
        }
    }

    /// <summary>Off keeps the forward on the channel-planar gathers (twin tests and benchmarks compare the two).</summary>
    internal static bool DcnChannelLast { get; set; } = true;

    /// <summary>
    /// Kernel point k of every tile pixel t from a channel-last copy of the image: the four corners are C contiguous
    /// floats each, so eight channels take four plain loads (instead of four gathers per channel) and
    /// w₀·x₀ + w₁·x₁ + w₂·x₂ + w₃·x₃ — the gather path's expression, so the same values — is stored to the
    /// pixel-major, tap-major column colT[t, k·C + c].
    /// </summary>
    private static unsafe void NhwcTaps(float* xt, int c, int kc, int k, int pc, int* idx, float* wt, float* col)
    {
        for (int t = 0; t < pc; t++)
        {
            var w0 = Vector256.Create(wt[t]); var w1 = Vector256.Create(wt[pc + t]);
            var w2 = Vector256.Create(wt[2 * pc + t]); var w3 = Vector256.Create(wt[3 * pc + t]);
            float* a = xt + (long)idx[t] * c, b = xt + (long)idx[pc + t] * c, d = xt + (long)idx[2 * pc + t] * c, e = xt + (long)idx[3 * pc + t] * c;
            float* dst = col + (long)t * kc + k * c;
            for (int c0 = 0; c0 < c; c0 += 8)
                Avx.Store(dst + c0, w0 * Avx.LoadVector256(a + c0) + w1 * Avx.LoadVector256(b + c0) + w2 * Avx.LoadVector256(d + c0) + w3 * Avx.LoadVector256(e + c0));
        }
    }

    /// <summary>x [N, C, H, W] → [N, H, W, C], rows (n, h) in parallel.</summary>
    private readonly struct ToChannelLast(float[] x, int xo, float[] xt, int c, int h, int w) : IRangeOperation
    {
        public void Invoke(int s, int e)
        {
            for (int r = s; r < e; r++)
            {
                int n = r / h, i = r - n * h;
                int src = xo + n * c * h * w + i * w, dst = r * w * c;
                for (int j = 0; j < w; j++, dst += c)
                    for (int ch = 0; ch < c; ch++) xt[dst + ch] = x[src + ch * h * w + j];
            }
        }
    }

    public void DeformConv2d(Tensor x, Tensor offset, Tensor mask, Tensor w, Tensor? bias, Tensor y, DeformConv2dParams p)
    {
        var g = DcnGeometry(x, w, y, p);
        int tasks = g.N * g.Tiles;
        bool outer = tasks >= ParallelRange.MaxThreads;
        if (DcnChannelLast && p.DeformGroups == 1 && g.C % 8 == 0 && Avx2.IsSupported)
        {
            // channel-last image and the weights reordered to match the column's (k, c) order: W'[o, k·C + c] = W[o, c·K + k]
            var xt = TensorArena.RentFloat(g.N * g.C * g.H * g.W);
            var wp = TensorArena.RentFloat(g.O * g.Kc);
            try
            {
                ParallelRange.For(g.N * g.H, Math.Max(1, 16384 / Math.Max(1, g.W * g.C)), new ToChannelLast(x.CpuArray, x.Offset, xt, g.C, g.H, g.W));
                float[] wa = w.CpuArray;
                for (int o = 0; o < g.O; o++)
                    for (int c = 0; c < g.C; c++)
                        for (int k = 0; k < g.K; k++) wp[o * g.Kc + k * g.C + c] = wa[w.Offset + o * g.Kc + c * g.K + k];
                var fast = new DcnFwd(g, x.CpuArray, x.Offset, offset.CpuArray, offset.Offset, mask.CpuArray, mask.Offset, wp, 0,
                    bias?.CpuArray, bias?.Offset ?? 0, y.CpuArray, y.Offset, outer ? 1 : 0, xt);
                if (outer) ParallelRange.For(tasks, 1, fast); else fast.Invoke(0, tasks);
            }
            finally { TensorArena.Return(xt); TensorArena.Return(wp); }
            return;
        }
        var body = new DcnFwd(g, x.CpuArray, x.Offset, offset.CpuArray, offset.Offset, mask.CpuArray, mask.Offset, w.CpuArray, w.Offset,
            bias?.CpuArray, bias?.Offset ?? 0, y.CpuArray, y.Offset, outer ? 1 : 0);
        if (outer) ParallelRange.For(tasks, 1, body); else body.Invoke(0, tasks);
    }

    /// <summary>With <c>XT</c> (the channel-last image) the column is pixel-major, colT[t, k·C + c], and Wt is reordered to match.</summary>
    private readonly record struct DcnFwd(DcnGeom G, float[] X, int Xo, float[] Off, int Oo, float[] M, int Mo, float[] Wt, int Wo,
        float[]? B, int Bo, float[] Y, int Yo, int Threads, float[]? XT = null) : IRangeOperation
    {
        public void Invoke(int s, int e)
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
                DeformIm2Col(g, X, Xo, Off, Oo, M, Mo, n, p0, pc, col, XT);
                if (XT is null) Sgemm.Run(g.O, pc, g.Kc, Wt, Wo, g.Kc, 1, col, 0, pc, 1, Y, yoff, g.Pix, B != null, Threads);
                else Sgemm.Run(g.O, pc, g.Kc, Wt, Wo, g.Kc, 1, col, 0, 1, g.Kc, Y, yoff, g.Pix, B != null, Threads);
            }
        }
    }

    public void DeformConv2dBackward(Tensor x, Tensor offset, Tensor mask, Tensor w, Tensor dy,
        Tensor? dx, Tensor? doffset, Tensor? dmask, Tensor? dw, DeformConv2dParams p)
    {
        var g = DcnGeometry(x, w, dy, p);
        dx?.Span.Clear(); doffset?.Span.Clear(); dmask?.Span.Clear();
        bool outer = g.N >= ParallelRange.MaxThreads;
        int chunks = outer ? Math.Min(ParallelRange.MaxThreads, g.N) : 1;
        int wlen = g.O * g.Kc;
        var partial = dw == null ? null : new float[chunks][];
        var body = new DcnBwd(g, x.CpuArray, x.Offset, offset.CpuArray, offset.Offset, mask.CpuArray, mask.Offset, w.CpuArray, w.Offset,
            dy.CpuArray, dy.Offset, dx?.CpuArray, dx?.Offset ?? 0, doffset?.CpuArray, doffset?.Offset ?? 0, dmask?.CpuArray, dmask?.Offset ?? 0,
            partial, wlen, chunks, outer ? 1 : 0);
        try
        {
            if (outer) ParallelRange.For(chunks, 1, body); else body.Invoke(0, chunks);
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
        float[] Dy, int Dyo, float[]? Dx, int Dxo, float[]? DOff, int DOo, float[]? DM, int DMo, float[][]? Partial, int WLen, int Chunks, int Threads) : IRangeOperation
    {
        public void Invoke(int s, int e)
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
