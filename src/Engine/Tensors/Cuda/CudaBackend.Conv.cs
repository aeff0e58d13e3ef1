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
        if (bias != null) AddChannelBias(bias, y);
    }

    /// <summary>y[n, c, ·] += bias[c] over a contiguous [N, C, H, W] output (conv2d and deformable conv).</summary>
    private void AddChannelBias(Tensor bias, Tensor y)
    {
        RequireContiguous(bias, "bias");
        int total = y.Numel, channels = y.Shape[1], pix = y.Shape[2] * y.Shape[3];
        nint pb = At(bias), py = At(y);
        void** args = stackalloc void*[] { &total, &channels, &pix, &pb, &py };
        Launch("hx_add_channel_bias", Grid(total), args);
    }

    private static nint InputPlane(in Geometry g, nint x, int n, int grp) => x + (nint)(((long)n * g.C + (long)grp * g.Cg) * g.H * g.W * 4);
    private static nint OutputPlane(in Geometry g, nint y, int n, int grp) => y + (nint)(((long)n * g.O + (long)grp * g.Og) * g.Pix * 4);
    private static nint WeightGroup(in Geometry g, nint w, int grp) => w + (nint)((long)grp * g.Og * g.Kc * 4);

    /// <summary>The column matrix [Kc × Pix] of one image and group: im2col into <paramref name="cols"/>, or the plane itself for a direct (1×1) conv.</summary>
    private nint Columns(in Geometry g, DeviceBlock? cols, nint plane)
    {
        if (cols is null) return plane;
        var geo = g.Group;
        nint src = plane, dst = cols.Ptr;
        void** args = stackalloc void*[] { &geo, &src, &dst };
        Launch("hx_im2col", Grid(g.Kc * g.Pix), args);
        return dst;
    }

    private void ForwardIm2Col(in Geometry g, nint px, nint pw, nint py)
    {
        var cols = ColumnBuffer(g);
        try
        {
            for (int n = 0; n < g.N; n++)
                for (int grp = 0; grp < g.G; grp++)
                {
                    nint col = Columns(g, cols, InputPlane(g, px, n, grp));
                    // Y[Og × Pix] = W[Og × Kc] · col[Kc × Pix]
                    GemmRowMajor(GemmOp.N, GemmOp.N, g.Og, g.Pix, g.Kc, WeightGroup(g, pw, grp), g.Kc, 0, col, g.Pix, 0, 0f, OutputPlane(g, py, n, grp), g.Pix, 0, 1);
                }
        }
        finally { if (cols != null) Pool.Return(cols); }
    }

    public void Conv2dBackwardInput(Tensor dy, Tensor w, Tensor dx, Conv2dParams p)
    {
        RequireContiguous(dy, "Conv2dBackwardInput"); RequireContiguous(w, "Conv2dBackwardInput"); RequireContiguous(dx, "Conv2dBackwardInput");
        var g = Geom(dx, w, dy, p);
        if (dx.Numel == 0) return;
        if (dy.Numel == 0 || g.Kc == 0) { Fill(dx, 0f); return; }
        nint pg = At(dy), pw = At(w), pd = At(dx);
        if (TryCudnn(ConvPass.BackwardData, g, pd, pw, pg)) return;
        var cols = ColumnBuffer(g);
        try
        {
            var geo = g.Group;
            nint src = 0, dst = 0;
            void** args = stackalloc void*[] { &geo, &src, &dst };
            for (int n = 0; n < g.N; n++)
                for (int grp = 0; grp < g.G; grp++)
                {
                    nint dxg = InputPlane(g, pd, n, grp);
                    nint col = cols?.Ptr ?? dxg;
                    // col[Kc × Pix] = Wᵀ[Kc × Og] · dY[Og × Pix]
                    GemmRowMajor(GemmOp.T, GemmOp.N, g.Kc, g.Pix, g.Og, WeightGroup(g, pw, grp), g.Kc, 0, OutputPlane(g, pg, n, grp), g.Pix, 0, 0f, col, g.Pix, 0, 1);
                    if (cols != null)
                    {
                        src = col; dst = dxg;
                        Launch("hx_col2im", Grid(g.Cg * g.H * g.W), args);
                    }
                }
        }
        finally { if (cols != null) Pool.Return(cols); }
    }

    public void Conv2dBackwardWeight(Tensor x, Tensor dy, Tensor dw, Conv2dParams p)
    {
        RequireContiguous(x, "Conv2dBackwardWeight"); RequireContiguous(dy, "Conv2dBackwardWeight"); RequireContiguous(dw, "Conv2dBackwardWeight");
        var g = Geom(x, dw, dy, p);
        if (dw.Numel == 0) return;
        if (g.N == 0 || g.Pix == 0) { Fill(dw, 0f); return; }
        nint px = At(x), pg = At(dy), pd = At(dw);
        if (TryCudnn(ConvPass.BackwardFilter, g, px, pd, pg)) return;
        var cols = ColumnBuffer(g);
        try
        {
            for (int n = 0; n < g.N; n++)
                for (int grp = 0; grp < g.G; grp++)
                {
                    nint col = Columns(g, cols, InputPlane(g, px, n, grp));
                    // dW[Og × Kc] (+)= dY[Og × Pix] · colᵀ[Pix × Kc]
                    GemmRowMajor(GemmOp.N, GemmOp.T, g.Og, g.Kc, g.Pix, OutputPlane(g, pg, n, grp), g.Pix, 0, col, g.Pix, 0, n == 0 ? 0f : 1f,
                        WeightGroup(g, pd, grp), g.Kc, 0, 1);
                }
        }
        finally { if (cols != null) Pool.Return(cols); }
    }
}
