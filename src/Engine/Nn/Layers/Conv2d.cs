using HdrOfx.Engine.Tensors;

namespace HdrOfx.Engine.Nn;

/// <summary>2-D convolution layer: weight [out, in/groups, k, k], optional bias [out]. PyTorch's default init.</summary>
public class Conv2d : Module
{
    public int InChannels { get; }
    public int OutChannels { get; }
    public int KernelSize { get; }
    public Conv2dParams Params { get; }
    public Tensor Weight { get; }
    public Tensor? Bias { get; }

    public Conv2d(int inChannels, int outChannels, int kernelSize, Rng rng, int stride = 1, int padding = 0, int dilation = 1, int groups = 1, bool bias = true)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (inChannels <= 0 || outChannels <= 0 || kernelSize <= 0) throw new ArgumentOutOfRangeException(nameof(kernelSize), $"Conv2d({inChannels}, {outChannels}, k={kernelSize}): sizes must be positive");
        if (groups <= 0 || inChannels % groups != 0 || outChannels % groups != 0) throw new ArgumentException($"Conv2d: channels {inChannels} → {outChannels} not divisible by groups {groups}");
        InChannels = inChannels; OutChannels = outChannels; KernelSize = kernelSize;
        Params = Conv2dParams.Create(stride, padding, dilation, groups);
        Weight = RegisterParameter("weight", Tensor.Empty(outChannels, inChannels / groups, kernelSize, kernelSize));
        Init.KaimingUniform(Weight, rng);
        if (bias)
        {
            Bias = RegisterParameter("bias", Tensor.Empty(outChannels));
            Init.BiasUniform(Bias, rng, inChannels / groups * kernelSize * kernelSize);
        }
    }

    public override Tensor Forward(Tensor x) => Tensor.Conv2d(x, Weight, Bias, Params);

    public override string TypeName => $"Conv2d({InChannels}, {OutChannels}, k={KernelSize}, s={Params.StrideH}, p={Params.PadH}, g={Params.Groups})";
}
