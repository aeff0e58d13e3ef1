namespace HdrOfx.Engine.Tensors.Cuda;

/// <summary>
/// conv2d through cuDNN when it is loaded (and <see cref="UseCudnn"/>), else — or when cuDNN refuses a convolution,
/// which then disables it for the backend with the reason in <see cref="ConvolutionPath"/> — per image and group, im2col into a pooled column buffer (skipped for 1×1 stride-1 unpadded
/// kernels, whose column matrix is the image) and one cuBLAS GEMM; the input gradient is a GEMM into columns and a
/// gather col2im; the weight gradient accumulates one GEMM per image. Inputs are contiguous NCHW (the op layer makes
/// them so), weights [O, C/groups, Kh, Kw].
/// </summary>
public sealed unsafe partial class CudaBackend
{
    private readonly record struct Geometry(int N, int C, int H, int W, int O, int Kh, int Kw, int Ho, int Wo, int G, Conv2dParams P)
    {
        public int Cg => C / G;
        public int Og => O / G;
        public int Kc => Cg * Kh * Kw;
        public int Pix => Ho * Wo;
        public bool Direct => Kh == 1 && Kw == 1 && P.StrideH == 1 && P.StrideW == 1 && P.PadH == 0 && P.PadW == 0;

        public HxConv Group => new()
        {
            C = Cg, H = H, W = W, Kh = Kh, Kw = Kw, Ho = Ho, Wo = Wo,
            Sh = P.StrideH, Sw = P.StrideW, Ph = P.PadH, Pw = P.PadW, Dh = P.DilationH, Dw = P.DilationW,
        };
    }

    private static Geometry Geom(Tensor x, Tensor w, Tensor y, Conv2dParams p) =>
        new(x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3], w.Shape[0], w.Shape[2], w.Shape[3], y.Shape[2], y.Shape[3], p.Groups, p);

    private DeviceBlock? ColumnBuffer(in Geometry g) => g.Direct ? null : Pool.Rent((long)g.Kc * g.Pix * 4, Stream);

    /// <summary>Use cuDNN for conv2d when it is loaded (true by default; the parity checks run both paths).</summary>
    public bool UseCudnn { get; set; } = true;

    private string? _cudnnFailure;

    /// <summary>Which convolution path runs, and why when it is not cuDNN.</summary>
    public string ConvolutionPath =>
        !Api.HasCudnn ? "im2col + cuBLAS (cuDNN not loaded)"
        : !UseCudnn ? "im2col + cuBLAS (cuDNN switched off)"
        : _cudnnFailure is null ? "cuDNN" : $"im2col + cuBLAS (cuDNN failed: {_cudnnFailure})";

    /// <summary>Runs one pass through cuDNN; false (and cuDNN off from then on) when it is unavailable or refuses.</summary>
    private bool TryCudnn(ConvPass pass, in Geometry g, nint x, nint w, nint y)
    {
        if (!UseCudnn || !Api.HasCudnn || _cudnnFailure != null) return false;
        var shape = new ConvShape(g.N, g.C, g.H, g.W, g.O, g.Kh, g.Kw, g.Ho, g.Wo, g.P);
        try
        {
            long ws = Api.ConvolutionWorkspace(pass, shape, MatMulPrecision);
            var block = ws > 0 ? Pool.Rent(ws, Stream) : null;
            try { Api.Convolution(pass, shape, MatMulPrecision, x, w, y, block?.Ptr ?? 0, 0f, Stream); }
            finally { if (block != null) Pool.Return(block); }
            return true;
        }
        catch (CudaException e) when (!e.IsOutOfMemory)
        {
            _cudnnFailure = e.Message;
            return false;
        }
    }

    public void Conv2d(Tensor x, Tensor w, Tensor? bias, Tensor y, Conv2dParams p)
    {
        RequireContiguous(x, "Conv2d"); RequireContiguous(w, "Conv2d"); RequireContiguous(y, "Conv2d");
        var g = Geom(x, w, y, p);
        if (y.Numel == 0) return;
        nint px = At(x), pw = At(w), py = At(y);
        if (!TryCudnn(ConvPass.Forward, g, px, pw, py))
            ForwardIm2Col(g, px, pw, py);
        if (bias != null)
        {
            RequireContiguous(bias, "Conv2d");
            int total = y.Numel, channels = g.O, pix = g.Pix;
            nint pb = At(bias);
            void** bargs = stackalloc void*[] { &total, &channels, &pix, &pb, &py };
            Launch("hx_add_channel_bias", Grid(total), bargs);
        }
    }

    private void ForwardIm2Col(in Geometry g, nint px, nint pw, nint py)
    {
        var colBlock = ColumnBuffer(g);
        try
        {
            var geo = g.Group;
            nint src = 0, dst = 0;
            void** args = stackalloc void*[] { &geo, &src, &dst };
            for (int n = 0; n < g.N; n++)
                for (int grp = 0; grp < g.G; grp++)
                {
                    nint xg = px + (nint)(((long)n * g.C + (long)grp * g.Cg) * g.H * g.W * 4);
                    nint col = xg;
                    if (colBlock != null)
                    {
                        col = colBlock.Ptr;
                        src = xg; dst = col;
                        Launch("hx_im2col", Grid(g.Kc * g.Pix), args);
                    }
                    nint wg = pw + (nint)((long)grp * g.Og * g.Kc * 4);
                    nint yg = py + (nint)(((long)n * g.O + (long)grp * g.Og) * g.Pix * 4);
                    // Y[Og × Pix] = W[Og × Kc] · col[Kc × Pix]
                    GemmRowMajor(GemmOp.N, GemmOp.N, g.Og, g.Pix, g.Kc, wg, g.Kc, 0, col, g.Pix, 0, 0f, yg, g.Pix, 0, 1);
                }
        }
        finally { if (colBlock != null) Pool.Return(colBlock); }
    }

    public void Conv2dBackwardInput(Tensor dy, Tensor w, Tensor dx, Conv2dParams p)
    {
        RequireContiguous(dy, "Conv2dBackwardInput"); RequireContiguous(w, "Conv2dBackwardInput"); RequireContiguous(dx, "Conv2dBackwardInput");
        var g = Geom(dx, w, dy, p);
        if (dx.Numel == 0) return;
        if (dy.Numel == 0 || g.Kc == 0) { Fill(dx, 0f); return; }
        nint pg = At(dy), pw = At(w), pd = At(dx);
        if (TryCudnn(ConvPass.BackwardData, g, pd, pw, pg)) return;
        var colBlock = ColumnBuffer(g);
        try
        {
            var geo = g.Group;
            nint src = 0, dst = 0;
            void** args = stackalloc void*[] { &geo, &src, &dst };
            for (int n = 0; n < g.N; n++)
                for (int grp = 0; grp < g.G; grp++)
                {
                    nint dxg = pd + (nint)(((long)n * g.C + (long)grp * g.Cg) * g.H * g.W * 4);
                    nint col = colBlock?.Ptr ?? dxg;
                    nint wg = pw + (nint)((long)grp * g.Og * g.Kc * 4);
                    nint dyg = pg + (nint)(((long)n * g.O + (long)grp * g.Og) * g.Pix * 4);
                    // col[Kc × Pix] = Wᵀ[Kc × Og] · dY[Og × Pix]
                    GemmRowMajor(GemmOp.T, GemmOp.N, g.Kc, g.Pix, g.Og, wg, g.Kc, 0, dyg, g.Pix, 0, 0f, col, g.Pix, 0, 1);
                    if (colBlock != null)
                    {
                        src = col; dst = dxg;
                        Launch("hx_col2im", Grid(g.Cg * g.H * g.W), args);
                    }
                }
        }
        finally { if (colBlock != null) Pool.Return(colBlock); }
    }

    public void Conv2dBackwardWeight(Tensor x, Tensor dy, Tensor dw, Conv2dParams p)
    {
        RequireContiguous(x, "Conv2dBackwardWeight"); RequireContiguous(dy, "Conv2dBackwardWeight"); RequireContiguous(dw, "Conv2dBackwardWeight");
        var g = Geom(x, dw, dy, p);
        if (dw.Numel == 0) return;
        if (g.N == 0 || g.Pix == 0) { Fill(dw, 0f); return; }
        nint px = At(x), pg = At(dy), pd = At(dw);
        if (TryCudnn(ConvPass.BackwardFilter, g, px, pd, pg)) return;
        var colBlock = ColumnBuffer(g);
        try
        {
            var geo = g.Group;
            nint src = 0, dst = 0;
            void** args = stackalloc void*[] { &geo, &src, &dst };
            for (int n = 0; n < g.N; n++)
                for (int grp = 0; grp < g.G; grp++)
                {
                    nint xg = px + (nint)(((long)n * g.C + (long)grp * g.Cg) * g.H * g.W * 4);
                    nint col = xg;
                    if (colBlock != null)
                    {
                        col = colBlock.Ptr;
                        src = xg; dst = col;
                        Launch("hx_im2col", Grid(g.Kc * g.Pix), args);
                    }
                    nint dyg = pg + (nint)(((long)n * g.O + (long)grp * g.Og) * g.Pix * 4);
                    nint dwg = pd + (nint)((long)grp * g.Og * g.Kc * 4);
                    // dW[Og × Kc] (+)= dY[Og × Pix] · colᵀ[Pix × Kc]
                    GemmRowMajor(GemmOp.N, GemmOp.T, g.Og, g.Kc, g.Pix, dyg, g.Pix, 0, col, g.Pix, 0, n == 0 ? 0f : 1f, dwg, g.Kc, 0, 1);
                }
        }
        finally { if (colBlock != null) Pool.Return(colBlock); }
    }
}
