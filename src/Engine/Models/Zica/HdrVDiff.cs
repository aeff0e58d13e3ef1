using HdrOfx.Engine.Models.Ldm;
using HdrOfx.Engine.Tensors;

namespace HdrOfx.Engine.Models.Zica;

/// <summary>
/// The whole HDR-V-Diff network (§3, DESIGN §5): the frozen <see cref="TcamNet"/>, the frozen <see cref="HdrLdm"/>
/// that supplies the prior, and the trained <see cref="ZicaModule"/> that fuses the prior into the temporal decoder.
/// </summary>
public sealed class HdrVDiff : IDisposable
{
    public TcamNet Tcam { get; }
    public HdrLdm Ldm { get; }
    public ZicaModule Zica { get; }

    /// <summary>The <see cref="PriorSkip"/> gain; the module's (from its weights file) unless given.</summary>
    public float PriorGain { get; }

    public HdrVDiff(TcamNet tcam, HdrLdm ldm, ZicaModule zica, float? priorGain = null)
    {
        Tcam = tcam;
        Ldm = ldm;
        Zica = zica;
        PriorGain = priorGain ?? zica.PriorGain;
        if (PriorGain is not (>= 0f and <= 1f)) throw new ArgumentOutOfRangeException(nameof(priorGain), $"prior gain {PriorGain} must be 0 to 1");
    }

    /// <summary>A fresh, untrained (zero-init) ZiCA module sized for <paramref name="tcam"/> and <paramref name="ldm"/>.</summary>
    public static ZicaModule NewModule(ZicaConfig config, TcamNet tcam, HdrLdm ldm, Rng rng) => new(config, tcam.Config, ldm.Config, rng);

    public PriorSample Prior(TcamSample sample, int steps) =>
        PriorFeatures.Sample(Ldm, sample.ReferenceFrame ?? throw new ArgumentException("the sample does not carry its reference frame"), steps);

    /// <summary>The μ-law residual over the classical merge with the prior fused at strength λ (λ = 0: the `tcam` residual).</summary>
    public Tensor Residual(TcamBatch batch, FeaturePyramid prior, float lambda) =>
        Tcam.Residual(batch, lambda == 0f ? null : Zica.Fusion(prior, lambda));

    /// <summary>Disposes the ZiCA module only: the TCAM and HDR-LDM models may be shared.</summary>
    public void Dispose() => Zica.Dispose();
}
