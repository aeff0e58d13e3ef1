using HdrOfx.Engine.Nn;
using HdrOfx.Engine.Tensors;

namespace HdrOfx.Engine.Models.Ldm;

/// <summary>x + conv(SiLU(conv(SiLU(x)))), 3×3, channels kept: the autoencoder's residual block (no normalization,
/// so a tile gives the whole frame's values). Children "conv1", "conv2".</summary>
public sealed class ConvResBlock : Module
{
    private readonly Conv2d _c1, _c2;

    public ConvResBlock(int channels, Rng rng)
    {
        _c1 = RegisterModule("conv1", new Conv2d(channels, channels, 3, rng, padding: 1));
        _c2 = RegisterModule("conv2", new Conv2d(channels, channels, 3, rng, padding: 1));
    }

    public override Tensor Forward(Tensor x) => x + _c2.Forward(_c1.Forward(x.Silu()).Silu());
}
