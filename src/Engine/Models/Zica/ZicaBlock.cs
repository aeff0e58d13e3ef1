using HdrOfx.Engine.Models.Ldm;
using HdrOfx.Engine.Nn;
using HdrOfx.Engine.Tensors;

namespace HdrOfx.Engine.Models.Zica;

/// <summary>
/// Zero-init cross-attention at one scale (hdr-v-diff §3.3, Eq. 6):
/// F_out = F_t + λ·Z(Attn(Q = W_q·GN(F_t), K, V = W_kv·GN(M(F_p)))), where M maps the prior feature F_p to the
/// temporal feature's channels, the attention is channel-wise ("transposed", Restormer's MDTA:
/// softmax(q̂·k̂ᵀ·τ) over channels with q̂, k̂ L2-normalized over pixels, so the cost is linear in pixels) and Z is a
/// 1×1 convolution whose weight and bias start at zero. Children "prior_in", "norm_t", "norm_p", "q", "kv", "out";
/// parameter "temperature" [heads, 1, 1]. The ablations (<see cref="ZicaIntegration"/>) keep the residual form:
/// plain cross-attention initializes "out" as any convolution; concatenation has "prior_in" and "out" (2C → C) only.
/// </summary>
public sealed class ZicaBlock : Module
{
    public int Channels { get; }
    public int PriorChannels { get; }
    public int Heads { get; }
    public ZicaIntegration Integration { get; }
    public Tensor? Temperature { get; }
    private readonly Conv2d _prior, _out;
    private readonly Conv2d? _q, _kv;
    private readonly GroupNorm? _normT, _normP;

    public ZicaBlock(int channels, int priorChannels, int heads, Rng rng, ZicaIntegration integration = ZicaIntegration.Zica)
    {
        if (heads <= 0 || channels % heads != 0) throw new ArgumentException($"ZicaBlock: {channels} channels are not divisible by {heads} heads");
        Channels = channels; PriorChannels = priorChannels; Heads = heads; Integration = integration;
        _prior = RegisterModule("prior_in", new Conv2d(priorChannels, channels, 1, rng));
        if (integration == ZicaIntegration.Concat)
        {
            _out = RegisterModule("out", new Conv2d(2 * channels, channels, 1, rng));
            return;
        }
        _normT = RegisterModule("norm_t", new GroupNorm(EmbeddedResBlock.Groups(channels), channels));
        _normP = RegisterModule("norm_p", new GroupNorm(EmbeddedResBlock.Groups(channels), channels));
        _q = RegisterModule("q", new Conv2d(channels, channels, 1, rng));
        _kv = RegisterModule("kv", new Conv2d(channels, 2 * channels, 1, rng));
        Temperature = RegisterParameter("temperature", Tensor.Ones(heads, 1, 1));
        _out = RegisterModule("out", integration == ZicaIntegration.Zica ? new ZeroConv(channels, channels, rng) : new Conv2d(channels, channels, 1, rng));
    }

    /// <summary>What goes into the output convolution: the cross-attention's output [B, C, H, W], or the concatenation.</summary>
    public Tensor Attention(Tensor temporal, Tensor prior)
    {
        if (temporal.Rank != 4 || temporal.Shape[1] != Channels)
            throw new ArgumentException($"ZicaBlock({Channels}): temporal feature {Tensor.ShapeString(temporal.Shape)} is not [B, {Channels}, H, W]");
        if (prior.Rank != 4 || prior.Shape[0] != temporal.Shape[0] || prior.Shape[1] != PriorChannels || prior.Shape[2] != temporal.Shape[2] || prior.Shape[3] != temporal.Shape[3])
            throw new ArgumentException($"ZicaBlock({Channels}): prior feature {Tensor.ShapeString(prior.Shape)} is not [{temporal.Shape[0]}, {PriorChannels}, {temporal.Shape[2]}, {temporal.Shape[3]}]");
        if (Integration == ZicaIntegration.Concat) return Tensor.Concat(new[] { temporal, _prior.Forward(prior) }, 1);
        int b = temporal.Shape[0], h = temporal.Shape[2], w = temporal.Shape[3], ch = Channels / Heads;
        var q = _q!.Forward(_normT!.Forward(temporal)).Reshape(b, Heads, ch, h * w);
        var kv = _kv!.Forward(_normP!.Forward(_prior.Forward(prior))).Chunk(2, 1);
        var k = kv[0].Reshape(b, Heads, ch, h * w);
        var v = kv[1].Reshape(b, Heads, ch, h * w);
        return Tensor.ChannelAttention(q, k, v, Temperature!).Reshape(b, Channels, h, w);
    }

    /// <summary>Eq. 6. λ = 0 returns <paramref name="temporal"/> itself, without computing the branch.</summary>
    public Tensor Forward(Tensor temporal, Tensor prior, float lambda) =>
        lambda == 0f ? temporal : temporal + _out.Forward(Attention(temporal, prior)) * lambda;

    public override string TypeName => $"ZicaBlock({Channels} ← {PriorChannels}, heads={Heads}, {Integration})";
}
