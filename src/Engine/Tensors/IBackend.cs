namespace HdrOfx.Engine.Tensors;

/// <summary>Elementwise unary kernels. <c>alpha</c> is the op's scalar parameter where it has one.</summary>
public enum UnaryOp : byte
{
    Identity, Neg, Abs, Square, Sqrt, Exp, Log, Reciprocal,
    Relu, LeakyRelu /* alpha = negative slope */, Gelu /* tanh approximation */, Silu, Sigmoid, Tanh,
    AddScalar /* x + alpha */, MulScalar /* x * alpha */, PowScalar /* x ^ alpha */, RSubScalar /* alpha - x */,
    Charbonnier /* sqrt(x^2 + alpha), alpha = eps^2 */,
    ClampMin /* max(x, alpha) */, ClampMax /* min(x, alpha) */,
    Softplus /* log(1 + e^x) */,
}

/// <summary>Elementwise binary kernels (operands already broadcast to the output shape).</summary>
public enum BinaryOp : byte { Add, Sub, Mul, Div, Max, Min }

/// <summary>Geometry of a 2-D convolution (PyTorch conventions).</summary>
public readonly record struct Conv2dParams(int StrideH, int StrideW, int PadH, int PadW, int DilationH, int DilationW, int Groups)
{
    public static Conv2dParams Create(int stride = 1, int padding = 0, int dilation = 1, int groups = 1) =>
        new(stride, stride, padding, padding, dilation, dilation, groups);

    public int OutH(int h, int kh) => (h + 2 * PadH - DilationH * (kh - 1) - 1) / StrideH + 1;
    public int OutW(int w, int kw) => (w + 2 * PadW - DilationW * (kw - 1) - 1) / StrideW + 1;
}

/// <summary>
/// Everything device-specific. <see cref="Tensor"/> validates arguments, computes shapes and records autograd;
/// the backend only runs kernels on already-validated tensors of its own device. Shapes and strides are read
/// from the tensors; any tensor argument named <c>y</c>/<c>dx</c>/... is an output and is contiguous F32
/// unless stated. A CUDA backend implements the same interface (DESIGN §6).
/// </summary>
public partial interface IBackend
{
    Device Device { get; }

    /// <summary>A new storage of <paramref name="length"/> elements, zeroed when asked.</summary>
    Storage Allocate(int length, DType dtype, bool zero);

    /// <summary>dst[i] = src[i] for all indices; any strides on both sides (dst must not overlap itself); converts dtypes.</summary>
    void Copy(Tensor src, Tensor dst);

    void Fill(Tensor dst, float value);

    /// <summary>Host → device: copies row-major F32 values into contiguous F32 <paramref name="dst"/> of this backend.</summary>
    void CopyFromHost(ReadOnlySpan<float> src, Tensor dst);

    /// <summary>Device → host: copies contiguous F32 <paramref name="src"/> of this backend into <paramref name="dst"/>.</summary>
    void CopyToHost(Tensor src, Span<float> dst);

    /// <summary>y = op(x). x and y contiguous with equal element counts (may be the same tensor).</summary>
    void Unary(UnaryOp op, Tensor x, Tensor y, float alpha);

    /// <summary>dx = dy * op'(x) (y = op(x) is passed for ops whose derivative is cheaper from y). All contiguous.</summary>
    void UnaryBackward(UnaryOp op, Tensor x, Tensor y, Tensor dy, Tensor dx, float alpha);

    /// <summary>y = a op b; a and b are views with y's shape (broadcast dims have stride 0). y contiguous.</summary>
    void Binary(BinaryOp op, Tensor a, Tensor b, Tensor y);

    /// <summary>y = sum of x over the dims where y has size 1 and x does not (same rank). Accumulates in float64.</summary>
    void SumTo(Tensor x, Tensor y);

    /// <summary>Softmax of contiguous x along <paramref name="dim"/> into y.</summary>
    void Softmax(Tensor x, Tensor y, int dim);

    /// <summary>dx = y * (dy - sum(dy * y, dim)).</summary>
    void SoftmaxBackward(Tensor y, Tensor dy, Tensor dx, int dim);

    /// <summary>
    /// c[b] (+)= a[b] · b[b] for every batch index. a: [..., M, K], b: [..., K, N] with identical batch dims
    /// (stride 0 where broadcast) and arbitrary strides (transposes are free); c: contiguous [..., M, N].
    /// </summary>
    void MatMul(Tensor a, Tensor b, Tensor c, bool accumulate);

    /// <summary>y = conv2d(x, w) + bias. x [N,C,H,W], w [O,C/g,kh,kw], bias [O] or null, y [N,O,Ho,Wo]; all contiguous.</summary>
    void Conv2d(Tensor x, Tensor w, Tensor? bias, Tensor y, Conv2dParams p);

    /// <summary>dx = conv2d input gradient (overwrites dx).</summary>
    void Conv2dBackwardInput(Tensor dy, Tensor w, Tensor dx, Conv2dParams p);

    /// <summary>dw = conv2d weight gradient (overwrites dw).</summary>
    void Conv2dBackwardWeight(Tensor x, Tensor dy, Tensor dw, Conv2dParams p);
}
