using HdrOfx.Engine.Reconstruction;

namespace HdrOfx.Engine.Models.Zica;

/// <summary>
/// The `hdr-v-diff` method (hdr-v-diff §3, DESIGN §5): the `tcam` method's classical merge, flows and network, with
/// the HDR-LDM prior of the reference frame fused into the temporal decoder by ZiCA at strength
/// λ = <see cref="ReconstructOptions.PriorStrength"/> (0: exactly `tcam`, and HDR-LDM is not run), sampled in
/// <see cref="ReconstructOptions.DiffusionSteps"/> DDIM steps from noise fixed by pixel position; then the prior's
/// radiance where every frame of the window clips, at λ times <see cref="HdrVDiff.PriorGain"/> (<see cref="PriorSkip"/>).
/// </summary>
public sealed class HdrVDiffReconstruction : IReconstructionMethod
{
    public const string MethodName = "hdr-v-diff";
    public const float MaxPriorStrength = 1f;
    private readonly Func<HdrVDiff> _model;

    public HdrVDiffReconstruction(Func<HdrVDiff> model) => _model = model;

    public HdrVDiffReconstruction(HdrVDiff model) : this(() => model) { }

    public string Name => MethodName;

    public ReconstructResult Reconstruct(IReadOnlyList<FrameInput?> frames, int refIndex, ReconstructOptions options, CancellationToken cancel)
    {
        Reconstructor.Validate(frames, refIndex);
        float lambda = options.PriorStrength;
        if (!(lambda is >= 0f and <= MaxPriorStrength)) throw new ArgumentException($"prior strength {lambda} must be 0 to {MaxPriorStrength}");
        var model = _model();
        var (classical, sample) = TcamReconstruction.Prepare(frames, refIndex, options, cancel);
        if (sample is null) return classical;
        var prior = lambda == 0f ? null : model.Prior(sample, options.DiffusionSteps);
        cancel.ThrowIfCancellationRequested();
        var residual = TcamReconstruction.Infer(model.Tcam, sample,
            prior is null ? null : () => model.Zica.Fusion(PriorFeatures.Stack([prior], model.Ldm.Config), lambda));
        var hdr = TcamReconstruction.ApplyResidual(sample, residual);
        float gain = lambda * model.PriorGain;
        if (prior is not null && gain > 0f) hdr = PriorSkip.Apply(hdr, prior.Radiance, PriorSkip.WindowMask(frames), gain);
        return classical.ReplaceHdr(hdr);
    }
}

/// <summary>Registration of `hdr-v-diff` (by the CLI's and the plug-in's start-up code); weights from <see cref="ZicaWeights.Shared"/>.</summary>
public static class HdrVDiffMethods
{
    public static void Register() => Reconstructor.Register(HdrVDiffReconstruction.MethodName, () => new HdrVDiffReconstruction(ZicaWeights.Shared));
}
