namespace HdrOfx.Engine.Tensors.Cpu;

/// <summary>
/// conv2d on <see cref="Sgemm"/>. Forward and weight gradient are implicit GEMMs: the B panels are packed straight
/// from the image (<see cref="Im2ColPack"/>), so no column matrix is ever stored. The input gradient computes
/// column tiles (~1 MiB, L2-sized) with a GEMM and scatters them back with col2im. A 1×1, stride-1, unpadded conv
/// uses the image itself as the column matrix. Work items are (image, group): one per thread when there are enough,
/// else the GEMM (and col2im, split by channel) is threaded.
/// </summary>
public sealed partial class CpuBackend
{
    [ThreadStatic] private static float[]? _col;

    private readonly record struct ConvGeom(int N, int C, int H, int W, int O, int Kh, int Kw, int Ho, int Wo, int G, Conv2dParams P)
    {
        public int Cg => C / G;
        public int Og => O / G;
        public int Kc => Cg * Kh * Kw;
        public int Pix => Ho * Wo;
        public bool Direct => Kh == 1 && Kw == 1 && P.StrideH == 1 && P.StrideW == 1 && P.PadH == 0 && P.PadW == 0;

        /// <summary>Pixels per tile: ~256K column floats, a multiple of 16, at least 64.</summary>
        public int Tile => Direct ? Pix : Math.Min(Pix, Math.Max(64, (262144 / Math.Max(Kc, 1)) / 16 * 16));
        public int Tiles => (Pix + Tile - 1) / Tile;
    }

    /// <summary>
    /// Whether to give whole work items to threads (each GEMM single-threaded) rather than thread each GEMM:
    /// only when the items divide evenly or are plentiful, so no thread idles behind an uneven split.
    /// </summary>
    private static bool SplitOuter(int tasks)
    {
        int t = ParallelRange.MaxThreads;
        return t > 1 && tasks >= t && (tasks % t == 0 || tasks >= 4 * t);
    }

    private static ConvGeom Geom(Tensor x, Tensor w, Tensor y, Conv2dParams p) =>
        new(x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3], w.Shape[0], w.Shape[2], w.Shape[3], y.Shape[2], y.Shape[3], p.Groups, p);

    private static float[] ColBuffer(int n)
    {
        var c = _col;
        if (c == null || c.Length < n) _col = c = GC.AllocateUninitializedArray<float>(Math.Max(n, 1 << 16));
        return c;
    }

    /// <summary>The adjoint of im2col: dx[n, g·Cg + c, oh·sh − ph + i·dh, ow·sw − pw + j·dw] += col[(c·Kh + i)·Kw + j, t].</summary>
    private static void Col2Im(in ConvGeom g, float[] col, int pc, int n, int grp, int p0, float[] dx, int dxOff, int c0 = 0, int c1 = -1)
    {
        var P = g.P;
        if (c1 < 0) c1 = g.Cg;
        int baseC = dxOff + (n * g.C + grp * g.Cg) * g.H * g.W;
        int k = c0 * g.Kh * g.Kw;
        for (int c = c0; c < c1; c++)
        for (int i = 0; i < g.Kh; i++)
        for (int j = 0; j < g.Kw; j++, k++)
        {
            int src = k * pc;
            int plane = baseC + c * g.H * g.W;
            int p = p0, end = p0 + pc;
            while (p < end)
            {
                int oh = p / g.Wo, ow = p - oh * g.Wo;
                int run = Math.Min(g.Wo - ow, end - p);
                int ih = oh * P.StrideH - P.PadH + i * P.DilationH;
                if ((uint)ih < (uint)g.H)
                {
                    int row = plane + ih * g.W;
                    int iw = ow * P.StrideW - P.PadW + j * P.DilationW;
                    for (int t = 0; t < run; t++, iw += P.StrideW)
                        if ((uint)iw < (uint)g.W) dx[row + iw] += col[src + t];
                }
                src += run; p += run;
            }
        }
    }

    /// <summary>col2im split over input channels: each channel's dx plane is written by one thread only.</summary>
    private static void Col2ImParallel(in ConvGeom g, float[] col, int pc, int n, int grp, int p0, float[] dx, int dxOff, bool parallel)
    {
        if (!parallel || g.Cg < 2) { Col2Im(g, col, pc, n, grp, p0, dx, dxOff); return; }
        ParallelRange.For(g.Cg, 1, new Col2ImBody(g, col, pc, n, grp, p0, dx, dxOff));
    }

    private readonly record struct Col2ImBody(ConvGeom G, float[] Col, int Pc, int N, int Grp, int P0, float[] Dx, int Dxo) : IRangeOperation
    {
        public void Invoke(int s, int e) => Col2Im(G, Col, Pc, N, Grp, P0, Dx, Dxo, s, e);
    }

    public void Conv2d(Tensor x, Tensor w, Tensor? bias, Tensor y, Conv2dParams p) =>
        ConvForward(Geom(x, w, y, p), x.CpuArray, x.Offset, w.CpuArray, w.Offset, bias?.CpuArray, bias?.Offset ?? 0, y.CpuArray, y.Offset);

    private static void ConvForward(in ConvGeom g, float[] x, int xo, float[] w, int wo, float[]? b, int bo, float[] y, int yo)
    {
        if (IsDepthwise3x3(g)) { Depthwise3x3(g, x, xo, w, wo, b, bo, y, yo); return; }
        if (IsSmallDirect(g)) { DirectConv(g, x, xo, w, wo, b, bo, y, yo); return; }
        int tasks = g.N * g.G;
        bool outer = SplitOuter(tasks);
        var body = new ConvFwdBody(g, x, xo, w, wo, b, bo, y, yo, outer ? 1 : 0);
        if (outer) ParallelRange.For(tasks, 1, body); else body.Invoke(0, tasks);
    }

    /// <summary>One (image, group): y[Og, Pix] = W_g[Og, Kc] · col[Kc, Pix] with col packed straight from x.</summary>
    private readonly record struct ConvFwdBody(ConvGeom G, float[] X, int Xo, float[] Wt, int Wo, float[]? B, int Bo, float[] Y, int Yo, int Threads) : IRangeOperation
    {
        public void Invoke(int s, int e)
        {
            var g = G;
            for (int t = s; t < e; t++)
            {
                int grp = t % g.G, n = t / g.G;
                int yoff = Yo + (n * g.O + grp * g.Og) * g.Pix;
                if (B != null)
                    for (int o = 0; o < g.Og; o++) Y.AsSpan(yoff + o * g.Pix, g.Pix).Fill(B[Bo + grp * g.Og + o]);
                if (g.Direct)
                    Sgemm.Run(g.Og, g.Pix, g.Kc, Wt, Wo + grp * g.Og * g.Kc, g.Kc, 1, X, Xo + (n * g.C + grp * g.Cg) * g.Pix, g.Pix, 1, Y, yoff, g.Pix, B != null, Threads);
                else
                    Sgemm.RunPacked(g.Og, g.Pix, g.Kc, Wt, Wo + grp * g.Og * g.Kc, g.Kc, 1, new Im2ColPack(g, X, Xo, n, grp, false), Y, yoff, g.Pix, B != null, Threads);
            }
        }
    }

    /// <summary>
    /// Implicit im2col: packs B panels straight from the image. Not transposed: B[k, p] = col[k, p] (forward).
    /// Transposed: B[p, k] = col[k, p] (weight gradient, where pixels are the reduction dim).
    /// </summary>
    private readonly unsafe struct Im2ColPack(ConvGeom g, float[] x, int xOff, int n, int grp, bool transposed) : Sgemm.IPackB
    {
        public void Pack(int k0, int kc, int j0, int nc, float* dst)
        {
            fixed (float* px = x)
            {
                float* img = px + xOff + (long)(n * g.C + grp * g.Cg) * g.H * g.W;
                if (!transposed) PackForward(img, k0, kc, j0, nc, dst);
                else PackTransposed(img, k0, kc, j0, nc, dst);
            }
        }

        // rows = column-matrix rows (c, i, j), columns = pixels
        private void PackForward(float* img, int k0, int kc, int j0, int nc, float* dst)
        {
            var P = g.P;
            int khw = g.Kh * g.Kw;
            long sliver = (long)kc * Sgemm.NR;
            int padded = (nc + Sgemm.NR - 1) / Sgemm.NR * Sgemm.NR;
            for (int kk = 0; kk < kc; kk++)
            {
                int k = k0 + kk, c = k / khw, r = k - c * khw, i = r / g.Kw, j = r - i * g.Kw;
                float* plane = img + (long)c * g.H * g.W;
                float* drow = dst + kk * Sgemm.NR;
                int p = j0, q = 0;
                while (q < nc)
                {
                    int oh = p / g.Wo, ow = p - oh * g.Wo;
                    int run = Math.Min(g.Wo - ow, nc - q);
                    int ih = oh * P.StrideH - P.PadH + i * P.DilationH;
                    if ((uint)ih >= (uint)g.H)
                    {
                        for (int t = 0; t < run; t++) drow[((q + t) >> 4) * sliver + ((q + t) & 15)] = 0f;
                    }
                    else
                    {
                        float* row = plane + (long)ih * g.W;
                        int iw = ow * P.StrideW - P.PadW + j * P.DilationW;
                        int t = 0;
                        if (P.StrideW == 1)
                        {
                            // leading out-of-image columns, then the in-image stretch copied in pieces that stay
                            // inside one 16-wide sliver row, then trailing out-of-image columns
                            for (; t < run && iw < 0; t++, iw++) drow[((q + t) >> 4) * sliver + ((q + t) & 15)] = 0f;
                            int inside = Math.Min(run - t, g.W - iw);
                            int end = t + Math.Max(inside, 0);
                            while (t < end)
                            {
                                int qq = q + t, lane = qq & 15, len = Math.Min(16 - lane, end - t);
                                new ReadOnlySpan<float>(row + iw, len).CopyTo(new Span<float>(drow + (qq >> 4) * sliver + lane, len));
                                t += len; iw += len;
                            }
                        }
                        for (; t < run; t++, iw += P.StrideW)
                            drow[((q + t) >> 4) * sliver + ((q + t) & 15)] = (uint)iw < (uint)g.W ? row[iw] : 0f;
                    }
                    q += run; p += run;
                }
                for (; q < padded; q++) drow[(q >> 4) * sliver + (q & 15)] = 0f;
            }
        }

        // rows = pixels (k0..k0+kc), columns = column-matrix rows (c, i, j)
        private void PackTransposed(float* img, int k0, int kc, int j0, int nc, float* dst)
        {
            var P = g.P;
            int khw = g.Kh * g.Kw;
            long sliver = (long)kc * Sgemm.NR;
            int padded = (nc + Sgemm.NR - 1) / Sgemm.NR * Sgemm.NR;
            for (int q = 0; q < padded; q++)
            {
                float* dcol = dst + (q >> 4) * sliver + (q & 15);
                if (q >= nc)
                {
                    for (int kk = 0; kk < kc; kk++) dcol[kk * Sgemm.NR] = 0f;
                    continue;
                }
                int k = j0 + q, c = k / khw, r = k - c * khw, i = r / g.Kw, j = r - i * g.Kw;
                float* plane = img + (long)c * g.H * g.W;
                int p = k0, kk2 = 0;
                while (kk2 < kc)
                {
                    int oh = p / g.Wo, ow = p - oh * g.Wo;
                    int run = Math.Min(g.Wo - ow, kc - kk2);
                    int ih = oh * P.StrideH - P.PadH + i * P.DilationH;
                    if ((uint)ih >= (uint)g.H)
                    {
                        for (int t = 0; t < run; t++) dcol[(kk2 + t) * Sgemm.NR] = 0f;
                    }
                    else
                    {
                        float* row = plane + (long)ih * g.W;
                        int iw = ow * P.StrideW - P.PadW + j * P.DilationW;
                        for (int t = 0; t < run; t++, iw += P.StrideW)
                            dcol[(kk2 + t) * Sgemm.NR] = (uint)iw < (uint)g.W ? row[iw] : 0f;
                    }
                    kk2 += run; p += run;
                }
            }
        }
    }

    public void Conv2dBackwardInput(Tensor dy, Tensor w, Tensor dx, Conv2dParams p)
    {
        var g = Geom(dx, w, dy, p);
        int padH = p.DilationH * (g.Kh - 1) - p.PadH, padW = p.DilationW * (g.Kw - 1) - p.PadW;
        if (!g.Direct && p.StrideH == 1 && p.StrideW == 1 && padH >= 0 && padW >= 0)
        {
            // stride 1: dx is a plain convolution of dy with the spatially flipped, channel-transposed weight
            // (W'[g·Cg + c, o, i, j] = W[g·Og + o, c, kh−1−i, kw−1−j], padding d(k−1) − p), so it runs on the fast
            // implicit-GEMM forward instead of GEMM + col2im
            int len = g.O * g.Cg * g.Kh * g.Kw;
            var wf = TensorArena.RentFloat(len);
            try
            {
                var wa = w.CpuArray; int wo = w.Offset, khw = g.Kh * g.Kw;
                for (int grp = 0; grp < g.G; grp++)
                for (int o = 0; o < g.Og; o++)
                for (int c = 0; c < g.Cg; c++)
                {
                    int src = wo + ((grp * g.Og + o) * g.Cg + c) * khw;
                    int dst = ((grp * g.Cg + c) * g.Og + o) * khw;
                    for (int t = 0; t < khw; t++) wf[dst + t] = wa[src + khw - 1 - t];
                }
                var pf = new Conv2dParams(1, 1, padH, padW, p.DilationH, p.DilationW, p.Groups);
                var gf = new ConvGeom(g.N, g.O, g.Ho, g.Wo, g.C, g.Kh, g.Kw, g.H, g.W, g.G, pf);
                ConvForward(gf, dy.CpuArray, dy.Offset, wf, 0, null, 0, dx.CpuArray, dx.Offset);
            }
            finally { TensorArena.Return(wf); }
            return;
        }
        if (!g.Direct) dx.Span.Clear();
        int tasks = g.N * g.G; // tiles of one image/group overlap in dx, so they stay on one thread
        bool outer = SplitOuter(tasks);
        var body = new ConvBwdInputBody(g, dy.CpuArray, dy.Offset, w.CpuArray, w.Offset, dx.CpuArray, dx.Offset, outer ? 1 : 0);
        if (outer) ParallelRange.For(tasks, 1, body); else body.Invoke(0, tasks);
    }

    private readonly record struct ConvBwdInputBody(ConvGeom G, float[] Dy, int Dyo, float[] Wt, int Wo, float[] Dx, int Dxo, int Threads) : IRangeOperation
    {
        public void Invoke(int s, int e)
        {
            var g = G;
            for (int t = s; t < e; t++)
            {
                int grp = t % g.G, n = t / g.G;
                for (int tile = 0; tile < g.Tiles; tile++)
                {
                    int p0 = tile * g.Tile, pc = Math.Min(g.Tile, g.Pix - p0);
                    int dyoff = Dyo + (n * g.O + grp * g.Og) * g.Pix + p0;
                    // dcol[Kc, pc] = W_gᵀ[Kc, Og] · dy[Og, pc]
                    if (g.Direct)
                    {
                        Sgemm.Run(g.Kc, pc, g.Og, Wt, Wo + grp * g.Og * g.Kc, 1, g.Kc, Dy, dyoff, g.Pix, 1,
                            Dx, Dxo + (n * g.C + grp * g.Cg) * g.Pix + p0, g.Pix, false, Threads);
                        continue;
                    }
                    var col = ColBuffer(g.Kc * pc);
                    Sgemm.Run(g.Kc, pc, g.Og, Wt, Wo + grp * g.Og * g.Kc, 1, g.Kc, Dy, dyoff, g.Pix, 1, col, 0, pc, false, Threads);
                    Col2ImParallel(g, col, pc, n, grp, p0, Dx, Dxo, Threads != 1);
                }
            }
        }
    }

    public void Conv2dBackwardWeight(Tensor x, Tensor dy, Tensor dw, Conv2dParams p)
    {
        var g = Geom(x, dw, dy, p);
        dw.Span.Clear();
        int tasks = g.N * g.G;
        int threads = SplitOuter(tasks) ? Math.Min(ParallelRange.MaxThreads, tasks) : 1;
        float[] xa = x.CpuArray, dya = dy.CpuArray, dwa = dw.CpuArray;
        if (threads <= 1)
        {
            // one work item (or one thread): the GEMM itself is threaded, accumulating straight into dw
            new ConvBwdWeightBody(g, xa, x.Offset, dya, dy.Offset, dwa, dw.Offset, 0).Invoke(0, tasks);
            return;
        }
        // each chunk of work items accumulates into its own buffer; the buffers are then added in chunk order,
        // so the result does not depend on which thread finishes first (bit-reproducible for a given thread count)
        int len = dw.Numel;
        var parts = new float[threads][];
        for (int c = 0; c < threads; c++) { parts[c] = TensorArena.RentFloat(len); Array.Clear(parts[c], 0, len); }
        try
        {
            ParallelRange.For(threads, 1, new ConvBwdWeightParts(new ConvBwdWeightBody(g, xa, x.Offset, dya, dy.Offset, dwa, 0, 1), parts, tasks));
            var dst = dw.Span;
            for (int c = 0; c < threads; c++)
                ElementwiseDriver.BinarySpan(new AddOp(), dst, parts[c].AsSpan(0, len), dst);
        }
        finally { foreach (var b in parts) TensorArena.Return(b); }
    }

    /// <summary>Chunks [s, e) of <c>Parts.Length</c>: chunk c runs its share of the work items into its own buffer.</summary>
    private readonly record struct ConvBwdWeightParts(ConvBwdWeightBody Body, float[][] Parts, int Tasks) : IRangeOperation
    {
        public void Invoke(int s, int e)
        {
            int chunks = Parts.Length;
            for (int c = s; c < e; c++)
                (Body with { Acc = Parts[c] }).Invoke((int)((long)Tasks * c / chunks), (int)((long)Tasks * (c + 1) / chunks));
        }
    }

    /// <summary>dW_g[Og, Kc] += dy[Og, Pix] · colᵀ[Pix, Kc] for work items [s, e), colᵀ packed straight from x.</summary>
    private readonly record struct ConvBwdWeightBody(ConvGeom G, float[] X, int Xo, float[] Dy, int Dyo, float[] Acc, int AccOff, int Threads)
    {
        public void Invoke(int s, int e)
        {
            var g = G;
            for (int t = s; t < e; t++)
            {
                int grp = t % g.G, n = t / g.G;
                int dyoff = Dyo + (n * g.O + grp * g.Og) * g.Pix;
                if (g.Direct)
                    Sgemm.Run(g.Og, g.Kc, g.Pix, Dy, dyoff, g.Pix, 1, X, Xo + (n * g.C + grp * g.Cg) * g.Pix, 1, g.Pix,
                        Acc, AccOff + grp * g.Og * g.Kc, g.Kc, true, Threads);
                else
                    Sgemm.RunPacked(g.Og, g.Kc, g.Pix, Dy, dyoff, g.Pix, 1, new Im2ColPack(g, X, Xo, n, grp, true),
                        Acc, AccOff + grp * g.Og * g.Kc, g.Kc, true, Threads);
            }
        }
    }
}
