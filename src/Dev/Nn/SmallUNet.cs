using HdrOfx.Engine.Nn;

namespace HdrOfx.Dev.Nn;

/// <summary>
/// A small U-Net used by the learning tests and the training-step benchmark (not a production model):
/// two stride-2 levels (C → 2C → 4C), a global self-attention block plus a conv at the bottleneck (H/4 × W/4),
/// pixel-shuffle upsampling with skip concatenation, SiLU activations. H and W must be multiples of 4.
/// Children "enc0", "enc1", "down2", "mid_attn", "mid", "up2", "dec1", "up1", "dec0", "out".
/// </summary>
public sealed class SmallUNet : Module
{
    public int BaseChannels { get; }
    private readonly Sequential _enc0, _enc1, _down2, _mid, _dec1, _dec0;
    private readonly AttentionBlock2d _attn;
    private readonly Conv2d _up2, _up1, _out;

    public SmallUNet(int inChannels, int outChannels, int baseChannels, Rng rng, int heads = 2)
    {
        int c = baseChannels;
        BaseChannels = c;
        Module Act() => new Activation(ActivationKind.Silu);
        _enc0 = RegisterModule("enc0", new Sequential(new Conv2d(inChannels, c, 3, rng, padding: 1), Act(), new Conv2d(c, c, 3, rng, padding: 1), Act()));
        _enc1 = RegisterModule("enc1", new Sequential(new Conv2d(c, 2 * c, 3, rng, stride: 2, padding: 1), Act(), new Conv2d(2 * c, 2 * c, 3, rng, padding: 1), Act()));
        _down2 = RegisterModule("down2", new Sequential(new Conv2d(2 * c, 4 * c, 3, rng, stride: 2, padding: 1), Act()));
        _attn = RegisterModule("mid_attn", new AttentionBlock2d(4 * c, heads, rng, groups: Math.Min(8, 4 * c)));
        _mid = RegisterModule("mid", new Sequential(new Conv2d(4 * c, 4 * c, 3, rng, padding: 1), Act()));
        _up2 = RegisterModule("up2", new Conv2d(4 * c, 2 * c * 4, 3, rng, padding: 1));
        _dec1 = RegisterModule("dec1", new Sequential(new Conv2d(4 * c, 2 * c, 3, rng, padding: 1), Act()));
        _up1 = RegisterModule("up1", new Conv2d(2 * c, c * 4, 3, rng, padding: 1));
        _dec0 = RegisterModule("dec0", new Sequential(new Conv2d(2 * c, c, 3, rng, padding: 1), Act()));
        _out = RegisterModule("out", new Conv2d(c, outChannels, 1, rng));
    }

    public override Tensor Forward(Tensor x)
    {
        if (x.Rank != 4 || x.Shape[2] % 4 != 0 || x.Shape[3] % 4 != 0) throw new ArgumentException($"SmallUNet needs [N, C, H, W] with H, W multiples of 4, got {Tensor.ShapeString(x.Shape)}");
        var s0 = _enc0.Forward(x);
        var s1 = _enc1.Forward(s0);
        var m = _mid.Forward(_attn.Forward(_down2.Forward(s1)));
        var u1 = _dec1.Forward(Tensor.Concat(new[] { _up2.Forward(m).PixelShuffle(2), s1 }, 1));
        var u0 = _dec0.Forward(Tensor.Concat(new[] { _up1.Forward(u1).PixelShuffle(2), s0 }, 1));
        return _out.Forward(u0);
    }
}
