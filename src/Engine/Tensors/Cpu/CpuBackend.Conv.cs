namespace HdrOfx.Engine.Tensors.Cpu;

/// <summary>
/// conv2d as im2col + <see cref="Sgemm"/>, tiled over output pixels so the column buffer stays about
/// 1 MiB (L2-sized) instead of K×H×W. A 1×1, stride-1, unpadded conv skips im2col (the input already is
/// the column matrix). Work items are (image, group, pixel tile).
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

    private static ConvGeom Geom(Tensor x, Tensor w, Tensor y, Conv2dParams p) =>
        new(x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3], w.Shape[0], w.Shape[2], w.Shape[3], y.Shape[2], y.Shape[3], p.Groups, p);

    private static float[] ColBuffer(int n)
    {
        var c = _col;
        if (c == null || c.Length < n) _col = c = GC.AllocateUninitializedArray<float>(Math.Max(n, 1 << 16));
        return c;
    }

    /// <summary>col[k, t] = x[n, g·Cg + c, oh·sh − ph + i·dh, ow·sw − pw + j·dw] for pixels p0..p0+pc, k = (c·Kh + i)·Kw + j.</summary>
    private static void Im2Col(in ConvGeom g, float[] x, int xOff, int n, int grp, int p0, int pc, float[] col)
    {
        var P = g.P;
        int baseC = xOff + (n * g.C + grp * g.Cg) * g.H * g.W;
        int k = 0;
        for (int c = 0; c < g.Cg; c++)
        for (int i = 0; i < g.Kh; i++)
        for (int j = 0; j < g.Kw; j++, k++)
        {
            int dst = k * pc;
            int plane = baseC + c * g.H * g.W;
            int p = p0, end = p0 + pc;
            while (p < end)
            {
                int oh = p / g.Wo, ow = p - oh * g.Wo;
                int run = Math.Min(g.Wo - ow, end - p);
                int ih = oh * P.StrideH - P.PadH + i * P.DilationH;
                if ((uint)ih >= (uint)g.H)
                {
                    Array.Clear(col, dst, run);
                }
                else
                {
                    int row = plane + ih * g.W;
                    int iw = ow * P.StrideW - P.PadW + j * P.DilationW;
                    if (P.StrideW == 1 && iw >= 0 && iw + run <= g.W)
                        Array.Copy(x, row + iw, col, dst, run);
                    else
                        for (int t = 0; t < run; t++, iw += P.StrideW)
                            col[dst + t] = (uint)iw < (uint)g.W ? x[row + iw] : 0f;
                }
                dst += run; p += run;
            }
        }
    }

    /// <summary>The adjoint of <see cref="Im2Col"/>: dx[...] += col[k, t].</summary>
    private static void Col2Im(in ConvGeom g, float[] col, int pc, int n, int grp, int p0, float[] dx, int dxOff)
    {
        var P = g.P;
        int baseC = dxOff + (n * g.C + grp * g.Cg) * g.H * g.W;
        int k = 0;
        for (int c = 0; c < g.Cg; c++)
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

    public void Conv2d(Tensor x, Tensor w, Tensor? bias, Tensor y, Conv2dParams p)
    {
        var g = Geom(x, w, y, p);
        int tasks = g.N * g.G * g.Tiles;
        bool outer = tasks >= CpuParallel.MaxThreads;
        var body = new ConvFwdBody(g, x.CpuArray, x.Offset, w.CpuArray, w.Offset, bias?.CpuArray, bias?.Offset ?? 0, y.CpuArray, y.Offset, outer ? 1 : 0);
        if (outer) CpuParallel.For(tasks, 1, body); else body.Run(0, tasks);
    }

    private readonly record struct ConvFwdBody(ConvGeom G, float[] X, int Xo, float[] Wt, int Wo, float[]? B, int Bo, float[] Y, int Yo, int Threads) : IRangeBody
    {
        public void Run(int s, int e)
        {
            var g = G;
            for (int t = s; t < e; t++)
            {
                int tile = t % g.Tiles, ng = t / g.Tiles, grp = ng % g.G, n = ng / g.G;
                int p0 = tile * g.Tile, pc = Math.Min(g.Tile, g.Pix - p0);
                int yoff = Yo + (n * g.O + grp * g.Og) * g.Pix + p0;
                if (B != null)
                    for (int o = 0; o < g.Og; o++) Y.AsSpan(yoff + o * g.Pix, pc).Fill(B[Bo + grp * g.Og + o]);
                float[] bArr; int bOff, rsB;
                if (g.Direct) { bArr = X; bOff = Xo + (n * g.C + grp * g.Cg) * g.Pix + p0; rsB = g.Pix; }
                else { bArr = ColBuffer(g.Kc * pc); Im2Col(g, X, Xo, n, grp, p0, pc, bArr); bOff = 0; rsB = pc; }
                Sgemm.Run(g.Og, pc, g.Kc, Wt, Wo + grp * g.Og * g.Kc, g.Kc, 1, bArr, bOff, rsB, 1, Y, yoff, g.Pix, B != null, Threads);
            }
        }
    }

    public void Conv2dBackwardInput(Tensor dy, Tensor w, Tensor dx, Conv2dParams p)
    {
        var g = Geom(dx, w, dy, p);
        if (!g.Direct) dx.Span.Clear();
        int tasks = g.N * g.G; // tiles of one image/group overlap in dx, so they stay on one thread
        bool outer = tasks >= CpuParallel.MaxThreads;
        var body = new ConvBwdInputBody(g, dy.CpuArray, dy.Offset, w.CpuArray, w.Offset, dx.CpuArray, dx.Offset, outer ? 1 : 0);
        if (outer) CpuParallel.For(tasks, 1, body); else body.Run(0, tasks);
    }

    private readonly record struct ConvBwdInputBody(ConvGeom G, float[] Dy, int Dyo, float[] Wt, int Wo, float[] Dx, int Dxo, int Threads) : IRangeBody
    {
        public void Run(int s, int e)
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
                    Col2Im(g, col, pc, n, grp, p0, Dx, Dxo);
                }
            }
        }
    }

    public void Conv2dBackwardWeight(Tensor x, Tensor dy, Tensor dw, Conv2dParams p)
    {
        var g = Geom(x, dw, dy, p);
        dw.Span.Clear();
        int tasks = g.N * g.G * g.Tiles;
        int threads = Math.Min(CpuParallel.MaxThreads, tasks);
        var body = new ConvBwdWeightBody(g, x.CpuArray, x.Offset, dy.CpuArray, dy.Offset, dw.CpuArray, dw.Offset, dw.Numel, threads > 1 ? 1 : 0);
        if (threads > 1) CpuParallel.For(tasks, 1, body); else body.Run(0, tasks);
    }

    private readonly record struct ConvBwdWeightBody(ConvGeom G, float[] X, int Xo, float[] Dy, int Dyo, float[] Dw, int Dwo, int DwLen, int Threads) : IRangeBody
    {
        public void Run(int s, int e)
        {
            var g = G;
            // each thread accumulates into its own buffer, then adds it to dw under a lock
            float[] acc = Threads == 0 ? Dw : TensorArena.RentFloat(DwLen);
            int accOff = Threads == 0 ? Dwo : 0;
            if (Threads != 0) Array.Clear(acc, 0, DwLen);
            for (int t = s; t < e; t++)
            {
                int tile = t % g.Tiles, ng = t / g.Tiles, grp = ng % g.G, n = ng / g.G;
                int p0 = tile * g.Tile, pc = Math.Min(g.Tile, g.Pix - p0);
                int dyoff = Dyo + (n * g.O + grp * g.Og) * g.Pix + p0;
                float[] bArr; int bOff, csB;
                if (g.Direct) { bArr = X; bOff = Xo + (n * g.C + grp * g.Cg) * g.Pix + p0; csB = g.Pix; }
                else { bArr = ColBuffer(g.Kc * pc); Im2Col(g, X, Xo, n, grp, p0, pc, bArr); bOff = 0; csB = pc; }
                // dW_g[Og, Kc] += dy[Og, pc] · colᵀ[pc, Kc]
                Sgemm.Run(g.Og, g.Kc, pc, Dy, dyoff, g.Pix, 1, bArr, bOff, 1, csB, acc, accOff + grp * g.Og * g.Kc, g.Kc, true, Threads);
            }
            if (Threads != 0)
            {
                lock (Dw)
                    ElementwiseDriver.BinarySpan(new AddOp(), Dw.AsSpan(Dwo, DwLen), acc.AsSpan(0, DwLen), Dw.AsSpan(Dwo, DwLen));
                TensorArena.Return(acc);
            }
        }
    }
}
