using HdrOfx.Engine.Nn;
using HdrOfx.Engine.Tensors;

namespace HdrOfx.Engine.Models;

/// <summary>Per-frame feature pyramid (shared by all frames): 3×3 convs at 1, 1/2 (stride 2) and 1/4 (stride 2).</summary>
public sealed class FrameEncoder : Module
{
    public const int InputChannels = 6;
    private readonly Conv2d _c1, _c2, _c3;

    public FrameEncoder(TcamConfig cfg, Rng rng)
    {
        _c1 = RegisterModule("full", new Conv2d(InputChannels, cfg.C1, 3, rng, padding: 1));
        _c2 = RegisterModule("half", new Conv2d(cfg.C1, cfg.C2, 3, rng, stride: 2, padding: 1));
        _c3 = RegisterModule("quarter", new Conv2d(cfg.C2, cfg.C3, 3, rng, stride: 2, padding: 1));
    }

    public FeaturePyramid Encode(Tensor x)
    {
        var f1 = TcamActivation.LeakyRelu(_c1.Forward(x));
        var f2 = TcamActivation.LeakyRelu(_c2.Forward(f1));
        var f3 = TcamActivation.LeakyRelu(_c3.Forward(f2));
        return new FeaturePyramid(f1, f2, f3);
    }
}
