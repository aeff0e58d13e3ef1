namespace HdrOfx.Engine.Tensors;

/// <summary>Sum, mean and softmax. Sums accumulate in float64 (relative error &lt; 1e-5 against a float64 reference).</summary>
public sealed partial class Tensor
{
    /// <summary>Sum of all elements (0-D result).</summary>
    public Tensor Sum() => Sum(AllDims(), keepDim: false);

    /// <summary>Sum over <paramref name="dims"/> (negative counts from the end).</summary>
    public Tensor Sum(int[] dims, bool keepDim = false) => SumScaled(dims, keepDim, 1f, "Sum");

    private Tensor SumScaled(int[] dims, bool keepDim, float scale, string name)
    {
        CheckF32(name);
        var keep = ReducedShape(dims, out var outShape, keepDim);
        var y = Create(keep, Device);
        Backend.SumTo(this, y);
        if (scale != 1f) Backend.Unary(UnaryOp.MulScalar, y, y, scale);
        Tensor r = y;
        if (!keepDim) { r = y.MakeView(outShape, ContiguousStrides(outShape), 0); y.Dispose(); }
        if (NeedsGrad(this))
        {
            var inShape = _shape;
            r.SetGradFn(name, g =>
            {
                using var gk = g.Reshape(keep);
                var gx = Create(inShape, g.Device);
                using var vb = gk.BroadcastView(inShape);
                gx.Backend.Copy(vb, gx);
                if (scale != 1f) gx.Backend.Unary(UnaryOp.MulScalar, gx, gx, scale);
                return new[] { gx };
            }, this);
        }
        return r;
    }

    public Tensor Sum(int dim, bool keepDim = false) => Sum(new[] { dim }, keepDim);

    /// <summary>Mean of all elements (0-D result).</summary>
    public Tensor Mean() => Mean(AllDims(), keepDim: false);

    public Tensor Mean(int dim, bool keepDim = false) => Mean(new[] { dim }, keepDim);

    public Tensor Mean(int[] dims, bool keepDim = false)
    {
        ReducedShape(dims, out _, keepDim, out long count);
        return SumScaled(dims, keepDim, count == 0 ? float.NaN : (float)(1.0 / count), "Mean");
    }

    private int[] AllDims()
    {
        var d = new int[Rank];
        for (int i = 0; i < Rank; i++) d[i] = i;
        return d;
    }

    private int[] ReducedShape(int[] dims, out int[] outShape, bool keepDim) => ReducedShape(dims, out outShape, keepDim, out _);

    private int[] ReducedShape(int[] dims, out int[] outShape, bool keepDim, out long count)
    {
        var red = new bool[Rank];
        foreach (int d in dims)
        {
            int nd = NormDim(d, Rank);
            if (red[nd]) throw new ArgumentException($"dim {d} repeated in {ShapeString(dims)}");
            red[nd] = true;
        }
        var keep = new int[Rank];
        var list = new List<int>();
        count = 1;
        for (int i = 0; i < Rank; i++)
        {
            keep[i] = red[i] ? 1 : _shape[i];
            if (red[i]) count *= _shape[i];
            if (!red[i] || keepDim) list.Add(keep[i]);
        }
        outShape = list.ToArray();
        return keep;
    }

    /// <summary>Softmax along <paramref name="dim"/> (max-subtracted; sums in float64).</summary>
    public Tensor Softmax(int dim)
    {
        CheckF32("Softmax");
        int d = NormDim(dim, Rank);
        var x = Contiguous();
        var y = Create(_shape, Device);
        Backend.Softmax(x, y, d);
        if (NeedsGrad(x))
            y.SetGradFn("Softmax", g =>
            {
                var gc = g.Contiguous();
                var dx = Create(y._shape, y.Device);
                y.Backend.SoftmaxBackward(y, gc, dx, d);
                if (!ReferenceEquals(gc, g)) gc.Dispose();
                return new[] { dx };
            }, x);
        return y;
    }
}
