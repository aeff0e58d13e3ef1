using HdrOfx.Engine.Tensors;

namespace HdrOfx.Engine.Nn;

/// <summary>
/// Restormer transformer block (Zamir et al. 2022): x + MDTA(LN(x)), then x + GDFN(LN(x)), with LayerNorm over
/// channels per pixel. The TCAM temporal decoder is built from these (hdr-v-diff §3.2).
/// Children "norm1", "attn", "norm2", "ffn".
/// </summary>
public sealed class RestormerBlock : Module
{
    public int Channels { get; }
    private readonly LayerNorm _n1, _n2;
    private readonly ChannelAttention _attn;
    private readonly GatedDconvFeedForward _ffn;

    public RestormerBlock(int channels, int heads, Rng rng, double ffnExpansion = 2.66, bool bias = false)
    {
        Channels = channels;
        _n1 = RegisterModule("norm1", new LayerNorm(channels, LayerNormLayout.Channels));
        _attn = RegisterModule("attn", new ChannelAttention(channels, heads, rng, bias));
        _n2 = RegisterModule("norm2", new LayerNorm(channels, LayerNormLayout.Channels));
        _ffn = RegisterModule("ffn", new GatedDconvFeedForward(channels, rng, ffnExpansion, bias));
    }

    public override Tensor Forward(Tensor x)
    {
        x = x + _attn.Forward(_n1.Forward(x));
        return x + _ffn.Forward(_n2.Forward(x));
    }

    public override string TypeName => $"RestormerBlock({Channels})";
}
