using HdrOfx.Engine.Nn;
using HdrOfx.Engine.Tensors;

namespace HdrOfx.Engine.Models.Ldm;

/// <summary>
/// HDR-LDM's denoiser ε_θ (hdr-v-diff §3.1): a time-conditioned U-Net as in Rombach et al. 2022 with its
/// self-attention replaced by MaxViT blocks (block + grid attention, Tu et al. 2022) at 1/2 and 1/4 of the latent
/// resolution. Input: the noisy latent z_t concatenated with the condition (<see cref="DenoiserCondition"/>: the LDR
/// condition's latent and its pooled planes, 14 channels in all). The timestep t
/// and the condition's exposure value are each embedded sinusoidally (the exposure embedding of Eq. 4) and passed
/// through their own two-layer MLP; the two are summed and every residual block receives the sum ("the same way as
/// time embedding"). Output: the predicted noise ε (Eq. 5). Latent sides must be multiples of 4·P.
/// With <see cref="LdmConfig.VSkip"/> the network's output F is not ε itself but ε = √(1 − ᾱ_t)·z_t + √ᾱ_t·F (F is then
/// the "v" of Salimans &amp; Ho 2022, §4): the model still returns ε, Eq. 5 and DDIM still use ε, but at t ≈ T, where
/// ε ≈ z_t, the network no longer has to reproduce its input to 10⁻³ for x₀ = (z_t − √(1 − ᾱ)ε)/√ᾱ to be right.
/// </summary>
public sealed class LatentDenoiser : Module
{
    public LdmConfig Config { get; }
    private readonly SinusoidalEmbedding _sin;
    private readonly Sequential _timeMlp, _expMlp;
    private readonly Conv2d _in, _down1, _down2, _up2, _up1;
    private readonly EmbeddedResBlock _r0, _r1, _m0, _m1, _u1, _u0;
    private readonly MaxVitBlock _v1, _vm, _vu1;
    private readonly GroupNorm _outNorm;
    private readonly Conv2d _out;
    private readonly NoiseSchedule _schedule;

    public LatentDenoiser(LdmConfig c, Rng rng)
    {
        Config = c;
        _schedule = NoiseSchedule.For(c);
        int e = c.EmbeddingDim;
        _sin = new SinusoidalEmbedding(e);
        _timeMlp = RegisterModule("time_mlp", new Sequential(new Linear(e, e, rng), new Activation(ActivationKind.Silu), new Linear(e, e, rng)));
        _expMlp = RegisterModule("exposure_mlp", new Sequential(new Linear(e, e, rng), new Activation(ActivationKind.Silu), new Linear(e, e, rng)));
        _in = RegisterModule("in", new Conv2d(LdmConfig.LatentChannels + LdmConfig.ConditionChannels, c.Den1, 3, rng, padding: 1));
        _r0 = RegisterModule("res0", new EmbeddedResBlock(c.Den1, c.Den1, e, rng));
        _down1 = RegisterModule("down1", new Conv2d(c.Den1, c.Den2, 3, rng, stride: 2, padding: 1));
        _r1 = RegisterModule("res1", new EmbeddedResBlock(c.Den2, c.Den2, e, rng));
        _v1 = RegisterModule("vit1", new MaxVitBlock(c.Den2, c.Heads, c.Partition, rng, mlpRatio: 2));
        _down2 = RegisterModule("down2", new Conv2d(c.Den2, c.Den3, 3, rng, stride: 2, padding: 1));
        _m0 = RegisterModule("mid0", new EmbeddedResBlock(c.Den3, c.Den3, e, rng));
        _vm = RegisterModule("mid_vit", new MaxVitBlock(c.Den3, c.Heads, c.Partition, rng, mlpRatio: 2));
        _m1 = RegisterModule("mid1", new EmbeddedResBlock(c.Den3, c.Den3, e, rng));
        _up2 = RegisterModule("up2", new Conv2d(c.Den3, c.Den2, 3, rng, padding: 1));
        _u1 = RegisterModule("up_res1", new EmbeddedResBlock(2 * c.Den2, c.Den2, e, rng));
        _vu1 = RegisterModule("up_vit1", new MaxVitBlock(c.Den2, c.Heads, c.Partition, rng, mlpRatio: 2));
        _up1 = RegisterModule("up1", new Conv2d(c.Den2, c.Den1, 3, rng, padding: 1));
        _u0 = RegisterModule("up_res0", new EmbeddedResBlock(2 * c.Den1, c.Den1, e, rng));
        _outNorm = RegisterModule("out_norm", new GroupNorm(EmbeddedResBlock.Groups(c.Den1), c.Den1));
        _out = RegisterModule("out", new Conv2d(c.Den1, LdmConfig.LatentChannels, 3, rng, padding: 1));
    }

    /// <summary>
    /// The exposure embedding (Eq. 4) [B, E] of the condition's exposure values: sinusoidal, computed like the time
    /// embedding (Rombach et al. 2022), E(e)_i = cos(e·10000^(−i/h)), E(e)_{h+i} = sin(e·10000^(−i/h)), h = E/2.
    /// </summary>
    public Tensor ExposureEmbedding(ReadOnlySpan<float> ev) => _sin.Embed(ev);

    /// <summary>The summed time and exposure embedding [B, E] for timesteps <paramref name="t"/> and exposure values <paramref name="ev"/>.</summary>
    public Tensor Embedding(ReadOnlySpan<float> t, ReadOnlySpan<float> ev) =>
        _timeMlp.Forward(_sin.Embed(t)) + _expMlp.Forward(ExposureEmbedding(ev));

    /// <summary>ε_θ(z_t ‖ c, t, e): <paramref name="zt"/> [B, 4, h, w], <paramref name="cond"/> [B, 10, h, w] (<see cref="DenoiserCondition"/>).</summary>
    public Tensor Forward(Tensor zt, Tensor cond, ReadOnlySpan<float> t, ReadOnlySpan<float> ev)
    {
        int m = 4 * Config.Partition;
        if (zt.Rank != 4 || zt.Shape[1] != LdmConfig.LatentChannels || cond.Rank != 4 || cond.Shape[1] != LdmConfig.ConditionChannels
            || cond.Shape[0] != zt.Shape[0] || cond.Shape[2] != zt.Shape[2] || cond.Shape[3] != zt.Shape[3] || zt.Shape[2] % m != 0 || zt.Shape[3] % m != 0)
            throw new ArgumentException($"LatentDenoiser needs z_t [B, {LdmConfig.LatentChannels}, h, w] and the condition [B, {LdmConfig.ConditionChannels}, h, w] with h, w multiples of {m}, got {Tensor.ShapeString(zt.Shape)} and {Tensor.ShapeString(cond.Shape)}");
        if (t.Length != zt.Shape[0] || ev.Length != zt.Shape[0])
            throw new ArgumentException($"LatentDenoiser: {t.Length} timesteps and {ev.Length} exposures for a batch of {zt.Shape[0]}");
        var emb = Embedding(t, ev);
        var s0 = _r0.Forward(_in.Forward(Tensor.Concat(new[] { zt, cond }, 1)), emb);
        var s1 = _v1.Forward(_r1.Forward(_down1.Forward(s0), emb));
        var mid = _m1.Forward(_vm.Forward(_m0.Forward(_down2.Forward(s1), emb)), emb);
        var u1 = _vu1.Forward(_u1.Forward(Tensor.Concat(new[] { _up2.Forward(Functional.UpsampleNearest(mid, 2)), s1 }, 1), emb));
        var u0 = _u0.Forward(Tensor.Concat(new[] { _up1.Forward(Functional.UpsampleNearest(u1, 2)), s0 }, 1), emb);
        var f = _out.Forward(_outNorm.Forward(u0).Silu());
        if (!Config.VSkip) return f;
        int b = zt.Shape[0];
        var (signal, noise) = _schedule.Scales(t);
        return zt * Tensor.FromArray(noise, b, 1, 1, 1) + f * Tensor.FromArray(signal, b, 1, 1, 1);
    }
}
