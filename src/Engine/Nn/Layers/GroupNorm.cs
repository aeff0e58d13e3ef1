using HdrOfx.Engine.Tensors;

namespace HdrOfx.Engine.Nn;

/// <summary>Group normalization of [N, C, ...] with per-channel affine (weight = 1, bias = 0 at init).</summary>
public sealed class GroupNorm : Module
{
    public int Groups { get; }
    public int Channels { get; }
    public float Eps { get; }
    public Tensor Weight { get; }
    public Tensor Bias { get; }

    public GroupNorm(int groups, int channels, float eps = 1e-5f)
    {
        if (groups <= 0 || channels <= 0 || channels % groups != 0) throw new ArgumentException($"GroupNorm: {channels} channels are not divisible into {groups} groups");
        Groups = groups; Channels = channels; Eps = eps;
        Weight = RegisterParameter("weight", Tensor.Ones(channels));
        Bias = RegisterParameter("bias", Tensor.Zeros(channels));
    }

    public override Tensor Forward(Tensor x)
    {
        if (x.Rank < 2 || x.Shape[1] != Channels) throw new ArgumentException($"GroupNorm({Groups}, {Channels}): input {Tensor.ShapeString(x.Shape)} does not have {Channels} channels in dim 1");
        return Functional.GroupNorm(x, Groups, Weight, Bias, Eps);
    }

    public override string TypeName => $"GroupNorm({Groups}, {Channels})";
}
