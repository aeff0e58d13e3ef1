using HdrOfx.Engine.Tensors;

namespace HdrOfx.Engine.Nn;

/// <summary>Transformer feed-forward on the last dim: Linear(C, hidden) → GELU → Linear(hidden, C). Children "fc1", "fc2".</summary>
public sealed class Mlp : Module
{
    public Linear Fc1 { get; }
    public Linear Fc2 { get; }

    public Mlp(int dim, int hidden, Rng rng)
    {
        Fc1 = RegisterModule("fc1", new Linear(dim, hidden, rng));
        Fc2 = RegisterModule("fc2", new Linear(hidden, dim, rng));
    }

    public override Tensor Forward(Tensor x) => Fc2.Forward(Fc1.Forward(x).Gelu());
}
