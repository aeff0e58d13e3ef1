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
}
