using HdrOfx.Engine.Tensors;

namespace HdrOfx.Engine.Nn;

/// <summary>y = x·Wᵀ + b over the last dim; W [out, in], b [out]. PyTorch's default init.</summary>
public sealed class Linear : Module
{
    public int InFeatures { get; }
    public int OutFeatures { get; }
    public Tensor Weight { get; }
    public Tensor? Bias { get; }

    public Linear(int inFeatures, int outFeatures, Rng rng, bool bias = true)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (inFeatures <= 0 || outFeatures <= 0) throw new ArgumentOutOfRangeException(nameof(inFeatures), $"Linear({inFeatures}, {outFeatures}): sizes must be positive");
        InFeatures = inFeatures; OutFeatures = outFeatures;
        Weight = RegisterParameter("weight", Tensor.Empty(outFeatures, inFeatures));
        Init.KaimingUniform(Weight, rng);
        if (bias)
        {
            Bias = RegisterParameter("bias", Tensor.Empty(outFeatures));
            Init.BiasUniform(Bias, rng, inFeatures);
        }
    }

    public override Tensor Forward(Tensor x) => Tensor.Linear(x, Weight, Bias);

    public override string TypeName => $"Linear({InFeatures}, {OutFeatures})";
}
