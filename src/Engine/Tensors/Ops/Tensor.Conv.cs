namespace HdrOfx.Engine.Tensors;

/// <summary>2-D convolution (cross-correlation, PyTorch semantics) with stride, padding, dilation and groups.</summary>
public sealed partial class Tensor
{
    /// <summary>x [N, C, H, W] ⋆ w [O, C/groups, kh, kw] + bias [O] → [N, O, Ho, Wo].</summary>
    public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0, int dilation = 1, int groups = 1) =>
        Conv2d(x, weight, bias, Conv2dParams.Create(stride, padding, dilation, groups));

    public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias, Conv2dParams p)
    {
        CheckSame(x, weight, "Conv2d");
        if (x.Rank != 4 || weight.Rank != 4) throw new ArgumentException($"Conv2d needs x [N,C,H,W] and w [O,C/g,kh,kw], got {ShapeString(x._shape)} and {ShapeString(weight._shape)}");
        if (p.StrideH < 1 || p.StrideW < 1 || p.DilationH < 1 || p.DilationW < 1 || p.PadH < 0 || p.PadW < 0 || p.Groups < 1)
            throw new ArgumentException($"Conv2d: invalid parameters {p}");
        int c = x._shape[1], o = weight._shape[0], kh = weight._shape[2], kw = weight._shape[3];
        if (c % p.Groups != 0 || o % p.Groups != 0) throw new ArgumentException($"Conv2d: channels {c} → {o} not divisible by groups {p.Groups}");
        if (weight._shape[1] != c / p.Groups) throw new ArgumentException($"Conv2d: weight expects {weight._shape[1] * p.Groups} input channels, x has {c}");
        if (bias != null)
        {
            CheckSame(x, bias, "Conv2d");
            if (bias.Rank != 1 || bias._shape[0] != o) throw new ArgumentException($"Conv2d bias must be [{o}], got {ShapeString(bias._shape)}");
        }
        int ho = p.OutH(x._shape[2], kh), wo = p.OutW(x._shape[3], kw);
        if (ho <= 0 || wo <= 0) throw new ArgumentException($"Conv2d: output would be {ho}x{wo} for input {ShapeString(x._shape)}, kernel {kh}x{kw}, {p}");
        var xc = x.Contiguous(); var wc = weight.Contiguous(); var bc = bias?.Contiguous();
        var y = Create(new[] { x._shape[0], o, ho, wo }, x.Device);
        x.Backend.Conv2d(xc, wc, bc, y, p);
        var inputs = bc != null ? new[] { xc, wc, bc } : new[] { xc, wc };
        if (NeedsGrad(inputs))
            y.SetGradFn("Conv2d", g =>
            {
                var r = new Tensor?[inputs.Length];
                var gc = g.Contiguous();
                if (xc._requiresGrad)
                {
                    var gx = Create(xc._shape, g.Device);
                    g.Backend.Conv2dBackwardInput(gc, wc, gx, p);
                    r[0] = gx;
                }
                if (wc._requiresGrad)
                {
                    var gw = Create(wc._shape, g.Device);
                    g.Backend.Conv2dBackwardWeight(xc, gc, gw, p);
                    r[1] = gw;
                }
                if (bc != null && bc._requiresGrad)
                {
                    var gb = Create(new[] { 1, o, 1, 1 }, g.Device);
                    g.Backend.SumTo(gc, gb);
                    r[2] = gb.MakeView(new[] { o }, new[] { 1 }, 0);
                    gb.Dispose();
                }
                if (!ReferenceEquals(gc, g)) gc.Dispose();
                return r;
            }, inputs);
        return y;
    }

    /// <summary>
    /// Transposed convolution (PyTorch conv_transpose2d): x [N, Cin, H, W], w [Cin, Cout/groups, kh, kw], bias [Cout]
    /// → [N, Cout, (H−1)·s − 2p + d(k−1) + outputPadding + 1, ...]. It is the adjoint of <see cref="Conv2d(Tensor, Tensor, Tensor?, Conv2dParams)"/>
    /// with the same weight, so it runs on the conv kernels: forward = conv input-gradient, its input gradient = conv forward,
    /// its weight gradient = conv weight-gradient with the roles of input and output swapped.
    /// </summary>
    public static Tensor ConvTranspose2d(Tensor x, Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0, int outputPadding = 0, int dilation = 1, int groups = 1)
    {
        CheckSame(x, weight, "ConvTranspose2d");
        if (x.Rank != 4 || weight.Rank != 4) throw new ArgumentException($"ConvTranspose2d needs x [N,Cin,H,W] and w [Cin,Cout/g,kh,kw], got {ShapeString(x._shape)} and {ShapeString(weight._shape)}");
        var p = Conv2dParams.Create(stride, padding, dilation, groups);
        if (stride < 1 || dilation < 1 || padding < 0 || groups < 1) throw new ArgumentException($"ConvTranspose2d: invalid parameters {p}");
        if (outputPadding < 0 || outputPadding >= stride)
            throw new ArgumentException($"ConvTranspose2d: outputPadding {outputPadding} must be in [0, stride)");
        int cin = x._shape[1], kh = weight._shape[2], kw = weight._shape[3];
        if (weight._shape[0] != cin) throw new ArgumentException($"ConvTranspose2d: weight expects {weight._shape[0]} input channels, x has {cin}");
        if (cin % groups != 0) throw new ArgumentException($"ConvTranspose2d: channels {cin} not divisible by groups {groups}");
        int cout = weight._shape[1] * groups;
        int ho = (x._shape[2] - 1) * stride - 2 * padding + dilation * (kh - 1) + outputPadding + 1;
        int wo = (x._shape[3] - 1) * stride - 2 * padding + dilation * (kw - 1) + outputPadding + 1;
        if (ho <= 0 || wo <= 0) throw new ArgumentException($"ConvTranspose2d: output would be {ho}x{wo}");
        if (bias != null)
        {
            CheckSame(x, bias, "ConvTranspose2d");
            if (bias.Rank != 1 || bias._shape[0] != cout) throw new ArgumentException($"ConvTranspose2d bias must be [{cout}], got {ShapeString(bias._shape)}");
        }
        var xc = x.Contiguous(); var wc = weight.Contiguous();
        var y = Create(new[] { x._shape[0], cout, ho, wo }, x.Device);
        // y plays the conv's input gradient, x the conv's output gradient
        x.Backend.Conv2dBackwardInput(xc, wc, y, p);
        if (bias != null)
        {
            using var bv = bias.MakeView(new[] { 1, cout, 1, 1 }, new[] { 0, bias._strides[0], 0, 0 }, bias.Offset);
            using var bx = bv.BroadcastView(y._shape);
            x.Backend.Binary(BinaryOp.Add, y, bx, y);
        }
        var inputs = bias != null ? new[] { xc, wc, bias } : new[] { xc, wc };
        if (NeedsGrad(inputs))
            y.SetGradFn("ConvTranspose2d", g =>
            {
                var r = new Tensor?[inputs.Length];
                var gc = g.Contiguous();
                if (xc._requiresGrad)
                {
                    var gx = Create(xc._shape, g.Device);
                    g.Backend.Conv2d(gc, wc, null, gx, p);
                    r[0] = gx;
                }
                if (wc._requiresGrad)
                {
                    var gw = Create(wc._shape, g.Device);
                    g.Backend.Conv2dBackwardWeight(gc, xc, gw, p);
                    r[1] = gw;
                }
                if (bias != null && bias._requiresGrad)
                {
                    var gb = Create(new[] { 1, cout, 1, 1 }, g.Device);
                    g.Backend.SumTo(gc, gb);
                    r[2] = gb.MakeView(new[] { cout }, new[] { 1 }, 0);
                    gb.Dispose();
                }
                if (!ReferenceEquals(gc, g)) gc.Dispose();
                return r;
            }, inputs);
        return y;
    }
}
