using HdrOfx.Engine.Tensors;

namespace HdrOfx.Engine.Nn;

/// <summary>
/// Layer maths composed from the core's differentiable ops (reshape, mean, matmul, softmax, ...), so their
/// gradients come from the core's autograd with no extra backward code. These are the reference forms;
/// fused kernels (the ops2 branch: group/layer norm, attention) may replace the bodies without changing results
/// beyond rounding. Intermediates are left to the caller's <see cref="TensorScope"/>.
/// </summary>
public static class Functional
{
    /// <summary>
    /// Group normalization (Wu &amp; He 2018) of x [N, C, ...]: statistics over each group of C/groups channels and
    /// all spatial positions, biased variance, then per-channel affine. PyTorch's <c>F.group_norm</c>.
    /// </summary>
    public static Tensor GroupNorm(Tensor x, int groups, Tensor? weight, Tensor? bias, float eps = 1e-5f)
    {
        if (x.Rank < 2) throw new ArgumentException($"GroupNorm needs [N, C, ...], got {Tensor.ShapeString(x.Shape)}");
        int n = x.Shape[0], c = x.Shape[1];
        if (groups <= 0 || c % groups != 0) throw new ArgumentException($"GroupNorm: {c} channels are not divisible into {groups} groups");
        var xg = x.Reshape(n, groups, -1);
        var y = Normalize(xg, 2, eps).Reshape(x.Shape);
        return Affine(y, weight, bias, 1);
    }

    /// <summary>Layer norm over the last dim of x [..., C] (channel-last, as in transformers).</summary>
    public static Tensor LayerNorm(Tensor x, Tensor? weight, Tensor? bias, float eps = 1e-5f)
    {
        if (x.Rank < 1) throw new ArgumentException("LayerNorm needs at least one dim");
        return Affine(Normalize(x, x.Rank - 1, eps), weight, bias, x.Rank - 1);
    }

    /// <summary>Layer norm over the channel dim of x [N, C, H, W] (per pixel; Restormer's LayerNorm on images).</summary>
    public static Tensor LayerNormChannels(Tensor x, Tensor? weight, Tensor? bias, float eps = 1e-5f)
    {
        if (x.Rank < 2) throw new ArgumentException($"LayerNormChannels needs [N, C, ...], got {Tensor.ShapeString(x.Shape)}");
        return Affine(Normalize(x, 1, eps), weight, bias, 1);
    }

    /// <summary>(x − mean) / √(var + eps) along <paramref name="dim"/> (biased variance).</summary>
    private static Tensor Normalize(Tensor x, int dim, float eps)
    {
        var mean = x.Mean(dim, keepDim: true);
        var d = x - mean;
        var variance = d.Square().Mean(dim, keepDim: true);
        var std = variance.AddScalar(eps).Sqrt();
        return d / std;
    }

    /// <summary>y·w + b with w, b [C] broadcast along <paramref name="channelDim"/>.</summary>
    private static Tensor Affine(Tensor y, Tensor? weight, Tensor? bias, int channelDim)
    {
        if (weight == null && bias == null) return y;
        var shape = new int[y.Rank];
        Array.Fill(shape, 1);
        shape[channelDim] = y.Shape[channelDim];
        if (weight != null)
        {
            if (weight.Numel != shape[channelDim]) throw new ArgumentException($"norm weight {Tensor.ShapeString(weight.Shape)} does not match {shape[channelDim]} channels");
            y = y * weight.Reshape(shape);
        }
        if (bias != null)
        {
            if (bias.Numel != shape[channelDim]) throw new ArgumentException($"norm bias {Tensor.ShapeString(bias.Shape)} does not match {shape[channelDim]} channels");
            y = y + bias.Reshape(shape);
        }
        return y;
    }

    /// <summary>
    /// softmax(q·kᵀ·scale)·v for q [..., Lq, d], k [..., Lk, d], v [..., Lk, dv] (Vaswani et al. 2017, Eq. 1).
    /// Default scale 1/√d. Batch dims broadcast.
    /// </summary>
    public static Tensor ScaledDotProductAttention(Tensor q, Tensor k, Tensor v, float? scale = null)
    {
        if (q.Rank < 2 || k.Rank != q.Rank || v.Rank != q.Rank)
            throw new ArgumentException($"attention needs q, k, v of equal rank ≥ 2, got {Tensor.ShapeString(q.Shape)}, {Tensor.ShapeString(k.Shape)}, {Tensor.ShapeString(v.Shape)}");
        if (q.Shape[^1] != k.Shape[^1]) throw new ArgumentException($"attention: q and k feature dims differ ({q.Shape[^1]} vs {k.Shape[^1]})");
        if (k.Shape[^2] != v.Shape[^2]) throw new ArgumentException($"attention: k and v lengths differ ({k.Shape[^2]} vs {v.Shape[^2]})");
        float s = scale ?? (float)(1.0 / Math.Sqrt(q.Shape[^1]));
        var scores = Tensor.MatMul(q, k.Transpose(-2, -1)).MulScalar(s);
        return Tensor.MatMul(scores.Softmax(-1), v);
    }

    /// <summary>x / √(Σ x² + eps) along <paramref name="dim"/> (≈ F.normalize; eps keeps zero vectors finite).</summary>
    public static Tensor L2Normalize(Tensor x, int dim, float eps = 1e-12f)
    {
        var norm = x.Square().Sum(dim, keepDim: true).AddScalar(eps).Sqrt();
        return x / norm;
    }

    /// <summary>[B, H, W, C] → [B·(H/p)·(W/p), p·p, C]: non-overlapping p×p windows (MaxViT block attention).</summary>
    public static Tensor WindowPartition(Tensor x, int p)
    {
        var (b, h, w, c) = Bhwc(x, p, "WindowPartition");
        return x.Reshape(b, h / p, p, w / p, p, c).Permute(0, 1, 3, 2, 4, 5).Reshape(-1, p * p, c);
    }

    /// <summary>Inverse of <see cref="WindowPartition"/> back to [B, H, W, C].</summary>
    public static Tensor WindowReverse(Tensor windows, int p, int b, int h, int w)
    {
        int c = windows.Shape[^1];
        return windows.Reshape(b, h / p, w / p, p, p, c).Permute(0, 1, 3, 2, 4, 5).Reshape(b, h, w, c);
    }

    /// <summary>
    /// [B, H, W, C] → [B·(H/g)·(W/g), g·g, C]: a g×g grid of tokens spaced H/g apart (MaxViT grid attention,
    /// global sparse mixing). Token (i, j) of group (u, v) is pixel (i·H/g + u, j·W/g + v).
    /// </summary>
    public static Tensor GridPartition(Tensor x, int g)
    {
        var (b, h, w, c) = Bhwc(x, g, "GridPartition");
        return x.Reshape(b, g, h / g, g, w / g, c).Permute(0, 2, 4, 1, 3, 5).Reshape(-1, g * g, c);
    }

    /// <summary>Inverse of <see cref="GridPartition"/> back to [B, H, W, C].</summary>
    public static Tensor GridReverse(Tensor groups, int g, int b, int h, int w)
    {
        int c = groups.Shape[^1];
        return groups.Reshape(b, h / g, w / g, g, g, c).Permute(0, 3, 1, 4, 2, 5).Reshape(b, h, w, c);
    }

    private static (int B, int H, int W, int C) Bhwc(Tensor x, int p, string op)
    {
        if (x.Rank != 4) throw new ArgumentException($"{op} needs [B, H, W, C], got {Tensor.ShapeString(x.Shape)}");
        int b = x.Shape[0], h = x.Shape[1], w = x.Shape[2], c = x.Shape[3];
        if (p <= 0 || h % p != 0 || w % p != 0) throw new ArgumentException($"{op}: {h}x{w} is not divisible by {p}");
        return (b, h, w, c);
    }

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
