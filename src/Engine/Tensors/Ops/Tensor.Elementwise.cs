using HdrOfx.Engine.Tensors.Autograd;

namespace HdrOfx.Engine.Tensors;

/// <summary>Elementwise arithmetic (NumPy broadcasting) and activations, each with its backward.</summary>
public sealed partial class Tensor
{
    internal static void CheckSame(Tensor a, Tensor b, string op)
    {
        a.ThrowIfDisposed(); b.ThrowIfDisposed();
        if (a.Device != b.Device) throw new ArgumentException($"{op}: operands on different devices ({a.Device}, {b.Device})");
        if (a.DType != DType.F32 || b.DType != DType.F32) throw new ArgumentException($"{op}: compute needs F32 operands ({a.DType}, {b.DType}); convert with To(DType.F32)");
    }

    internal void CheckF32(string op)
    {
        ThrowIfDisposed();
        if (DType != DType.F32) throw new ArgumentException($"{op}: compute needs an F32 tensor, got {DType}; convert with To(DType.F32)");
    }

    /// <summary>A stride-0 view of t broadcast to shape (no autograd; internal plumbing).</summary>
    internal Tensor BroadcastView(int[] shape)
    {
        var strides = new int[shape.Length];
        int lead = shape.Length - Rank;
        for (int i = 0; i < shape.Length; i++)
        {
            if (i < lead) { strides[i] = 0; continue; }
            strides[i] = _shape[i - lead] == 1 && shape[i] != 1 ? 0 : _strides[i - lead];
        }
        return MakeView(shape, strides, Offset);
    }

    /// <summary>Sums g to shape and disposes g if a new tensor was made.</summary>
    internal static Tensor ReduceGrad(Tensor g, int[] shape)
    {
        var r = SumToShape(g, shape);
        if (!ReferenceEquals(r, g)) g.Dispose();
        return r;
    }

    private static Tensor BinaryForward(BinaryOp op, Tensor a, Tensor b)
    {
        var shape = BroadcastShape(a._shape, b._shape);
        var y = Create(shape, a.Device);
        using var va = a.BroadcastView(shape);
        using var vb = b.BroadcastView(shape);
        a.Backend.Binary(op, va, vb, y);
        return y;
    }

    public static Tensor Add(Tensor a, Tensor b)
    {
        CheckSame(a, b, "Add");
        var y = BinaryForward(BinaryOp.Add, a, b);
        if (NeedsGrad(a, b))
            y.SetGradFn("Add", g => new[] { a._requiresGrad ? SumToShape(g, a._shape) : null, b._requiresGrad ? SumToShape(g, b._shape) : null }, a, b);
        return y;
    }

    public static Tensor Sub(Tensor a, Tensor b)
    {
        CheckSame(a, b, "Sub");
        var y = BinaryForward(BinaryOp.Sub, a, b);
        if (NeedsGrad(a, b))
            y.SetGradFn("Sub", g => new[]
            {
                a._requiresGrad ? SumToShape(g, a._shape) : null,
                b._requiresGrad ? ReduceGrad(g.Neg(), b._shape) : null,
            }, a, b);
        return y;
    }

    public static Tensor Mul(Tensor a, Tensor b)
    {
        CheckSame(a, b, "Mul");
        var y = BinaryForward(BinaryOp.Mul, a, b);
        if (NeedsGrad(a, b))
            y.SetGradFn("Mul", g => new[]
            {
                a._requiresGrad ? ReduceGrad(BinaryForward(BinaryOp.Mul, g, b), a._shape) : null,
                b._requiresGrad ? ReduceGrad(BinaryForward(BinaryOp.Mul, g, a), b._shape) : null,
            }, a, b);
        return y;
    }

    public static Tensor Div(Tensor a, Tensor b)
    {
        CheckSame(a, b, "Div");
        var y = BinaryForward(BinaryOp.Div, a, b);
        if (NeedsGrad(a, b))
            y.SetGradFn("Div", g =>
            {
                var ga = BinaryForward(BinaryOp.Div, g, b); // g / b
                Tensor? gb = null;
                if (b._requiresGrad)
                {
                    // d(a/b)/db = -(a/b)/b = -y/b, so gb = -(g/b)·y
                    using var t = BinaryForward(BinaryOp.Mul, ga, y);
                    gb = ReduceGrad(t.Neg(), b._shape);
                }
                Tensor? gaR = a._requiresGrad ? ReduceGrad(ga, a._shape) : null;
                if (gaR == null) ga.Dispose();
                return new[] { gaR, gb };
            }, a, b);
        return y;
    }

    /// <summary>Elementwise max (no gradient).</summary>
    public static Tensor Maximum(Tensor a, Tensor b)
    {
        CheckSame(a, b, "Maximum");
        if (NeedsGrad(a, b)) throw new NotSupportedException("Maximum has no backward yet");
        return BinaryForward(BinaryOp.Max, a, b);
    }

    /// <summary>Elementwise min (no gradient).</summary>
    public static Tensor Minimum(Tensor a, Tensor b)
    {
        CheckSame(a, b, "Minimum");
        if (NeedsGrad(a, b)) throw new NotSupportedException("Minimum has no backward yet");
        return BinaryForward(BinaryOp.Min, a, b);
    }

    public static Tensor operator +(Tensor a, Tensor b) => Add(a, b);
    public static Tensor operator -(Tensor a, Tensor b) => Sub(a, b);
    public static Tensor operator *(Tensor a, Tensor b) => Mul(a, b);
    public static Tensor operator /(Tensor a, Tensor b) => Div(a, b);
    public static Tensor operator -(Tensor a) => a.Neg();
    public static Tensor operator +(Tensor a, float s) => a.AddScalar(s);
    public static Tensor operator +(float s, Tensor a) => a.AddScalar(s);
    public static Tensor operator -(Tensor a, float s) => a.AddScalar(-s);
    public static Tensor operator -(float s, Tensor a) => a.Unary(UnaryOp.RSubScalar, s, "RSubScalar");
    public static Tensor operator *(Tensor a, float s) => a.MulScalar(s);
    public static Tensor operator *(float s, Tensor a) => a.MulScalar(s);
    public static Tensor operator /(Tensor a, float s) => a.MulScalar(1f / s);

    // ------------------------------------------------------------------ unary

    /// <summary>y = op(x) with dx = dy·op'(x). The generic path every activation goes through.</summary>
    internal Tensor Unary(UnaryOp op, float alpha, string name)
    {
        CheckF32(name);
        var x = Contiguous();
        var y = Create(_shape, Device);
        Backend.Unary(op, x, y, alpha);
        if (NeedsGrad(x))
        {
            y.SetGradFn(name, g =>
            {
                var gc = g.Contiguous();
                var dx = Create(x._shape, x.Device);
                x.Backend.UnaryBackward(op, x, y, gc, dx, alpha);
                if (!ReferenceEquals(gc, g)) gc.Dispose();
                return new[] { dx };
            }, x);
        }
        return y;
    }

    public Tensor Neg() => Unary(UnaryOp.Neg, 0f, "Neg");
    public Tensor Abs() => Unary(UnaryOp.Abs, 0f, "Abs");
    public Tensor Square() => Unary(UnaryOp.Square, 0f, "Square");
    public Tensor Sqrt() => Unary(UnaryOp.Sqrt, 0f, "Sqrt");
    public Tensor Exp() => Unary(UnaryOp.Exp, 0f, "Exp");
    public Tensor Log() => Unary(UnaryOp.Log, 0f, "Log");
    public Tensor Reciprocal() => Unary(UnaryOp.Reciprocal, 0f, "Reciprocal");
    public Tensor Relu() => Unary(UnaryOp.Relu, 0f, "Relu");
    public Tensor LeakyRelu(float negativeSlope = 0.01f) => Unary(UnaryOp.LeakyRelu, negativeSlope, "LeakyRelu");

    /// <summary>GELU, tanh approximation: 0.5x(1 + tanh(√(2/π)(x + 0.044715x³))) (PyTorch approximate="tanh").</summary>
    public Tensor Gelu() => Unary(UnaryOp.Gelu, 0f, "Gelu");
    public Tensor Silu() => Unary(UnaryOp.Silu, 0f, "Silu");
    public Tensor Sigmoid() => Unary(UnaryOp.Sigmoid, 0f, "Sigmoid");
    public Tensor Tanh() => Unary(UnaryOp.Tanh, 0f, "Tanh");

    /// <summary>log(1 + eˣ), computed without overflow.</summary>
    public Tensor Softplus() => Unary(UnaryOp.Softplus, 0f, "Softplus");
    public Tensor AddScalar(float s) => Unary(UnaryOp.AddScalar, s, "AddScalar");
    public Tensor MulScalar(float s) => Unary(UnaryOp.MulScalar, s, "MulScalar");

    /// <summary>x^p. For p other than 1, 2, 0.5 the input must be positive (computed as exp(p·log x)).</summary>
    public Tensor Pow(float p) => Unary(UnaryOp.PowScalar, p, "Pow");

    /// <summary>max(x, lo).</summary>
    public Tensor ClampMin(float lo) => Unary(UnaryOp.ClampMin, lo, "ClampMin");

    /// <summary>min(x, hi).</summary>
    public Tensor ClampMax(float hi) => Unary(UnaryOp.ClampMax, hi, "ClampMax");

    /// <summary>min(max(x, lo), hi); the gradient passes strictly inside (lo, hi).</summary>
    public Tensor Clamp(float lo, float hi)
    {
        if (!(lo <= hi)) throw new ArgumentException($"Clamp: lo {lo} > hi {hi}");
        var a = ClampMin(lo);
        var r = a.ClampMax(hi);
        if (!NeedsGrad(a)) a.Dispose(); // ClampMax's backward reads a, so keep it while a graph exists
        return r;
    }

    // ------------------------------------------------------------------ in place (not recorded)

    private void CheckInPlace(string op)
    {
        CheckF32(op);
        if (_requiresGrad && GradMode.IsEnabled)
            throw new InvalidOperationException($"{op}: in-place update of a tensor that requires grad; wrap it in GradMode.NoGrad()");
        if (!IsContiguous) throw new InvalidOperationException($"{op}: in-place ops need a contiguous tensor");
    }

    /// <summary>this += other (other broadcasts to this shape).</summary>
    public Tensor AddInPlace(Tensor other) => BinaryInPlace(BinaryOp.Add, other, "AddInPlace");

    /// <summary>this -= other.</summary>
    public Tensor SubInPlace(Tensor other) => BinaryInPlace(BinaryOp.Sub, other, "SubInPlace");

    /// <summary>this *= other.</summary>
    public Tensor MulInPlace(Tensor other) => BinaryInPlace(BinaryOp.Mul, other, "MulInPlace");

    private Tensor BinaryInPlace(BinaryOp op, Tensor other, string name)
    {
        CheckInPlace(name);
        CheckSame(this, other, name);
        var s = BroadcastShape(_shape, other._shape);
        if (!s.AsSpan().SequenceEqual(_shape)) throw new ArgumentException($"{name}: {ShapeString(other._shape)} does not broadcast to {ShapeString(_shape)}");
        using var vb = other.BroadcastView(_shape);
        Backend.Binary(op, this, vb, this);
        return this;
    }

    /// <summary>this = this·s.</summary>
    public Tensor MulScalarInPlace(float s) { CheckInPlace("MulScalarInPlace"); Backend.Unary(UnaryOp.MulScalar, this, this, s); return this; }

    /// <summary>this = this + s.</summary>
    public Tensor AddScalarInPlace(float s) { CheckInPlace("AddScalarInPlace"); Backend.Unary(UnaryOp.AddScalar, this, this, s); return this; }

    /// <summary>this = LeakyReLU(this) (inference: the activation needs no buffer of its own).</summary>
    public Tensor LeakyReluInPlace(float negativeSlope = 0.01f) { CheckInPlace("LeakyReluInPlace"); Backend.Unary(UnaryOp.LeakyRelu, this, this, negativeSlope); return this; }

    /// <summary>Fills with a constant.</summary>
    public Tensor Fill(float v) { CheckInPlace("Fill"); Backend.Fill(this, v); return this; }
}
