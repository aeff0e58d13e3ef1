using HdrOfx.Engine.Nn;
using HdrOfx.Engine.Tensors;

namespace HdrOfx.Engine.Models.Ldm;

/// <summary>The decoder's output and its features at 1/4, 1/2 and full resolution (what part 3's ZiCA fuses).</summary>
public sealed record DecoderOutput(Tensor Image, Tensor Quarter, Tensor Half, Tensor Full);

/// <summary>
/// HDR-LDM's autoencoder (hdr-v-diff §3.1, "tonemapping strategy"): 3 channels in the μ-law domain
/// (<see cref="LdmDomain"/>) ↔ a 4-channel latent at 1/4 resolution. Trained from scratch (no pretrained VAE can be
/// had here) as a plain autoencoder; the latent is bounded by tanh so that it lives on the [−1, 1] scale the noise
/// schedule assumes. The LDR condition goes through the same encoder. Children "encoder", "decoder".
/// </summary>
public sealed class LatentAutoencoder : Module
{
    private readonly Sequential _encoder;
    private readonly Conv2d _d0, _d1, _u2a, _u2b, _u1a, _u1b, _out;

    public LatentAutoencoder(LdmConfig c, Rng rng)
    {
        Module Act() => new Activation(ActivationKind.Silu);
        _encoder = RegisterModule("encoder", new Sequential(
            new Conv2d(3, c.Ae1, 3, rng, padding: 1), Act(),
            new Conv2d(c.Ae1, c.Ae2, 3, rng, stride: 2, padding: 1), Act(),
            new Conv2d(c.Ae2, c.Ae2, 3, rng, padding: 1), Act(),
            new Conv2d(c.Ae2, c.Ae3, 3, rng, stride: 2, padding: 1), Act(),
            new Conv2d(c.Ae3, c.Ae3, 3, rng, padding: 1), Act(),
            new Conv2d(c.Ae3, LdmConfig.LatentChannels, 3, rng, padding: 1)));
        var dec = RegisterModule("decoder", new ModuleList<Conv2d>(new[]
        {
            new Conv2d(LdmConfig.LatentChannels, c.Ae3, 3, rng, padding: 1),
            new Conv2d(c.Ae3, c.Ae3, 3, rng, padding: 1),
            new Conv2d(c.Ae3, c.Ae2, 3, rng, padding: 1),
            new Conv2d(c.Ae2, c.Ae2, 3, rng, padding: 1),
            new Conv2d(c.Ae2, c.Ae1, 3, rng, padding: 1),
            new Conv2d(c.Ae1, c.Ae1, 3, rng, padding: 1),
            new Conv2d(c.Ae1, 3, 3, rng, padding: 1),
        }));
        (_d0, _d1, _u2a, _u2b, _u1a, _u1b, _out) = (dec[0], dec[1], dec[2], dec[3], dec[4], dec[5], dec[6]);
    }

    /// <summary>[B, 3, H, W] (H, W multiples of 4) → latent [B, 4, H/4, W/4] in (−1, 1).</summary>
    public Tensor Encode(Tensor x)
    {
        if (x.Rank != 4 || x.Shape[1] != 3 || x.Shape[2] % LdmConfig.Down != 0 || x.Shape[3] % LdmConfig.Down != 0)
            throw new ArgumentException($"LatentAutoencoder.Encode needs [B, 3, H, W] with H, W multiples of {LdmConfig.Down}, got {Tensor.ShapeString(x.Shape)}");
        return _encoder.Forward(x).Tanh();
    }

    public DecoderOutput Decode(Tensor z)
    {
        if (z.Rank != 4 || z.Shape[1] != LdmConfig.LatentChannels)
            throw new ArgumentException($"LatentAutoencoder.Decode needs [B, {LdmConfig.LatentChannels}, h, w], got {Tensor.ShapeString(z.Shape)}");
        var q = _d1.Forward(_d0.Forward(z).Silu()).Silu();
        var h = _u2b.Forward(_u2a.Forward(Functional.UpsampleNearest(q, 2)).Silu()).Silu();
        var f = _u1b.Forward(_u1a.Forward(Functional.UpsampleNearest(h, 2)).Silu()).Silu();
        return new DecoderOutput(_out.Forward(f), q, h, f);
    }

    public override Tensor Forward(Tensor x) => Decode(Encode(x)).Image;
}
