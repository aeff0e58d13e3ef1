using HdrOfx.Engine.Tensors;

namespace HdrOfx.Engine.Nn;

/// <summary>
/// MaxViT's multi-axis attention (Tu et al. 2022) on [B, C, H, W], pre-norm transformer style:
/// block attention (local P×P windows) + MLP, then grid attention (a P×P grid spread over the image) + MLP,
/// each with a residual. H and W must be multiples of P. Both attentions get a learned relative position bias over
/// their P×P token layout (optional). Simplification: no MBConv stage (the HDR-LDM denoiser adds its own
/// convolutions). Children "norm1", "block_attn", ["block_bias"], "norm2", "mlp1", "norm3", "grid_attn", ["grid_bias"],
/// "norm4", "mlp2".
/// </summary>
public sealed class MaxVitBlock : Module
{
    public int Channels { get; }
    public int Partition { get; }
    private readonly LayerNorm _n1, _n2, _n3, _n4;
    private readonly MultiHeadSelfAttention _blockAttn, _gridAttn;
    private readonly Mlp _mlp1, _mlp2;
    private readonly RelativePositionBias? _blockBias, _gridBias;

    public MaxVitBlock(int channels, int heads, int partition, Rng rng, double mlpRatio = 4, bool relativePositionBias = true)
    {
        if (partition <= 0) throw new ArgumentOutOfRangeException(nameof(partition), $"partition {partition} must be positive");
        Channels = channels; Partition = partition;
        int hidden = (int)(channels * mlpRatio);
        _n1 = RegisterModule("norm1", new LayerNorm(channels));
        _blockAttn = RegisterModule("block_attn", new MultiHeadSelfAttention(channels, heads, rng));
        if (relativePositionBias) _blockBias = RegisterModule("block_bias", new RelativePositionBias(heads, partition, rng));
        _n2 = RegisterModule("norm2", new LayerNorm(channels));
        _mlp1 = RegisterModule("mlp1", new Mlp(channels, hidden, rng));
        _n3 = RegisterModule("norm3", new LayerNorm(channels));
        _gridAttn = RegisterModule("grid_attn", new MultiHeadSelfAttention(channels, heads, rng));
        if (relativePositionBias) _gridBias = RegisterModule("grid_bias", new RelativePositionBias(heads, partition, rng));
        _n4 = RegisterModule("norm4", new LayerNorm(channels));
        _mlp2 = RegisterModule("mlp2", new Mlp(channels, hidden, rng));
    }

    public override Tensor Forward(Tensor x)
    {
        if (x.Rank != 4 || x.Shape[1] != Channels) throw new ArgumentException($"MaxVitBlock({Channels}): input {Tensor.ShapeString(x.Shape)} is not [B, {Channels}, H, W]");
        int b = x.Shape[0], h = x.Shape[2], w = x.Shape[3], p = Partition;
        if (h % p != 0 || w % p != 0) throw new ArgumentException($"MaxVitBlock: {h}x{w} is not a multiple of the partition size {p}");
        var y = x.Permute(0, 2, 3, 1); // [B, H, W, C]
        y = y + Functional.WindowReverse(_blockAttn.Forward(Functional.WindowPartition(_n1.Forward(y), p), _blockBias?.Bias()), p, b, h, w);
        y = y + _mlp1.Forward(_n2.Forward(y));
        y = y + Functional.GridReverse(_gridAttn.Forward(Functional.GridPartition(_n3.Forward(y), p), _gridBias?.Bias()), p, b, h, w);
        y = y + _mlp2.Forward(_n4.Forward(y));
        return y.Permute(0, 3, 1, 2);
    }

    public override string TypeName => $"MaxVitBlock({Channels}, P={Partition})";
}
