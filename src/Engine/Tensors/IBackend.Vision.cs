namespace HdrOfx.Engine.Tensors;

/// <summary>How <see cref="Tensor.GridSample"/> treats samples outside the input.</summary>
public enum GridPadding : byte
{
    /// <summary>Out-of-range corners read 0 (PyTorch padding_mode="zeros").</summary>
    Zeros,
    /// <summary>Coordinates are clamped to the border pixels (padding_mode="border"); the clamp has zero gradient.</summary>
    Border,
}

/// <summary>How <see cref="Tensor.Pad2d"/> fills the border (PyTorch F.pad modes).</summary>
public enum PadMode : byte
{
    /// <summary>Constant zero.</summary>
    Zeros,
    /// <summary>Edge value repeated ("replicate").</summary>
    Replicate,
    /// <summary>Mirror without repeating the edge ("reflect"); each pad must be smaller than that dim.</summary>
    Reflect,
}

/// <summary>Padding of the last two dims: left/right on W, top/bottom on H (all ≥ 0).</summary>
public readonly record struct Pad2dParams(int Left, int Right, int Top, int Bottom, PadMode Mode);

/// <summary>Interpolation of <see cref="Tensor.Resize"/>.</summary>
public enum ResizeMode : byte
{
    /// <summary>PyTorch mode="bilinear" (no antialias), align_corners as given.</summary>
    Bilinear,
    /// <summary>PyTorch mode="nearest": src = floor(dst·in/out).</summary>
    Nearest,
}

/// <summary>
/// How a sampling coordinate is formed for the bilinear sampler. A coordinate tensor holds two values per output
/// pixel at element offsets (n·SN + oh·SH + ow·SW) and (+ SC): x first, then y.
/// Grid mode (normalized [-1, 1], PyTorch grid_sample): ix = ((gx + 1)/2)·(W − 1) with align corners, else ((gx + 1)·W − 1)/2.
/// Flow mode (pixels, backward warping): ix = ow + fx, iy = oh + fy.
/// </summary>
public readonly record struct SampleParams(bool Flow, bool AlignCorners, GridPadding Padding);

/// <summary>Kernel, stride and padding of a 2-D pooling window (PyTorch conventions; average pooling counts padded zeros).</summary>
public readonly record struct Pool2dParams(int KernelH, int KernelW, int StrideH, int StrideW, int PadH, int PadW)
{
    public static Pool2dParams Create(int kernel, int stride = -1, int padding = 0) =>
        new(kernel, kernel, stride <= 0 ? kernel : stride, stride <= 0 ? kernel : stride, padding, padding);

    public int OutH(int h) => (h + 2 * PadH - KernelH) / StrideH + 1;
    public int OutW(int w) => (w + 2 * PadW - KernelW) / StrideW + 1;
}

/// <summary>Geometry of a modulated deformable convolution (DCNv2): conv parameters plus deformable groups.</summary>
public readonly record struct DeformConv2dParams(int StrideH, int StrideW, int PadH, int PadW, int DilationH, int DilationW, int DeformGroups)
{
    public static DeformConv2dParams Create(int stride = 1, int padding = 0, int dilation = 1, int deformGroups = 1) =>
        new(stride, stride, padding, padding, dilation, dilation, deformGroups);

    public int OutH(int h, int kh) => (h + 2 * PadH - DilationH * (kh - 1) - 1) / StrideH + 1;
    public int OutW(int w, int kw) => (w + 2 * PadW - DilationW * (kw - 1) - 1) / StrideW + 1;
}

/// <summary>
/// Kernels for the vision ops (normalization, sampling, pooling, resize, deformable conv, correlation).
/// Same contract as the rest of <see cref="IBackend"/>: tensors are validated, contiguous F32 on this device;
/// outputs named d* are overwritten (not accumulated) unless stated.
/// </summary>
public partial interface IBackend
{
    /// <summary>
    /// Group normalization of x [N, C, S] (S = flattened spatial, 1 for channel-last layer norm of [rows, C]):
    /// each (n, g) normalizes its C/G·S contiguous elements; y = (x − μ)·rstd·γ[c] + β[c] (γ, β [C] or null).
    /// mean and rstd [N, G] receive the statistics (biased variance, rstd = 1/√(var + eps)).
    /// </summary>
    void GroupNorm(Tensor x, Tensor? gamma, Tensor? beta, Tensor y, Tensor mean, Tensor rstd, int groups, float eps);

    /// <summary>dx (overwritten), dγ and dβ (overwritten, may be null) of <see cref="GroupNorm"/>.</summary>
    void GroupNormBackward(Tensor x, Tensor? gamma, Tensor mean, Tensor rstd, Tensor dy, Tensor dx, Tensor? dgamma, Tensor? dbeta, int groups);

    /// <summary>Layer norm over channels of x [N, C, S] for each (n, s); mean and rstd [N, S]; γ, β [C] or null.</summary>
    void ChannelNorm(Tensor x, Tensor? gamma, Tensor? beta, Tensor y, Tensor mean, Tensor rstd, float eps);

    void ChannelNormBackward(Tensor x, Tensor? gamma, Tensor mean, Tensor rstd, Tensor dy, Tensor dx, Tensor? dgamma, Tensor? dbeta);

    /// <summary>y [N, C, Ho, Wo] = bilinear samples of x [N, C, H, W] at the coordinates in <paramref name="coords"/> (any strides, see <see cref="SampleParams"/>).</summary>
    void Sample2d(Tensor x, Tensor coords, Tensor y, SampleParams p);

    /// <summary>dx (overwritten, may be null) and dcoords (overwritten, same shape and strides as a contiguous coords, may be null).</summary>
    void Sample2dBackward(Tensor x, Tensor coords, Tensor dy, Tensor? dx, Tensor? dcoords, SampleParams p);

    void AvgPool2d(Tensor x, Tensor y, Pool2dParams p);
    void AvgPool2dBackward(Tensor dy, Tensor dx, Pool2dParams p);
    void MaxPool2d(Tensor x, Tensor y, Pool2dParams p);

    /// <summary>Routes dy to the first maximum of each window (recomputed from x; padded cells never win).</summary>
    void MaxPool2dBackward(Tensor x, Tensor dy, Tensor dx, Pool2dParams p);

    /// <summary>y [P, H + top + bottom, W + left + right] = padded x [P, H, W] (P = all leading dims).</summary>
    void Pad2d(Tensor x, Tensor y, Pad2dParams p);

    /// <summary>dx (overwritten) = the adjoint of <see cref="Pad2d"/>: border gradients fold back onto the cells they copy.</summary>
    void Pad2dBackward(Tensor dy, Tensor dx, Pad2dParams p);

    /// <summary>y [N, C, Ho, Wo] = resize of x [N, C, H, W].</summary>
    void Resize2d(Tensor x, Tensor y, ResizeMode mode, bool alignCorners);
    void Resize2dBackward(Tensor dy, Tensor dx, ResizeMode mode, bool alignCorners);

    /// <summary>
    /// Cost volume y [N, D², H, W], D = 2R+1: y[n, (dy+R)·D + dx+R, i, j] = (1/C)·Σ_c f1[n,c,i,j]·f2[n,c,i+dy,j+dx], zero outside f2.
    /// </summary>
    void Correlation(Tensor f1, Tensor f2, Tensor y, int radius);
    void CorrelationBackward(Tensor f1, Tensor f2, Tensor dy, Tensor? df1, Tensor? df2, int radius);

    /// <summary>
    /// Modulated deformable conv (DCNv2): x [N,C,H,W], offset [N, 2·G·kh·kw, Ho, Wo] as (Δy, Δx) pairs per group and
    /// kernel point, mask [N, G·kh·kw, Ho, Wo], w [O, C, kh, kw], bias [O] or null → y [N, O, Ho, Wo].
    /// </summary>
    void DeformConv2d(Tensor x, Tensor offset, Tensor mask, Tensor w, Tensor? bias, Tensor y, DeformConv2dParams p);

    /// <summary>Gradients of <see cref="DeformConv2d"/> (each overwritten, each may be null); the bias gradient is Σ dy and is left to the caller.</summary>
    void DeformConv2dBackward(Tensor x, Tensor offset, Tensor mask, Tensor w, Tensor dy,
        Tensor? dx, Tensor? doffset, Tensor? dmask, Tensor? dw, DeformConv2dParams p);
}
