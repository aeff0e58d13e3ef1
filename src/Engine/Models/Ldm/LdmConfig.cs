using System.Globalization;

namespace HdrOfx.Engine.Models.Ldm;

/// <summary>
/// Size of HDR-LDM (DESIGN §5): the autoencoder's channels at 1, 1/2 and 1/4 resolution (×4 down, 4 latent
/// channels), the denoiser's channels at latent resolution, 1/2 and 1/4 of it (MaxViT blocks at the last two),
/// the embedding width, and the noise schedule (T steps, β from <see cref="BetaStart"/> to <see cref="BetaEnd"/>).
/// </summary>
public sealed record LdmConfig
{
    public const int LatentChannels = 4;
    /// <summary>Autoencoder downsampling factor (two stride-2 convolutions).</summary>
    public const int Down = 4;
    /// <summary>Channels of <see cref="DenoiserCondition"/>: the condition's latent and its 4×4 mean and maximum.</summary>
    public const int ConditionChannels = LatentChannels + 6;

    public string Name { get; init; } = "compact";
    public int Ae1 { get; init; } = 16;
    public int Ae2 { get; init; } = 32;
    public int Ae3 { get; init; } = 64;
    public int Den1 { get; init; } = 32;
    public int Den2 { get; init; } = 64;
    public int Den3 { get; init; } = 64;
    public int Heads { get; init; } = 2;
    /// <summary>MaxViT block/grid partition P (P×P windows and a P×P grid).</summary>
    public int Partition { get; init; } = 4;
    public int EmbeddingDim { get; init; } = 64;
    public int Timesteps { get; init; } = 1000;
    public double BetaStart { get; init; } = 0.00085;
    public double BetaEnd { get; init; } = 0.012;
    /// <summary>
    /// The decoder's condition branch is closed where the condition clips (<see cref="ConditionGate"/>), so the radiance
    /// above the clip point can only come from the latent.
    /// </summary>
    public bool GatedCondition { get; init; }
    /// <summary>
    /// The decoder's condition branch sees only where the condition clips (α of <see cref="ConditionGate.Alpha"/>), not
    /// its values, so how far above the clip point the radiance goes can only come from the latent.
    /// </summary>
    public bool MaskCondition { get; init; }
    /// <summary>
    /// Start the autoencoder's convolutions at He's scale (Kaiming uniform, a = 0; the residual blocks' second
    /// convolution at 0.3 of it) instead of the default a = √5, which shrinks every layer's signal: with it the
    /// encoder's gradients were 10⁵ times smaller than the decoder's last layer's and the latent never learned.
    /// </summary>
    public bool HeInit { get; init; }
    /// <summary>
    /// The encoder also sees the target's excess over its condition, x − c (zero when it encodes the condition itself):
    /// a conditional encoder E(x | c), whose latent carries the radiance above the clip point from the first step.
    /// </summary>
    public bool ExcessInput { get; init; }
    /// <summary>
    /// The denoiser returns ε = √(1 − ᾱ_t)·z_t + √ᾱ_t·F(·) (<see cref="LatentDenoiser"/>): its network learns v (Salimans &amp;
    /// Ho 2022) while the model stays an ε-predictor; a 1-step sample from pure noise is then F's own x₀ estimate, not a
    /// 14-fold amplification of its error.
    /// </summary>
    public bool VSkip { get; init; }

    public static LdmConfig Compact { get; } = new();

    /// <summary><see cref="Compact"/> with <see cref="GatedCondition"/>.</summary>
    public static LdmConfig Gated { get; } = new() { Name = "gated", GatedCondition = true };

    /// <summary><see cref="Compact"/> with <see cref="MaskCondition"/>, <see cref="HeInit"/> and <see cref="ExcessInput"/>: what `train --stage ae|ldm` makes by default.</summary>
    public static LdmConfig Masked { get; } = new() { Name = "masked", MaskCondition = true, HeInit = true, ExcessInput = true };

    /// <summary><see cref="Masked"/> with <see cref="VSkip"/> (the same autoencoder: stage 2 takes a `masked` stage-1 export).</summary>
    public static LdmConfig MaskedV { get; } = Masked with { Name = "masked-v", VSkip = true };

    /// <summary>For tests only.</summary>
    public static LdmConfig Tiny { get; } = new() { Name = "tiny", Ae1 = 4, Ae2 = 8, Ae3 = 8, Den1 = 8, Den2 = 8, Den3 = 8, Heads = 1, Partition = 2, EmbeddingDim = 8 };

    /// <summary>For tests only.</summary>
    public static LdmConfig TinyGated { get; } = Tiny with { Name = "tiny-gated", GatedCondition = true };

    /// <summary>For tests only.</summary>
    public static LdmConfig TinyMasked { get; } = Tiny with { Name = "tiny-masked", MaskCondition = true, HeInit = true, ExcessInput = true };

    /// <summary>For tests only.</summary>
    public static LdmConfig TinyMaskedV { get; } = TinyMasked with { Name = "tiny-masked-v", VSkip = true };

    /// <summary>Whether an autoencoder trained in this config loads into <paramref name="other"/>'s (the same shapes and behaviour).</summary>
    public bool SameAutoencoder(LdmConfig other) =>
        (Ae1, Ae2, Ae3, GatedCondition, MaskCondition, HeInit, ExcessInput) == (other.Ae1, other.Ae2, other.Ae3, other.GatedCondition, other.MaskCondition, other.HeInit, other.ExcessInput);

    /// <summary>Image sides must be multiples of this: ×4 autoencoder, then two ×2 levels whose sides the partition divides.</summary>
    public int SizeMultiple => Down * 4 * Partition;

    public static LdmConfig Parse(string name) => name switch
    {
        "compact" => Compact,
        "gated" => Gated,
        "tiny" => Tiny,
        "masked" => Masked,
        "tiny-gated" => TinyGated,
        "tiny-masked" => TinyMasked,
        "masked-v" => MaskedV,
        "tiny-masked-v" => TinyMaskedV,
        _ => throw new ArgumentException($"unknown HDR-LDM config '{name}'; known: compact, gated, masked, masked-v, tiny, tiny-gated, tiny-masked, tiny-masked-v"),
    };

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"name={Name} ae={Ae1}/{Ae2}/{Ae3} latent={LatentChannels}x{Down} denoiser={Den1}/{Den2}/{Den3} heads={Heads} partition={Partition} emb={EmbeddingDim} T={Timesteps} beta={BetaStart}..{BetaEnd}{(GatedCondition ? " gated-condition" : "")}{(MaskCondition ? " mask-condition" : "")}{(HeInit ? " he-init" : "")}{(ExcessInput ? " excess-input" : "")}{(VSkip ? " v-skip" : "")}");
}
