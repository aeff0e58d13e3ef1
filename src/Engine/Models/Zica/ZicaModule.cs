using HdrOfx.Engine.Models.Ldm;
using HdrOfx.Engine.Nn;
using HdrOfx.Engine.Tensors;

namespace HdrOfx.Engine.Models.Zica;

/// <summary>
/// HDR-V-Diff's reconstruction module (§3.3, Fig. 2 c): one <see cref="ZicaBlock"/> per scale of the frozen temporal
/// decoder, each fusing the HDR-LDM decoder's feature of that scale into the decoder's feature (Eq. 6). The fused
/// features go on through the decoder's own upsampling and merging up to its zero-initialized head, so the output
/// stays a μ-law residual over the classical merge (DESIGN §5), and λ = 0 or an untrained module (Z = 0) leaves the
/// `tcam` result unchanged bit for bit (λ = 0 holds for the ablations too; zero-init only for ZiCA itself).
/// Children "quarter", "half", "full".
/// </summary>
public sealed class ZicaModule : Module
{
    public ZicaConfig Config { get; }
    private readonly ZicaBlock _quarter, _half, _full;
    private float _priorGain;

    /// <summary>
    /// The gain of <see cref="PriorSkip"/> (0 to 1; 0 in a new module): not a trained parameter but chosen on the tuning
    /// clips after stage 4 and stored in the weights file's metadata ("prior_gain").
    /// </summary>
    public float PriorGain
    {
        get => _priorGain;
        set => _priorGain = value is >= 0f and <= 1f ? value : throw new ArgumentOutOfRangeException(nameof(value), $"prior gain {value} must be 0 to 1");
    }

    public ZicaModule(ZicaConfig config, TcamConfig tcam, LdmConfig ldm, Rng rng)
    {
        Config = config;
        _quarter = RegisterModule("quarter", new ZicaBlock(tcam.C3, ldm.Ae3, config.HeadsQuarter, rng, config.Integration));
        _half = RegisterModule("half", new ZicaBlock(tcam.C2, ldm.Ae2, config.HeadsHalf, rng, config.Integration));
        _full = RegisterModule("full", new ZicaBlock(tcam.C1, ldm.Ae1, config.HeadsFull, rng, config.Integration));
    }

    /// <summary>The decoder hook for the prior features <paramref name="prior"/> (batch-aligned) at strength λ.</summary>
    public ITemporalFusion Fusion(FeaturePyramid prior, float lambda) => new Hook(this, prior, lambda);

    private sealed class Hook(ZicaModule m, FeaturePyramid prior, float lambda) : ITemporalFusion
    {
        public Tensor Fuse(FeatureScale scale, Tensor temporal) => scale switch
        {
            FeatureScale.Quarter => m._quarter.Forward(temporal, prior.Quarter, lambda),
            FeatureScale.Half => m._half.Forward(temporal, prior.Half, lambda),
            _ => m._full.Forward(temporal, prior.Full, lambda),
        };
    }
}
