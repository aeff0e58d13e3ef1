using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace HdrOfx.Engine.Tensors.Cpu;

/// <summary>The CPU backend: Vector256/FMA kernels with scalar fallbacks, multithreaded, arena memory.</summary>
public sealed partial class CpuBackend : IBackend
{
    public Device Device => Device.Cpu;

    public Storage Allocate(int length, DType dtype, bool zero) => new CpuStorage(length, dtype, zero);

    // ------------------------------------------------------------------ copy / fill

    public void Copy(Tensor src, Tensor dst)
    {
        if (!src.Shape.AsSpan().SequenceEqual(dst.Shape))
            throw new ArgumentException($"copy shape mismatch {Tensor.ShapeString(src.Shape)} -> {Tensor.ShapeString(dst.Shape)}");
        src.ThrowIfDisposed(); dst.ThrowIfDisposed();
        var L = new StridedLayout(dst.Shape, (src.Strides, src.Offset), (dst.Strides, dst.Offset));
        if (L.Rows == 0) return;
        int n = L.Inner, ss = L.InnerStride(0), ds = L.InnerStride(1);
        var s = (CpuStorage)src.Storage; var d = (CpuStorage)dst.Storage;
        if (src.DType == DType.F32 && dst.DType == DType.F32)
        {
            float[] sa = s.F32, da = d.F32;
            if (ReferenceEquals(sa, da)) { new CopyRowsBody(L, sa, da).Invoke(0, L.Rows); return; } // may overlap: in order, one thread
            if (L.Rows == 1 && ss == 1 && ds == 1)
            {
                ParallelRange.For(n, CopyGrain, new CopySpanBody(sa, L.RowOffset(0, 0), da, L.RowOffset(1, 0)));
                return;
            }
            if (ss != 1 && ds == 1 && L.Shape.Length >= 2 && L.Strides[0][^2] == 1 && n >= TransposeTile && L.Shape[^2] >= TransposeTile)
            {
                var body = new TransposeCopyBody(L, sa, da);
                ParallelRange.For(body.Tasks, 1, body);
                return;
            }
            ParallelRange.For(L.Rows, Math.Max(1, CopyGrain / Math.Max(n, 1)), new CopyRowsBody(L, sa, da));
            return;
        }
        for (int r = 0; r < L.Rows; r++)
        {
            int so = L.RowOffset(0, r), dof = L.RowOffset(1, r);
            for (int i = 0; i < n; i++)
            {
                float v = src.DType switch
                {
                    DType.F32 => s.F32[so + i * ss],
                    DType.F16 => (float)BitConverter.UInt16BitsToHalf(s.Bits16[so + i * ss]),
                    _ => BitConverter.Int32BitsToSingle(s.Bits16[so + i * ss] << 16),
                };
                switch (dst.DType)
                {
                    case DType.F32: d.F32[dof + i * ds] = v; break;
                    case DType.F16: d.Bits16[dof + i * ds] = BitConverter.HalfToUInt16Bits((Half)v); break;
                    default: d.Bits16[dof + i * ds] = FloatToBf16(v); break;
                }
            }
        }
    }

    /// <summary>Elements below which a copy stays on one thread.</summary>
    private const int CopyGrain = 1 << 16;

    private readonly struct CopySpanBody(float[] src, int so, float[] dst, int dof) : IRangeOperation
    {
        public void Invoke(int s, int e) => src.AsSpan(so + s, e - s).CopyTo(dst.AsSpan(dof + s, e - s));
    }

    private const int TransposeTile = 16;

    /// <summary>
    /// A copy whose last two (coalesced) dims are swapped between source and destination (NCHW ↔ NHWC and the like):
    /// the destination is contiguous along the last dim, the source along the one before. Done in tiles of 16×16 so
    /// both sides stay in cache lines instead of striding through the source once per element.
    /// </summary>
    private readonly struct TransposeCopyBody : IRangeOperation
    {
        private readonly StridedLayout _l;
        private readonly float[] _sa, _da;
        private readonly int _m, _n, _mTiles, _sn, _dm;

        public TransposeCopyBody(StridedLayout l, float[] sa, float[] da)
        {
            (_l, _sa, _da) = (l, sa, da);
            (_m, _n) = (l.Shape[^2], l.Inner);
            _mTiles = (_m + TransposeTile - 1) / TransposeTile;
            (_sn, _dm) = (l.InnerStride(0), l.Strides[1][^2]);
        }

        /// <summary>One task per tile row of each outer index.</summary>
        public int Tasks => _l.Rows / _m * _mTiles;

        public void Invoke(int s, int e)
        {
            for (int task = s; task < e; task++)
            {
                int outer = task / _mTiles, i0 = task % _mTiles * TransposeTile, i1 = Math.Min(i0 + TransposeTile, _m);
                int sb = _l.RowOffset(0, outer * _m), db = _l.RowOffset(1, outer * _m);
                for (int j0 = 0; j0 < _n; j0 += TransposeTile)
                {
                    int j1 = Math.Min(j0 + TransposeTile, _n);
                    for (int i = i0; i < i1; i++)
                    {
                        int so = sb + i, dof = db + i * _dm;
                        for (int j = j0; j < j1; j++) _da[dof + j] = _sa[so + j * _sn];
                    }
                }
            }
        }
    }

    private readonly struct CopyRowsBody(StridedLayout L, float[] sa, float[] da) : IRangeOperation
    {
        public void Invoke(int s, int e)
        {
            int n = L.Inner, ss = L.InnerStride(0), ds = L.InnerStride(1);
            int outer = L.Shape.Length - 1;
            int[] shape = L.Shape, st0 = L.Strides[0], st1 = L.Strides[1];
            // The row's index over the outer dims, advanced like an odometer (no division per row: rows can be 2 long).
            Span<int> idx = stackalloc int[Math.Max(outer, 1)];
            for (int i = outer - 1, r = s; i >= 0; i--) { idx[i] = r % shape[i]; r /= shape[i]; }
            int so = L.RowOffset(0, s), dof = L.RowOffset(1, s);
            for (int r = s; r < e; r++)
            {
                if (ss == 1 && ds == 1) sa.AsSpan(so, n).CopyTo(da.AsSpan(dof, n));
                else if (ss == 0 && ds == 1) da.AsSpan(dof, n).Fill(sa[so]); // broadcast row
                else for (int i = 0; i < n; i++) da[dof + i * ds] = sa[so + i * ss];
                for (int i = outer - 1; i >= 0; i--)
                {
                    so += st0[i]; dof += st1[i];
                    if (++idx[i] < shape[i]) break;
                    so -= st0[i] * shape[i]; dof -= st1[i] * shape[i];
                    idx[i] = 0;
                }
            }
        }
    }

    /// <summary>float32 → bfloat16 with round-to-nearest-even; NaN stays NaN.</summary>
    public static ushort FloatToBf16(float v)
    {
        uint bits = BitConverter.SingleToUInt32Bits(v);
        if ((bits & 0x7FFFFFFF) > 0x7F800000) return (ushort)((bits >> 16) | 0x40);
        uint rounding = 0x7FFF + ((bits >> 16) & 1);
        return (ushort)((bits + rounding) >> 16);
    }

    public void CopyFromHost(ReadOnlySpan<float> src, Tensor dst) => src.CopyTo(dst.Span);

    public void CopyToHost(Tensor src, Span<float> dst) => src.Span.CopyTo(dst);

    public void Fill(Tensor dst, float value)
    {
        dst.ThrowIfDisposed();
        if (dst.DType != DType.F32) throw new NotSupportedException($"Fill on {dst.DType}");
        if (dst.IsContiguous) { dst.Span.Fill(value); return; }
        var L = new StridedLayout(dst.Shape, (dst.Strides, dst.Offset));
        var a = dst.CpuArray;
        int st = L.InnerStride(0);
        for (int r = 0; r < L.Rows; r++)
        {
            int o = L.RowOffset(0, r);
            for (int i = 0; i < L.Inner; i++) a[o + i * st] = value;
        }
    }

    // ------------------------------------------------------------------ elementwise

    public void Unary(UnaryOp op, Tensor x, Tensor y, float alpha)
    {
        float[] xa = x.CpuArray, ya = y.CpuArray;
        int xo = x.Offset, yo = y.Offset, n = x.Numel;
        switch (op)
        {
            case UnaryOp.Identity: ElementwiseDriver.Unary(new IdentityOp(), xa, xo, ya, yo, n); break;
            case UnaryOp.Neg: ElementwiseDriver.Unary(new NegOp(), xa, xo, ya, yo, n); break;
            case UnaryOp.Abs: ElementwiseDriver.Unary(new AbsOp(), xa, xo, ya, yo, n); break;
            case UnaryOp.Square: ElementwiseDriver.Unary(new SquareOp(), xa, xo, ya, yo, n); break;
            case UnaryOp.Sqrt: ElementwiseDriver.Unary(new SqrtOp(), xa, xo, ya, yo, n); break;
            case UnaryOp.Exp: ElementwiseDriver.Unary(new ExpOp(), xa, xo, ya, yo, n); break;
            case UnaryOp.Log: ElementwiseDriver.Unary(new LogOp(), xa, xo, ya, yo, n); break;
            case UnaryOp.Reciprocal: ElementwiseDriver.Unary(new ReciprocalOp(), xa, xo, ya, yo, n); break;
            case UnaryOp.Relu: ElementwiseDriver.Unary(new ReluOp(), xa, xo, ya, yo, n); break;
            case UnaryOp.LeakyRelu: ElementwiseDriver.Unary(new LeakyReluOp(alpha), xa, xo, ya, yo, n); break;
            case UnaryOp.Gelu: ElementwiseDriver.Unary(new GeluOp(), xa, xo, ya, yo, n); break;
            case UnaryOp.Silu: ElementwiseDriver.Unary(new SiluOp(), xa, xo, ya, yo, n); break;
            case UnaryOp.Sigmoid: ElementwiseDriver.Unary(new SigmoidOp(), xa, xo, ya, yo, n); break;
            case UnaryOp.Tanh: ElementwiseDriver.Unary(new TanhOp(), xa, xo, ya, yo, n); break;
            case UnaryOp.AddScalar: ElementwiseDriver.Unary(new AddScalarOp(alpha), xa, xo, ya, yo, n); break;
            case UnaryOp.MulScalar: ElementwiseDriver.Unary(new MulScalarOp(alpha), xa, xo, ya, yo, n); break;
            case UnaryOp.RSubScalar: ElementwiseDriver.Unary(new RSubScalarOp(alpha), xa, xo, ya, yo, n); break;
            case UnaryOp.PowScalar: ElementwiseDriver.Unary(new PowScalarOp(alpha), xa, xo, ya, yo, n); break;
            case UnaryOp.Charbonnier: ElementwiseDriver.Unary(new CharbonnierOp(alpha), xa, xo, ya, yo, n); break;
            case UnaryOp.ClampMin: ElementwiseDriver.Unary(new ClampMinOp(alpha), xa, xo, ya, yo, n); break;
            case UnaryOp.ClampMax: ElementwiseDriver.Unary(new ClampMaxOp(alpha), xa, xo, ya, yo, n); break;
            case UnaryOp.Softplus: ElementwiseDriver.Unary(new SoftplusOp(), xa, xo, ya, yo, n); break;
            default: throw new NotSupportedException($"unary op {op}");
        }
    }

    public void UnaryBackward(UnaryOp op, Tensor x, Tensor y, Tensor dy, Tensor dx, float alpha)
    {
        float[] xa = x.CpuArray, ya = y.CpuArray, ga = dy.CpuArray, da = dx.CpuArray;
        int xo = x.Offset, yo = y.Offset, go = dy.Offset, dof = dx.Offset, n = x.Numel;
        switch (op)
        {
            case UnaryOp.Neg: ElementwiseDriver.UnaryGrad(new NegOp(), xa, xo, ya, yo, ga, go, da, dof, n); break;
            case UnaryOp.Abs: ElementwiseDriver.UnaryGrad(new AbsOp(), xa, xo, ya, yo, ga, go, da, dof, n); break;
            case UnaryOp.Square: ElementwiseDriver.UnaryGrad(new SquareOp(), xa, xo, ya, yo, ga, go, da, dof, n); break;
            case UnaryOp.Sqrt: ElementwiseDriver.UnaryGrad(new SqrtOp(), xa, xo, ya, yo, ga, go, da, dof, n); break;
            case UnaryOp.Exp: ElementwiseDriver.UnaryGrad(new ExpOp(), xa, xo, ya, yo, ga, go, da, dof, n); break;
            case UnaryOp.Log: ElementwiseDriver.UnaryGrad(new LogOp(), xa, xo, ya, yo, ga, go, da, dof, n); break;
            case UnaryOp.Reciprocal: ElementwiseDriver.UnaryGrad(new ReciprocalOp(), xa, xo, ya, yo, ga, go, da, dof, n); break;
            case UnaryOp.Relu: ElementwiseDriver.UnaryGrad(new ReluOp(), xa, xo, ya, yo, ga, go, da, dof, n); break;
            case UnaryOp.LeakyRelu: ElementwiseDriver.UnaryGrad(new LeakyReluOp(alpha), xa, xo, ya, yo, ga, go, da, dof, n); break;
            case UnaryOp.Gelu: ElementwiseDriver.UnaryGrad(new GeluOp(), xa, xo, ya, yo, ga, go, da, dof, n); break;
            case UnaryOp.Silu: ElementwiseDriver.UnaryGrad(new SiluOp(), xa, xo, ya, yo, ga, go, da, dof, n); break;
            case UnaryOp.Sigmoid: ElementwiseDriver.UnaryGrad(new SigmoidOp(), xa, xo, ya, yo, ga, go, da, dof, n); break;
            case UnaryOp.Tanh: ElementwiseDriver.UnaryGrad(new TanhOp(), xa, xo, ya, yo, ga, go, da, dof, n); break;
            case UnaryOp.AddScalar: ElementwiseDriver.UnaryGrad(new AddScalarOp(alpha), xa, xo, ya, yo, ga, go, da, dof, n); break;
            case UnaryOp.MulScalar: ElementwiseDriver.UnaryGrad(new MulScalarOp(alpha), xa, xo, ya, yo, ga, go, da, dof, n); break;
            case UnaryOp.RSubScalar: ElementwiseDriver.UnaryGrad(new RSubScalarOp(alpha), xa, xo, ya, yo, ga, go, da, dof, n); break;
            case UnaryOp.PowScalar: ElementwiseDriver.UnaryGrad(new PowScalarOp(alpha), xa, xo, ya, yo, ga, go, da, dof, n); break;
            case UnaryOp.Charbonnier: ElementwiseDriver.UnaryGrad(new CharbonnierOp(alpha), xa, xo, ya, yo, ga, go, da, dof, n); break;
            case UnaryOp.ClampMin: ElementwiseDriver.UnaryGrad(new ClampMinOp(alpha), xa, xo, ya, yo, ga, go, da, dof, n); break;
            case UnaryOp.ClampMax: ElementwiseDriver.UnaryGrad(new ClampMaxOp(alpha), xa, xo, ya, yo, ga, go, da, dof, n); break;
            case UnaryOp.Softplus: ElementwiseDriver.UnaryGrad(new SoftplusOp(), xa, xo, ya, yo, ga, go, da, dof, n); break;
            default: throw new NotSupportedException($"unary backward {op}");
        }
    }

    public void Binary(BinaryOp op, Tensor a, Tensor b, Tensor y)
    {
        switch (op)
        {
            case BinaryOp.Add: ElementwiseDriver.Binary(new AddOp(), a, b, y); break;
            case BinaryOp.Sub: ElementwiseDriver.Binary(new SubOp(), a, b, y); break;
            case BinaryOp.Mul: ElementwiseDriver.Binary(new MulOp(), a, b, y); break;
            case BinaryOp.Div: ElementwiseDriver.Binary(new DivOp(), a, b, y); break;
            case BinaryOp.Max: ElementwiseDriver.Binary(new MaxOp(), a, b, y); break;
            case BinaryOp.Min: ElementwiseDriver.Binary(new MinOp(), a, b, y); break;
            default: throw new NotSupportedException($"binary op {op}");
        }
    }

    // ------------------------------------------------------------------ reductions

    public void SumTo(Tensor x, Tensor y)
    {
        if (x.Rank != y.Rank) throw new ArgumentException($"SumTo needs equal ranks, got {Tensor.ShapeString(x.Shape)} and {Tensor.ShapeString(y.Shape)}");
        var ys = new int[y.Rank];
        for (int i = 0; i < y.Rank; i++)
        {
            if (y.Shape[i] != x.Shape[i] && y.Shape[i] != 1) throw new ArgumentException($"cannot sum {Tensor.ShapeString(x.Shape)} to {Tensor.ShapeString(y.Shape)}");
            ys[i] = y.Shape[i] == 1 ? 0 : y.Strides[i];
        }
        int ny = y.Numel;
        var acc = ArrayPool<double>.Shared.Rent(Math.Max(ny, 1));
        try
        {
            Array.Clear(acc, 0, ny);
            var L = new StridedLayout(x.Shape, (x.Strides, x.Offset), (ys, 0));
            float[] xa = x.CpuArray;
            int n = L.Inner, sx = L.InnerStride(0), sy = L.InnerStride(1);
            for (int r = 0; r < L.Rows; r++)
            {
                int ox = L.RowOffset(0, r), oy = L.RowOffset(1, r);
                if (sy == 0) acc[oy] += SumRowDouble(xa, ox, sx, n);
                else if (sx == 1 && sy == 1) AddRowDouble(xa, ox, acc, oy, n);
                else for (int i = 0; i < n; i++) acc[oy + i * sy] += xa[ox + i * sx];
            }
            // y is contiguous: ys offsets index its elements directly
            var yspan = y.Span;
            for (int i = 0; i < ny; i++) yspan[i] = (float)acc[i];
        }
        finally { ArrayPool<double>.Shared.Return(acc); }
    }

    /// <summary>acc[oa + i] += a[o + i] in float64 (e.g. the mean over neighbours): the scalar loop's additions, eight at a time.</summary>
    private static void AddRowDouble(float[] a, int o, double[] acc, int oa, int n)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref float p = ref a[o];
            ref double q = ref acc[oa];
            for (; i <= n - 8; i += 8)
            {
                var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref p, (nuint)i));
                (Vector256.LoadUnsafe(ref q, (nuint)i) + lo).StoreUnsafe(ref q, (nuint)i);
                (Vector256.LoadUnsafe(ref q, (nuint)(i + 4)) + hi).StoreUnsafe(ref q, (nuint)(i + 4));
            }
        }
        for (; i < n; i++) acc[oa + i] += a[o + i];
    }

    /// <summary>Sum of a (strided) row accumulated in float64 (8 lanes × 2 partial sums when contiguous).</summary>
    internal static double SumRowDouble(float[] a, int o, int stride, int n)
    {
        int i = 0;
        double s = 0;
        if (stride == 1 && Vector256.IsHardwareAccelerated && n >= 8)
        {
            ref float p = ref a[o];
            var acc0 = Vector256<double>.Zero; var acc1 = Vector256<double>.Zero;
            for (; i <= n - 8; i += 8)
            {
                var v = Vector256.LoadUnsafe(ref p, (nuint)i);
                var (lo, hi) = Vector256.Widen(v);
                acc0 += lo; acc1 += hi;
            }
            s = Vector256.Sum(acc0 + acc1);
        }
        for (; i < n; i++) s += a[o + i * stride];
        return s;
    }

    // ------------------------------------------------------------------ softmax

    /// <summary>Softmax along dim as rows: outer·inner rows of length d with stride inner (shared with the CUDA backend).</summary>
    internal static void SoftmaxGeometry(Tensor x, int dim, out int outer, out int d, out int inner)
    {
        outer = 1; inner = 1;
        for (int i = 0; i < dim; i++) outer *= x.Shape[i];
        d = x.Shape[dim];
        for (int i = dim + 1; i < x.Rank; i++) inner *= x.Shape[i];
    }

    public void Softmax(Tensor x, Tensor y, int dim)
    {
        SoftmaxGeometry(x, dim, out int outer, out int d, out int inner);
        float[] xa = x.CpuArray, ya = y.CpuArray;
        int xo = x.Offset, yo = y.Offset;
        if (inner >= 8 && !ReferenceEquals(xa, ya))
        {
            int blocks = inner / 8;
            ParallelRange.For(outer * blocks, Math.Max(1, 512 / Math.Max(d, 1)), new SoftmaxColumnsBody(xa, xo, ya, yo, d, inner, blocks));
            int tail = inner - blocks * 8;
            if (tail > 0) new SoftmaxTailBody(new SoftmaxBody(xa, xo, ya, yo, d, inner), inner, tail).Invoke(0, outer);
            return;
        }
        ParallelRange.For(outer * inner, Math.Max(1, 4096 / Math.Max(d, 1)), new SoftmaxBody(xa, xo, ya, yo, d, inner));
    }

    /// <summary>
    /// Softmax along a strided dim (inner > 1, e.g. over the channels of an image), eight neighbouring inner positions
    /// at a time: each pass over d reads one contiguous run of eight values instead of d strided single values. Per
    /// position the arithmetic is <see cref="SoftmaxBody"/>'s (MathF.Exp, the sum in float64), so the values are the same.
    /// </summary>
    private readonly struct SoftmaxColumnsBody(float[] x, int xo, float[] y, int yo, int d, int inner, int blocks) : IRangeOperation
    {
        public void Invoke(int s, int e)
        {
            const int L = 8;
            Span<float> m = stackalloc float[L];
            Span<double> sum = stackalloc double[L];
            for (int r = s; r < e; r++)
            {
                int o = r / blocks, j = (r - o * blocks) * L;
                int bx = xo + o * d * inner + j, by = yo + o * d * inner + j;
                m.Fill(float.NegativeInfinity);
                sum.Clear();
                for (int k = 0; k < d; k++)
                    for (int l = 0; l < L; l++) m[l] = MathF.Max(m[l], x[bx + k * inner + l]);
                for (int k = 0; k < d; k++)
                    for (int l = 0; l < L; l++)
                    {
                        float ev = MathF.Exp(x[bx + k * inner + l] - m[l]);
                        y[by + k * inner + l] = ev;
                        sum[l] += ev;
                    }
                for (int l = 0; l < L; l++) m[l] = (float)(1.0 / sum[l]);
                for (int k = 0; k < d; k++)
                    for (int l = 0; l < L; l++) y[by + k * inner + l] *= m[l];
            }
        }
    }

    /// <summary>The last inner % 8 positions of each outer slice, through the scalar rows of <see cref="SoftmaxBody"/>.</summary>
    private readonly struct SoftmaxTailBody(SoftmaxBody rows, int inner, int tail) : IRangeOperation
    {
        public void Invoke(int s, int e)
        {
            for (int o = s; o < e; o++) rows.Invoke(o * inner + inner - tail, (o + 1) * inner);
        }
    }

    private readonly struct SoftmaxBody(float[] x, int xo, float[] y, int yo, int d, int inner) : IRangeOperation
    {
        public void Invoke(int s, int e)
        {
            for (int r = s; r < e; r++)
            {
                int o = r / inner, j = r % inner;
                int bx = xo + o * d * inner + j, by = yo + o * d * inner + j;
                if (inner == 1)
                {
                    var xs = x.AsSpan(bx, d); var ys = y.AsSpan(by, d);
                    float m = float.NegativeInfinity;
                    for (int k = 0; k < d; k++) m = MathF.Max(m, xs[k]);
                    ElementwiseDriver.UnarySpan(new AddScalarOp(-m), xs, ys);
                    ElementwiseDriver.UnarySpan(new ExpOp(), ys, ys);
                    double sum = SumRowDouble(y, by, 1, d);
                    ElementwiseDriver.UnarySpan(new MulScalarOp((float)(1.0 / sum)), ys, ys);
                }
                else
                {
                    float m = float.NegativeInfinity;
                    for (int k = 0; k < d; k++) m = MathF.Max(m, x[bx + k * inner]);
                    double sum = 0;
                    for (int k = 0; k < d; k++) { float ev = MathF.Exp(x[bx + k * inner] - m); y[by + k * inner] = ev; sum += ev; }
                    float inv = (float)(1.0 / sum);
                    for (int k = 0; k < d; k++) y[by + k * inner] *= inv;
                }
            }
        }
    }

    public void SoftmaxBackward(Tensor y, Tensor dy, Tensor dx, int dim)
    {
        SoftmaxGeometry(y, dim, out int outer, out int d, out int inner);
        float[] ya = y.CpuArray, ga = dy.CpuArray, da = dx.CpuArray;
        int yo = y.Offset, go = dy.Offset, dof = dx.Offset;
        for (int r = 0; r < outer * inner; r++)
        {
            int o = r / inner, j = r % inner;
            int b = o * d * inner + j;
            double dot = 0;
            for (int k = 0; k < d; k++) dot += (double)ga[go + b + k * inner] * ya[yo + b + k * inner];
            float fd = (float)dot;
            for (int k = 0; k < d; k++) da[dof + b + k * inner] = ya[yo + b + k * inner] * (ga[go + b + k * inner] - fd);
        }
    }
}
