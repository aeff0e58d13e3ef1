using HdrOfx.Engine.Tensors;

namespace HdrOfx.Engine.Nn;

/// <summary>Where <see cref="LayerNorm"/> takes its statistics.</summary>
public enum LayerNormLayout
{
    /// <summary>Over the last dim of [..., C] (tokens, transformers).</summary>
    ChannelsLast,
    /// <summary>Over dim 1 of [N, C, H, W], per pixel (Restormer's LayerNorm on images).</summary>
    Channels,
}

/// <summary>Layer normalization over C features with affine weight (1) and bias (0).</summary>
public sealed class LayerNorm : Module
{
    public int Features { get; }
    public LayerNormLayout Layout { get; }
    public float Eps { get; }
    public Tensor Weight { get; }
    public Tensor Bias { get; }

    public LayerNorm(int features, LayerNormLayout layout = LayerNormLayout.ChannelsLast, float eps = 1e-5f)
    {
        if (features <= 0) throw new ArgumentOutOfRangeException(nameof(features), $"LayerNorm({features}): must be positive");
        Features = features; Layout = layout; Eps = eps;
        Weight = RegisterParameter("weight", Tensor.Ones(features));
        Bias = RegisterParameter("bias", Tensor.Zeros(features));
    }

    public override Tensor Forward(Tensor x)
    {
        if (Layout == LayerNormLayout.ChannelsLast)
        {
            if (x.Rank < 1 || x.Shape[^1] != Features) throw new ArgumentException($"LayerNorm({Features}): input {Tensor.ShapeString(x.Shape)} does not end in {Features}");
            return Functional.LayerNorm(x, Weight, Bias, Eps);
        }
        if (x.Rank < 2 || x.Shape[1] != Features) throw new ArgumentException($"LayerNorm({Features}, channels): input {Tensor.ShapeString(x.Shape)} does not have {Features} channels in dim 1");
        return Functional.LayerNormChannels(x, Weight, Bias, Eps);
    }

    public override string TypeName => $"LayerNorm({Features}, {Layout})";
}
