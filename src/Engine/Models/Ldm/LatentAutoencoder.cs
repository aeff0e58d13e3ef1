using HdrOfx.Engine.Nn;
using HdrOfx.Engine.Tensors;

namespace HdrOfx.Engine.Models.Ldm;

/// <summary>The decoder's output and its features at 1/4, 1/2 and full resolution (what part 3's ZiCA fuses).</summary>
public sealed record DecoderOutput(Tensor Image, Tensor Quarter, Tensor Half, Tensor Full);

/// <summary>
/// HDR-LDM's autoencoder (hdr-v-diff §3.1, "tonemapping strategy"): 3 channels in the μ-law domain
/// (<see cref="LdmDomain"/>) ↔ a 4-channel latent at 1/4 resolution, trained from scratch (no pretrained VAE can be
/// had here). The latent is bounded by tanh so that it lives on the [−1, 1] scale the noise schedule assumes; the
/// LDR condition goes through the same encoder.
/// <para>
/// The decoder is conditional: it also sees the LDR condition c (the recorded frame in the same domain), through a
/// small branch whose features are added at 1/4, 1/2 and 1, and it returns c plus a residual (its last convolution
/// starts at zero, so an untrained decoder returns c). The measured pixels are kept by the method wherever they are
/// not clipped (vitm-tc Eq. 1), so the latent only has to carry what the frame did not record — the radiance above
/// the clip point — instead of the whole picture at 1/12 of its values (the plain autoencoder of the first runs
/// reached 26.6 dB PSNR-μ and was below the clip value in clipped pixels). Children "encoder", "condition", "decoder".
/// </para>
/// <para>
/// With <see cref="LdmConfig.GatedCondition"/> the branch's features are multiplied by <see cref="ConditionGate"/>
/// (closed where the condition clips): without it the decoder learned to guess the excess from the condition's shape
/// and left the latent unused, so the diffusion prior could not change the result (docs/results.md).
/// With <see cref="LdmConfig.MaskCondition"/> the branch sees only α (where the condition clips), not its values.
/// </para>
/// </summary>
public sealed class LatentAutoencoder : Module
{
    private readonly Sequential _encoder;
    private readonly Conv2d _c1, _c2, _c4;
    private readonly Conv2d _d0, _u2, _u1a, _u1b, _out;
    private readonly ConvResBlock _q1, _q2, _h1;
    private readonly bool _gated, _mask, _excess;

    public LatentAutoencoder(LdmConfig c, Rng rng)
    {
        Module Act() => new Activation(ActivationKind.Silu);
        (_gated, _mask, _excess) = (c.GatedCondition, c.MaskCondition, c.ExcessInput);
        _encoder = RegisterModule("encoder", new Sequential(
            new Conv2d(c.ExcessInput ? 6 : 3, c.Ae1, 3, rng, padding: 1), Act(),
            new Conv2d(c.Ae1, c.Ae2, 3, rng, stride: 2, padding: 1),
            new ConvResBlock(c.Ae2, rng), Act(),
            new Conv2d(c.Ae2, c.Ae3, 3, rng, stride: 2, padding: 1),
            new ConvResBlock(c.Ae3, rng),
            new ConvResBlock(c.Ae3, rng), Act(),
            new Conv2d(c.Ae3, LdmConfig.LatentChannels, 3, rng, padding: 1)));
        var cond = RegisterModule("condition", new ModuleList<Conv2d>(new[]
        {
            new Conv2d(c.MaskCondition ? 1 : 3, c.Ae1, 3, rng, padding: 1),
            new Conv2d(c.Ae1, c.Ae2, 3, rng, stride: 2, padding: 1),
            new Conv2d(c.Ae2, c.Ae3, 3, rng, stride: 2, padding: 1),
        }));
        (_c1, _c2, _c4) = (cond[0], cond[1], cond[2]);
        var dec = RegisterModule("decoder", new ModuleList<Module>(new Module[]
        {
            new Conv2d(LdmConfig.LatentChannels, c.Ae3, 3, rng, padding: 1),
            new ConvResBlock(c.Ae3, rng),
            new ConvResBlock(c.Ae3, rng),
            new Conv2d(c.Ae3, c.Ae2, 3, rng, padding: 1),
            new ConvResBlock(c.Ae2, rng),
            new Conv2d(c.Ae2, c.Ae1, 3, rng, padding: 1),
            new Conv2d(c.Ae1, c.Ae1, 3, rng, padding: 1),
            new ZeroConv3(c.Ae1, 3, rng),
        }));
        _d0 = (Conv2d)dec[0];
        _q1 = (ConvResBlock)dec[1];
        _q2 = (ConvResBlock)dec[2];
        _u2 = (Conv2d)dec[3];
        _h1 = (ConvResBlock)dec[4];
        _u1a = (Conv2d)dec[5];
        _u1b = (Conv2d)dec[6];
        _out = (Conv2d)dec[7];
        if (c.HeInit)
            foreach (var (name, p) in NamedParameters())
                if (p.Rank == 4 && !ReferenceEquals(p, _out.Weight))
                {
                    Init.KaimingUniform(p, rng, a: 0);
                    if (name.EndsWith("conv2.weight", StringComparison.Ordinal))
                        foreach (ref float w in p.Span) w *= 0.3f;
                }
    }

    /// <summary>[B, 3, H, W] (H, W multiples of 4) → latent [B, 4, H/4, W/4] in (−1, 1).</summary>
    /// <remarks>With <see cref="LdmConfig.ExcessInput"/>, <paramref name="condition"/> is the LDR frame x was recorded as
    /// (null: x is itself a condition, excess 0).</remarks>
    public Tensor Encode(Tensor x, Tensor? condition = null) => EncodeLogits(x, condition).Tanh();

    /// <summary>The encoder's output before the tanh (what stage 1's saturation penalty sees).</summary>
    public Tensor EncodeLogits(Tensor x, Tensor? condition = null)
    {
        CheckImage(x, "Encode");
        if (!_excess) return _encoder.Forward(x);
        var excess = condition is null ? Tensor.Zeros(x.Shape, x.Device) : x - condition;
        return _encoder.Forward(Tensor.Concat(new[] { x, excess }, 1));
    }

    /// <summary>The latent [B, 4, h, w] and the condition [B, 3, 4h, 4w] → the image [B, 3, 4h, 4w] and the decoder's features.</summary>
    public DecoderOutput Decode(Tensor z, Tensor condition)
    {
        if (z.Rank != 4 || z.Shape[1] != LdmConfig.LatentChannels)
            throw new ArgumentException($"LatentAutoencoder.Decode needs a latent [B, {LdmConfig.LatentChannels}, h, w], got {Tensor.ShapeString(z.Shape)}");
        CheckImage(condition, "Decode");
        if (condition.Shape[0] != z.Shape[0] || condition.Shape[2] != z.Shape[2] * LdmConfig.Down || condition.Shape[3] != z.Shape[3] * LdmConfig.Down)
            throw new ArgumentException($"LatentAutoencoder.Decode: condition {Tensor.ShapeString(condition.Shape)} does not match latent {Tensor.ShapeString(z.Shape)} ×{LdmConfig.Down}");
        var f1 = _c1.Forward(_mask ? ConditionGate.Alpha(condition) : condition).Silu();
        var f2 = _c2.Forward(f1).Silu();
        var f4 = _c4.Forward(f2).Silu();
        if (_gated)
        {
            var (g1, g2, g4) = ConditionGate.Of(condition);
            (f1, f2, f4) = (f1 * g1, f2 * g2, f4 * g4);
        }
        var q = _q2.Forward(_q1.Forward(_d0.Forward(z).Silu() + f4)).Silu();
        var h = _h1.Forward(_u2.Forward(Functional.UpsampleNearest(q, 2)).Silu() + f2).Silu();
        var f = _u1b.Forward(_u1a.Forward(Functional.UpsampleNearest(h, 2)).Silu() + f1).Silu();
        return new DecoderOutput(condition + _out.Forward(f), q, h, f);
    }

    /// <summary>The round trip of <paramref name="x"/> decoded beside <paramref name="condition"/>.</summary>
    public Tensor RoundTrip(Tensor x, Tensor condition) => Decode(Encode(x, condition), condition).Image;

    public override Tensor Forward(Tensor x) => RoundTrip(x, x);

    private static void CheckImage(Tensor x, string what)
    {
        if (x.Rank != 4 || x.Shape[1] != 3 || x.Shape[2] % LdmConfig.Down != 0 || x.Shape[3] % LdmConfig.Down != 0)
            throw new ArgumentException($"LatentAutoencoder.{what} needs [B, 3, H, W] with H, W multiples of {LdmConfig.Down}, got {Tensor.ShapeString(x.Shape)}");
    }

    /// <summary>A 3×3 convolution that starts at zero (weights and bias), so the decoder starts as the identity on c.</summary>
    private sealed class ZeroConv3 : Conv2d
    {
        public ZeroConv3(int cin, int cout, Rng rng) : base(cin, cout, 3, rng, padding: 1)
        {
            Weight.Span.Clear();
            Bias!.Span.Clear();
        }
    }
}
