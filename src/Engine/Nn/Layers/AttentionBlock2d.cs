using HdrOfx.Engine.Tensors;

namespace HdrOfx.Engine.Nn;

/// <summary>
/// Global self-attention on a feature map, as in diffusion U-Net bottlenecks: x + Attn(GroupNorm(x)) over all
/// H·W positions (cost quadratic in pixels: use it at coarse scales only). Children "norm", "attn".
/// </summary>
public sealed class AttentionBlock2d : Module
{
    public GroupNorm Norm { get; }
    public MultiHeadSelfAttention Attn { get; }

    public AttentionBlock2d(int channels, int heads, Rng rng, int groups = 8)
    {
        Norm = RegisterModule("norm", new GroupNorm(Math.Min(groups, channels), channels));
        Attn = RegisterModule("attn", new MultiHeadSelfAttention(channels, heads, rng));
    }

    public override Tensor Forward(Tensor x)
    {
        if (x.Rank != 4) throw new ArgumentException($"AttentionBlock2d needs [B, C, H, W], got {Tensor.ShapeString(x.Shape)}");
        int h = x.Shape[2], w = x.Shape[3];
        var t = Attn.Forward(Functional.ToTokens(Norm.Forward(x)));
        return x + Functional.FromTokens(t, h, w);
    }
}
