using HdrOfx.Engine.Tensors;

namespace HdrOfx.Engine.Nn;

/// <summary>Which pointwise nonlinearity an <see cref="Activation"/> applies.</summary>
public enum ActivationKind { Identity, Relu, LeakyRelu, Gelu, Silu, Sigmoid, Tanh }

/// <summary>A parameter-free pointwise nonlinearity as a module (for <see cref="Sequential"/>).</summary>
public sealed class Activation : Module
{
    public ActivationKind Kind { get; }
    public float NegativeSlope { get; }

    public Activation(ActivationKind kind, float negativeSlope = 0.01f)
    {
        Kind = kind; NegativeSlope = negativeSlope;
    }

    public static Tensor Apply(ActivationKind kind, Tensor x, float negativeSlope = 0.01f) => kind switch
    {
        ActivationKind.Identity => x,
        ActivationKind.Relu => x.Relu(),
        ActivationKind.LeakyRelu => x.LeakyRelu(negativeSlope),
        ActivationKind.Gelu => x.Gelu(),
        ActivationKind.Silu => x.Silu(),
        ActivationKind.Sigmoid => x.Sigmoid(),
        ActivationKind.Tanh => x.Tanh(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public override Tensor Forward(Tensor x) => Apply(Kind, x, NegativeSlope);

    public override string TypeName => Kind.ToString();
}
