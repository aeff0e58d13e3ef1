namespace HdrOfx.Engine.Reconstruction;

public sealed class ReconstructOptions
{
    /// <summary>Registered method name (see <see cref="Reconstructor"/>).</summary>
    public string Method { get; init; } = "classical";

    /// <summary>Compute the diagnostic planes (saturation mask, alignment confidence).</summary>
    public bool Diagnostics { get; init; }

    /// <summary>
    /// Optional known flows for the "oracle" merge: GivenFlows[i] is a 2-channel image (dx, dy in pixels)
    /// such that frame i sampled at p + flow(p) lines up with the reference at p (backward warping).
    /// </summary>
    public IReadOnlyList<Imaging.ImageF?>? GivenFlows { get; init; }

    /// <summary>DDIM steps of the diffusion methods (`hdr-ldm`, `hdr-v-diff`), 1 to 50.</summary>
    public int DiffusionSteps { get; init; } = Models.Ldm.DdimSampler.DefaultSteps;

    /// <summary>Highlight-recovery strength of `hdr-ldm`, 0 to 1: how much of its estimate replaces clipped pixels.</summary>
    public float HighlightRecovery { get; init; } = 1f;

    /// <summary>Prior strength λ of `hdr-v-diff` (Eq. 6), 0 to 1: 0 gives the `tcam` result, 1 is what it was trained with.</summary>
    public float PriorStrength { get; init; } = 1f;
}
