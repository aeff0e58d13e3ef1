using HdrOfx.Engine.Tensors.Autograd;

namespace HdrOfx.Engine.Tensors;

/// <summary>
/// Attention built from the engine's differentiable ops (batched matmul on the packed SGEMM, softmax, views):
/// scaled dot-product attention (Vaswani et al. 2017), MaxViT block/grid partitioning (Tu et al. 2022) and
/// Restormer's transposed, channel-wise attention MDTA (Zamir et al. 2022, Eq. 2). Gradients come from the
/// composed ops' backward passes.
/// </summary>
public sealed partial class Tensor
{
    /// <summary>
    /// softmax(Q·Kᵀ·scale + bias)·V. q [..., Lq, d], k [..., Lk, d], v [..., Lk, dv]; batch dims broadcast
    /// (put heads in a batch dim: [B, heads, L, d]). bias (additive mask, e.g. relative position bias or −∞
    /// for masked keys) broadcasts to [..., Lq, Lk]. scale defaults to 1/√d. Returns [..., Lq, dv].
    /// </summary>
    public static Tensor ScaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor? bias = null, float? scale = null)
    {
        CheckSame(q, k, "ScaledDotProductAttention"); CheckSame(q, v, "ScaledDotProductAttention");
        if (q.Rank < 2 || k.Rank < 2 || v.Rank < 2) throw new ArgumentException("ScaledDotProductAttention needs q, k, v of rank ≥ 2");
        int d = q._shape[^1];
        if (k._shape[^1] != d) throw new ArgumentException($"ScaledDotProductAttention: q {ShapeString(q._shape)} and k {ShapeString(k._shape)} differ in the feature dim");
        if (k._shape[^2] != v._shape[^2]) throw new ArgumentException($"ScaledDotProductAttention: k {ShapeString(k._shape)} and v {ShapeString(v._shape)} differ in length");
        float s = scale ?? (float)(1.0 / Math.Sqrt(Math.Max(d, 1)));
        bool grad = GradMode.IsEnabled && (q._requiresGrad || k._requiresGrad || v._requiresGrad || (bias?._requiresGrad ?? false));
        // scaling q (Lq·d elements) is cheaper than scaling the scores (Lq·Lk) whenever Lk > d
        var qs = q.MulScalar(s);
        var kt = k.Transpose(-2, -1);
        var scores = MatMul(qs, kt);
        if (!grad) { qs.Dispose(); kt.Dispose(); }
        if (bias != null)
        {
            CheckSame(q, bias, "ScaledDotProductAttention");
            var b = scores + bias;
            if (!grad) scores.Dispose();
            scores = b;
        }
        var attn = scores.Softmax(-1);
        if (!grad) scores.Dispose();
        var y = MatMul(attn, v);
        if (!grad) attn.Dispose();
        return y;
    }

    /// <summary>[B, L, heads·dh] → [B, heads, L, dh] (a differentiable view/copy).</summary>
    public Tensor SplitHeads(int heads)
    {
        if (Rank != 3 || heads < 1 || _shape[2] % heads != 0) throw new ArgumentException($"SplitHeads({heads}) needs [B, L, heads·dh], got {ShapeString(_shape)}");
        using var r = Reshape(_shape[0], _shape[1], heads, _shape[2] / heads);
        return r.Permute(0, 2, 1, 3);
    }

    /// <summary>[B, heads, L, dh] → [B, L, heads·dh] (contiguous).</summary>
    public Tensor MergeHeads()
    {
        if (Rank != 4) throw new ArgumentException($"MergeHeads needs [B, heads, L, dh], got {ShapeString(_shape)}");
        using var p = Permute(0, 2, 1, 3);
        return p.Reshape(_shape[0], _shape[2], _shape[1] * _shape[3]);
    }

    private void CheckPartition(string op, int a, int b)
    {
        CheckF32(op);
        if (Rank != 4) throw new ArgumentException($"{op} needs channel-last [B, H, W, C], got {ShapeString(_shape)}");
        if (a < 1 || b < 1 || _shape[1] % a != 0 || _shape[2] % b != 0)
            throw new ArgumentException($"{op}: {_shape[1]}x{_shape[2]} is not divisible by {a}x{b} (pad first)");
    }

    /// <summary>
    /// MaxViT block attention: x [B, H, W, C] → non-overlapping wh×ww windows [B·(H/wh)·(W/ww), wh·ww, C],
    /// windows in row-major order, pixels row-major inside each window.
    /// </summary>
    public Tensor WindowPartition(int wh, int ww)
    {
        CheckPartition("WindowPartition", wh, ww);
        int b = _shape[0], h = _shape[1], w = _shape[2], c = _shape[3];
        using var r = Reshape(b, h / wh, wh, w / ww, ww, c);
        using var p = r.Permute(0, 1, 3, 2, 4, 5);
        return p.Reshape(b * (h / wh) * (w / ww), wh * ww, c);
    }

    /// <summary>Inverse of <see cref="WindowPartition"/>: [B·(H/wh)·(W/ww), wh·ww, C] → [B, H, W, C].</summary>
    public static Tensor WindowReverse(Tensor windows, int wh, int ww, int h, int w)
    {
        CheckReverse(windows, wh, ww, h, w, "WindowReverse", out int b, out int c);
        using var r = windows.Reshape(b, h / wh, w / ww, wh, ww, c);
        using var p = r.Permute(0, 1, 3, 2, 4, 5);
        return p.Reshape(b, h, w, c);
    }

    /// <summary>
    /// MaxViT grid attention: x [B, H, W, C] → [B·(H/gh)·(W/gw), gh·gw, C], where window (a, b) gathers the gh×gw
    /// pixels (i·H/gh + a, j·W/gw + b): a sparse, global, dilated mixing.
    /// </summary>
    public Tensor GridPartition(int gh, int gw)
    {
        CheckPartition("GridPartition", gh, gw);
        int b = _shape[0], h = _shape[1], w = _shape[2], c = _shape[3];
        using var r = Reshape(b, gh, h / gh, gw, w / gw, c);
        using var p = r.Permute(0, 2, 4, 1, 3, 5);
        return p.Reshape(b * (h / gh) * (w / gw), gh * gw, c);
    }

    /// <summary>Inverse of <see cref="GridPartition"/>: [B·(H/gh)·(W/gw), gh·gw, C] → [B, H, W, C].</summary>
    public static Tensor GridReverse(Tensor windows, int gh, int gw, int h, int w)
    {
        CheckReverse(windows, gh, gw, h, w, "GridReverse", out int b, out int c);
        using var r = windows.Reshape(b, h / gh, w / gw, gh, gw, c);
        using var p = r.Permute(0, 3, 1, 4, 2, 5);
        return p.Reshape(b, h, w, c);
    }

    private static void CheckReverse(Tensor windows, int a, int bb, int h, int w, string op, out int b, out int c)
    {
        windows.CheckF32(op);
        if (windows.Rank != 3 || a < 1 || bb < 1 || h % a != 0 || w % bb != 0 || windows._shape[1] != a * bb)
            throw new ArgumentException($"{op}({a}, {bb}, {h}, {w}): windows {ShapeString(windows._shape)} do not fit");
        int per = h / a * (w / bb);
        if (windows._shape[0] % per != 0) throw new ArgumentException($"{op}: {windows._shape[0]} windows is not a multiple of {per}");
        b = windows._shape[0] / per; c = windows._shape[2];
    }

    /// <summary>x / max(‖x‖₂, eps) along <paramref name="dim"/> (PyTorch F.normalize; gradient 1/eps where clamped).</summary>
    public Tensor L2Normalize(int dim = -1, float eps = 1e-12f)
    {
        CheckF32("L2Normalize");
        int d = NormDim(dim, Rank);
        bool grad = NeedsGrad(this);
        var sq = Square();
        var ss = sq.Sum(d, keepDim: true);
        var ssp = ss.AddScalar(1e-30f); // keeps √ finite at exact zeros; far below eps² so the clamp decides
        var n = ssp.Sqrt();
        // max(n, eps) = relu(n − eps) + eps: differentiable, with clamp_min's zero slope below eps
        var ne = n.AddScalar(-eps);
        var nr = ne.Relu();
        var nc = nr.AddScalar(eps);
        var y = this / nc;
        if (!grad) // intermediates feed recorded backward passes only when grad is on
            foreach (var t in new[] { sq, ss, ssp, n, ne, nr, nc }) t.Dispose();
        return y;
    }

    /// <summary>
    /// Restormer MDTA core (transposed attention across channels): q, k, v [B, heads, Ch, S] with S = H·W;
    /// q̂, k̂ are L2-normalized along S; A = softmax(q̂·k̂ᵀ·τ) over channels [B, heads, Ch, Ch]; returns A·v
    /// [B, heads, Ch, S]. τ is the learnable temperature [heads, 1, 1] (anything broadcasting to A). Cost is linear in pixels.
    /// </summary>
    public static Tensor ChannelAttention(Tensor q, Tensor k, Tensor v, Tensor temperature)
    {
        CheckSame(q, k, "ChannelAttention"); CheckSame(q, v, "ChannelAttention"); CheckSame(q, temperature, "ChannelAttention");
        if (q.Rank < 2 || !q._shape.AsSpan().SequenceEqual(k._shape) || v.Rank != q.Rank || v._shape[^2] != q._shape[^2])
            throw new ArgumentException($"ChannelAttention: q {ShapeString(q._shape)}, k {ShapeString(k._shape)}, v {ShapeString(v._shape)} do not match");
        bool grad = GradMode.IsEnabled && (q._requiresGrad || k._requiresGrad || v._requiresGrad || temperature._requiresGrad);
        var qn = q.L2Normalize(-1);
        var kn = k.L2Normalize(-1);
        var kt = kn.Transpose(-2, -1);
        var s = MatMul(qn, kt);
        var st = s * temperature;
        var a = st.Softmax(-1);
        var y = MatMul(a, v);
        if (!grad) { qn.Dispose(); kn.Dispose(); kt.Dispose(); s.Dispose(); st.Dispose(); a.Dispose(); }
        return y;
    }
}
