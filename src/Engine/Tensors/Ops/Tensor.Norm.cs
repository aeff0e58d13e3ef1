namespace HdrOfx.Engine.Tensors;

/// <summary>
/// Group norm (Wu &amp; He 2018) and layer norm (Ba et al. 2016), channel-last and over the channels of NCHW.
/// Biased variance, rstd = 1/√(var + eps), statistics in float64; PyTorch semantics.
/// </summary>
public sealed partial class Tensor
{
    /// <summary>
    /// GroupNorm of x [N, C, *] with <paramref name="groups"/> groups; weight γ and bias β [C] (either may be null).
    /// </summary>
    public static Tensor GroupNorm(Tensor x, int groups, Tensor? weight = null, Tensor? bias = null, float eps = 1e-5f)
    {
        x.CheckF32("GroupNorm");
        if (x.Rank < 2) throw new ArgumentException($"GroupNorm needs x [N, C, ...], got {ShapeString(x._shape)}");
        int n = x._shape[0], c = x._shape[1];
        if (groups < 1 || c % groups != 0) throw new ArgumentException($"GroupNorm: {c} channels not divisible into {groups} groups");
        CheckAffine(x, weight, bias, c, "GroupNorm");
        int s = c == 0 || n == 0 ? 0 : x.Numel / (n * c);
        return NormCore(x, weight, bias, new[] { n, c, s }, new[] { n, groups }, channelNorm: false, groups, eps, "GroupNorm");
    }

    /// <summary>LayerNorm over the last dim of x [..., C] (channel-last); weight and bias [C] or null.</summary>
    public static Tensor LayerNorm(Tensor x, Tensor? weight = null, Tensor? bias = null, float eps = 1e-5f)
    {
        x.CheckF32("LayerNorm");
        if (x.Rank < 1) throw new ArgumentException("LayerNorm needs at least one dim");
        int c = x._shape[^1];
        CheckAffine(x, weight, bias, c, "LayerNorm");
        int rows = c == 0 ? 0 : x.Numel / c;
        return NormCore(x, weight, bias, new[] { rows, c, 1 }, new[] { rows, 1 }, channelNorm: false, 1, eps, "LayerNorm");
    }

    /// <summary>
    /// LayerNorm over the channels of x [N, C, H, W] (or [N, C, *]) at every pixel, as Restormer's LayerNorm on
    /// to_3d(x); weight and bias [C] or null. Same result as permuting to channel-last, <see cref="LayerNorm"/>, and back.
    /// </summary>
    public static Tensor LayerNormChannels(Tensor x, Tensor? weight = null, Tensor? bias = null, float eps = 1e-5f)
    {
        x.CheckF32("LayerNormChannels");
        if (x.Rank < 2) throw new ArgumentException($"LayerNormChannels needs x [N, C, ...], got {ShapeString(x._shape)}");
        int n = x._shape[0], c = x._shape[1];
        CheckAffine(x, weight, bias, c, "LayerNormChannels");
        int s = c == 0 || n == 0 ? 0 : x.Numel / (n * c);
        return NormCore(x, weight, bias, new[] { n, c, s }, new[] { n, s }, channelNorm: true, 1, eps, "LayerNormChannels");
    }

    private static void CheckAffine(Tensor x, Tensor? weight, Tensor? bias, int c, string name)
    {
        foreach (var t in new[] { weight, bias })
        {
            if (t == null) continue;
            CheckSame(x, t, name);
            if (t.Rank != 1 || t._shape[0] != c) throw new ArgumentException($"{name}: weight/bias must be [{c}], got {ShapeString(t._shape)}");
        }
    }

    private static Tensor NormCore(Tensor x, Tensor? weight, Tensor? bias, int[] view3, int[] statShape, bool channelNorm, int groups, float eps, string name)
    {
        var xc = x.Contiguous();
        var wc = weight?.Contiguous();
        var bc = bias?.Contiguous();
        var y = Create(x._shape, x.Device);
        var mean = Create(statShape, x.Device);
        var rstd = Create(statShape, x.Device);
        using (var x3 = xc.MakeView(view3, ContiguousStrides(view3), xc.Offset))
        using (var y3 = y.MakeView(view3, ContiguousStrides(view3), 0))
        {
            if (x.Numel > 0)
            {
                if (channelNorm) x.Backend.ChannelNorm(x3, wc, bc, y3, mean, rstd, eps);
                else x.Backend.GroupNorm(x3, wc, bc, y3, mean, rstd, groups, eps);
            }
        }
        var inputs = new List<Tensor> { xc };
        if (wc != null) inputs.Add(wc);
        if (bc != null) inputs.Add(bc);
        var ins = inputs.ToArray();
        if (NeedsGrad(ins))
        {
            y.SetGradFn(name, g =>
            {
                var r = new Tensor?[ins.Length];
                var gc = g.Contiguous();
                var dx = Create(xc._shape, g.Device);
                var dw = wc != null && wc._requiresGrad ? Create(wc._shape, g.Device) : null;
                var db = bc != null && bc._requiresGrad ? Create(bc._shape, g.Device) : null;
                using (var x3 = xc.MakeView(view3, ContiguousStrides(view3), xc.Offset))
                using (var g3 = gc.MakeView(view3, ContiguousStrides(view3), gc.Offset))
                using (var d3 = dx.MakeView(view3, ContiguousStrides(view3), 0))
                {
                    if (xc.Numel == 0) { dw?.Backend.Fill(dw, 0f); db?.Backend.Fill(db, 0f); }
                    else if (channelNorm) g.Backend.ChannelNormBackward(x3, wc, mean, rstd, g3, d3, dw, db);
                    else g.Backend.GroupNormBackward(x3, wc, mean, rstd, g3, d3, dw, db, groups);
                }
                if (!ReferenceEquals(gc, g)) gc.Dispose();
                int k = 0;
                if (xc._requiresGrad) r[k] = dx; else dx.Dispose();
                k++;
                if (wc != null) r[k++] = dw;
                if (bc != null) r[k] = db;
                return r;
            }, ins);
        }
        return y;
    }
}
