using HdrOfx.Engine.Nn;
using HdrOfx.Engine.Tensors;

namespace HdrOfx.Engine.Models.Ldm;

/// <summary>
/// The time-conditioned residual block of the LDM U-Net (Rombach et al. 2022, after Ho et al. 2020):
/// h = conv(SiLU(GN(x))) + Linear(SiLU(emb)), out = skip(x) + conv(SiLU(GN(h))). The embedding (time + exposure)
/// enters as a per-channel bias. Children "norm1", "conv1", "emb", "norm2", "conv2", ["skip"].
/// </summary>
public sealed class EmbeddedResBlock : Module
{
    private readonly GroupNorm _n1, _n2;
    private readonly Conv2d _c1, _c2;
    private readonly Conv2d? _skip;
    private readonly Linear _emb;

    public EmbeddedResBlock(int cin, int cout, int embDim, Rng rng)
    {
        _n1 = RegisterModule("norm1", new GroupNorm(Groups(cin), cin));
        _c1 = RegisterModule("conv1", new Conv2d(cin, cout, 3, rng, padding: 1));
        _emb = RegisterModule("emb", new Linear(embDim, cout, rng));
        _n2 = RegisterModule("norm2", new GroupNorm(Groups(cout), cout));
        _c2 = RegisterModule("conv2", new Conv2d(cout, cout, 3, rng, padding: 1));
        if (cin != cout) _skip = RegisterModule("skip", new Conv2d(cin, cout, 1, rng));
    }

    internal static int Groups(int c) => c % 8 == 0 ? 8 : c % 4 == 0 ? 4 : 1;

    /// <param name="emb">[B, embDim], already the sum of the time and exposure MLPs.</param>
    public Tensor Forward(Tensor x, Tensor emb)
    {
        var h = _c1.Forward(_n1.Forward(x).Silu());
        var e = _emb.Forward(emb.Silu());
        h = h + e.Reshape(e.Shape[0], e.Shape[1], 1, 1);
        h = _c2.Forward(_n2.Forward(h).Silu());
        return (_skip?.Forward(x) ?? x) + h;
    }
}
