using HdrOfx.Engine.Tensors;

namespace HdrOfx.Engine.Nn;

/// <summary>
/// Restormer's gated-Dconv feed-forward network, GDFN (Zamir et al. 2022, Eq. 3-4): 1×1 conv to 2·hidden,
/// 3×3 depthwise conv, split into x₁, x₂, GELU(x₁)⊙x₂, 1×1 conv back. GELU is the tanh approximation (the core's).
/// Children "project_in", "dwconv", "project_out".
/// </summary>
public sealed class GatedDconvFeedForward : Module
{
    public int Channels { get; }
    public int Hidden { get; }
    private readonly Conv2d _in, _dw, _out;

    public GatedDconvFeedForward(int channels, Rng rng, double expansion = 2.66, bool bias = false)
    {
        Channels = channels;
        Hidden = Math.Max(1, (int)(channels * expansion));
        _in = RegisterModule("project_in", new Conv2d(channels, 2 * Hidden, 1, rng, bias: bias));
        _dw = RegisterModule("dwconv", new Conv2d(2 * Hidden, 2 * Hidden, 3, rng, padding: 1, groups: 2 * Hidden, bias: bias));
        _out = RegisterModule("project_out", new Conv2d(Hidden, channels, 1, rng, bias: bias));
    }

    public override Tensor Forward(Tensor x)
    {
        var parts = _dw.Forward(_in.Forward(x)).Chunk(2, 1);
        return _out.Forward(parts[0].Gelu() * parts[1]);
    }
}
