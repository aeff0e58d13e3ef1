namespace HdrOfx.Engine.Tensors;

/// <summary>Matrix products on the packed SGEMM (transposes are stride views, never copies).</summary>
public sealed partial class Tensor
{
    /// <summary>Swaps the last two dims as a plain view (no autograd).</summary>
    internal Tensor TView()
    {
        var sh = (int[])_shape.Clone(); var st = (int[])_strides.Clone();
        (sh[^1], sh[^2]) = (sh[^2], sh[^1]);
        (st[^1], st[^2]) = (st[^2], st[^1]);
        return MakeView(sh, st, Offset);
    }

    private static int[] Concat(int[] a, params int[] b) => a.Concat(b).ToArray();

    /// <summary>
    /// a [..., M, K] · b [..., K, N] → [..., M, N]; the batch dims broadcast (NumPy matmul rules, rank ≥ 2).
    /// </summary>
    public static Tensor MatMul(Tensor a, Tensor b)
    {
        CheckSame(a, b, "MatMul");
        if (a.Rank < 2 || b.Rank < 2) throw new ArgumentException($"MatMul needs rank ≥ 2, got {ShapeString(a._shape)} and {ShapeString(b._shape)}");
        int M = a._shape[^2], K = a._shape[^1], K2 = b._shape[^2], N = b._shape[^1];
        if (K != K2) throw new ArgumentException($"MatMul: inner dims differ, {ShapeString(a._shape)} · {ShapeString(b._shape)}");
        var batch = BroadcastShape(a._shape[..^2], b._shape[..^2]);
        var aShape = Concat(batch, M, K); var bShape = Concat(batch, K, N);
        var y = Create(Concat(batch, M, N), a.Device);
        using (var va = a.BroadcastView(aShape))
        using (var vb = b.BroadcastView(bShape))
            a.Backend.MatMul(va, vb, y, accumulate: false);
        if (NeedsGrad(a, b))
            y.SetGradFn("MatMul", g =>
            {
                Tensor? ga = null, gb = null;
                if (a._requiresGrad)
                {
                    // dA = dY · Bᵀ
                    var full = Create(aShape, g.Device);
                    using var vb = b.BroadcastView(bShape);
                    using var vbt = vb.TView();
                    g.Backend.MatMul(g, vbt, full, false);
                    ga = ReduceGrad(full, a._shape);
                }
                if (b._requiresGrad)
                {
                    // dB = Aᵀ · dY
                    var full = Create(bShape, g.Device);
                    using var va = a.BroadcastView(aShape);
                    using var vat = va.TView();
                    g.Backend.MatMul(vat, g, full, false);
                    gb = ReduceGrad(full, b._shape);
                }
                return new[] { ga, gb };
            }, a, b);
        return y;
    }

    /// <summary>y = x · Wᵀ + b for x [..., in], W [out, in], b [out] (or null).</summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias = null)
    {
        CheckSame(x, weight, "Linear");
        if (weight.Rank != 2) throw new ArgumentException($"Linear weight must be [out, in], got {ShapeString(weight._shape)}");
        int inF = weight._shape[1], outF = weight._shape[0];
        if (x.Rank < 1 || x._shape[^1] != inF) throw new ArgumentException($"Linear: input {ShapeString(x._shape)} does not end in {inF}");
        if (bias != null)
        {
            CheckSame(x, bias, "Linear");
            if (bias.Rank != 1 || bias._shape[0] != outF) throw new ArgumentException($"Linear bias must be [{outF}], got {ShapeString(bias._shape)}");
        }
        int rows = x.Numel / Math.Max(inF, 1);
        var outShape = (int[])x._shape.Clone(); outShape[^1] = outF;
        var y = Create(outShape, x.Device);
        using (var x2 = x.FlatRows(rows, inF))
        using (var y2 = y.MakeView(new[] { rows, outF }, new[] { outF, 1 }, 0))
        using (var wt = weight.TView())
        {
            if (bias != null)
            {
                using var bb = bias.BroadcastView(new[] { rows, outF });
                x.Backend.Copy(bb, y2);
            }
            x.Backend.MatMul(x2, wt, y2, accumulate: bias != null);
        }
        var inputs = bias != null ? new[] { x, weight, bias } : new[] { x, weight };
        if (NeedsGrad(inputs))
            y.SetGradFn("Linear", g =>
            {
                var r = new Tensor?[inputs.Length];
                using var g2 = g.FlatRows(rows, outF);
                if (x._requiresGrad)
                {
                    var gx = Create(x._shape, g.Device);
                    using var gx2 = gx.MakeView(new[] { rows, inF }, new[] { inF, 1 }, 0);
                    g.Backend.MatMul(g2, weight, gx2, false); // dX = dY · W
                    r[0] = gx;
                }
                if (weight._requiresGrad)
                {
                    var gw = Create(weight._shape, g.Device);
                    using var x2 = x.FlatRows(rows, inF);
                    using var g2t = g2.TView();
                    g.Backend.MatMul(g2t, x2, gw, false); // dW = dYᵀ · X
                    r[1] = gw;
                }
                if (bias != null && bias._requiresGrad)
                {
                    var gb = Create(new[] { 1, outF }, g.Device);
                    g.Backend.SumTo(g2, gb);
                    r[2] = gb.MakeView(new[] { outF }, new[] { 1 }, 0);
                    gb.Dispose();
                }
                return r;
            }, inputs);
        return y;
    }

    /// <summary>[rows, cols] view of a tensor whose last dim is cols, when its leading dims collapse into one stride (else a copy).</summary>
    internal Tensor FlatRows(int rows, int cols)
    {
        int rs = cols, acc = -1;
        bool ok = true;
        for (int i = Rank - 2; i >= 0; i--)
        {
            if (_shape[i] == 1) continue;
            if (acc < 0) { rs = _strides[i]; acc = _strides[i] * _shape[i]; }
            else if (_strides[i] != acc) { ok = false; break; }
            else acc *= _shape[i];
        }
        int cs = Rank >= 1 ? _strides[^1] : 1;
        if (ok) return MakeView(new[] { rows, cols }, new[] { rs, cs }, Offset);
        var c = Create(_shape, Device);
        Backend.Copy(this, c);
        var v = c.MakeView(new[] { rows, cols }, new[] { cols, 1 }, 0);
        c.Dispose();
        return v;
    }
}
