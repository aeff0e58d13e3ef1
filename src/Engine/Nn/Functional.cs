using HdrOfx.Engine.Tensors;

namespace HdrOfx.Engine.Nn;

/// <summary>
/// The layer-level maths the Nn layers use, in one place: thin wrappers over the core's ops (norms, attention,
/// partitions come from src/Engine/Tensors/Ops) plus a few compositions of differentiable views (tokens,
/// nearest upsampling). Intermediates are left to the caller's <see cref="TensorScope"/>.
/// </summary>
public static class Functional
{
    /// <summary>Group normalization (Wu &amp; He 2018) of x [N, C, ...]; PyTorch's <c>F.group_norm</c> (the core's fused op).</summary>
    public static Tensor GroupNorm(Tensor x, int groups, Tensor? weight, Tensor? bias, float eps = 1e-5f) =>
        Tensor.GroupNorm(x, groups, weight, bias, eps);

    /// <summary>Layer norm over the last dim of x [..., C] (channel-last, as in transformers).</summary>
    public static Tensor LayerNorm(Tensor x, Tensor? weight, Tensor? bias, float eps = 1e-5f) =>
        Tensor.LayerNorm(x, weight, bias, eps);

    /// <summary>Layer norm over the channel dim of x [N, C, H, W], per pixel (Restormer's LayerNorm on images).</summary>
    public static Tensor LayerNormChannels(Tensor x, Tensor? weight, Tensor? bias, float eps = 1e-5f) =>
        Tensor.LayerNormChannels(x, weight, bias, eps);

    /// <summary>
    /// softmax(q·kᵀ·scale)·v for q [..., Lq, d], k [..., Lk, d], v [..., Lk, dv] (Vaswani et al. 2017, Eq. 1).
    /// Default scale 1/√d. Batch dims broadcast.
    /// </summary>
    public static Tensor ScaledDotProductAttention(Tensor q, Tensor k, Tensor v, float? scale = null) =>
        Tensor.ScaledDotProductAttention(q, k, v, null, scale);

    /// <summary>x / max(‖x‖₂, eps) along <paramref name="dim"/> (F.normalize).</summary>
    public static Tensor L2Normalize(Tensor x, int dim, float eps = 1e-12f) => x.L2Normalize(dim, eps);

    /// <summary>[B, H, W, C] → [B·(H/p)·(W/p), p·p, C]: non-overlapping p×p windows (MaxViT block attention).</summary>
    public static Tensor WindowPartition(Tensor x, int p) => x.WindowPartition(p, p);

    /// <summary>Inverse of <see cref="WindowPartition"/> back to [B, H, W, C] (b is implied by the window count).</summary>
    public static Tensor WindowReverse(Tensor windows, int p, int b, int h, int w) => Tensor.WindowReverse(windows, p, p, h, w);

    /// <summary>
    /// [B, H, W, C] → [B·(H/g)·(W/g), g·g, C]: a g×g grid of tokens spaced H/g apart (MaxViT grid attention,
    /// global sparse mixing). Token (i, j) of group (u, v) is pixel (i·H/g + u, j·W/g + v).
    /// </summary>
    public static Tensor GridPartition(Tensor x, int g) => x.GridPartition(g, g);

    /// <summary>Inverse of <see cref="GridPartition"/> back to [B, H, W, C].</summary>
    public static Tensor GridReverse(Tensor groups, int g, int b, int h, int w) => Tensor.GridReverse(groups, g, g, h, w);

    /// <summary>[B, C, H, W] → [B, H·W, C] tokens.</summary>
    public static Tensor ToTokens(Tensor x)
    {
        if (x.Rank != 4) throw new ArgumentException($"ToTokens needs [B, C, H, W], got {Tensor.ShapeString(x.Shape)}");
        return x.Reshape(x.Shape[0], x.Shape[1], -1).Transpose(1, 2);
    }

    /// <summary>[B, H·W, C] tokens → [B, C, H, W].</summary>
    public static Tensor FromTokens(Tensor t, int h, int w)
    {
        if (t.Rank != 3 || t.Shape[1] != h * w) throw new ArgumentException($"FromTokens: {Tensor.ShapeString(t.Shape)} is not [B, {h * w}, C]");
        return t.Transpose(1, 2).Reshape(t.Shape[0], t.Shape[2], h, w);
    }

    /// <summary>Nearest-neighbour ×<paramref name="factor"/> upsampling of [N, C, H, W] (expand + reshape; differentiable).</summary>
    public static Tensor UpsampleNearest(Tensor x, int factor)
    {
        if (x.Rank != 4) throw new ArgumentException($"UpsampleNearest needs [N, C, H, W], got {Tensor.ShapeString(x.Shape)}");
        int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2], w = x.Shape[3];
        return x.Reshape(n, c, h, 1, w, 1).Expand(n, c, h, factor, w, factor).Reshape(n, c, h * factor, w * factor);
    }
}
