namespace HdrOfx.Engine.Classical;

/// <summary>Parameters of <see cref="ExposureMerge"/> (docs/classical.md §3). Values are in raw linear units (1 = clip).</summary>
public sealed class MergeOptions
{
    public static readonly MergeOptions Default = new();

    /// <summary>Raw value (max of RGB) at which a pixel counts as clipped: the hat is 0 from here on.</summary>
    public float ClipThreshold { get; init; } = 0.97f;

    /// <summary>The hat starts rolling off towards the clip here.</summary>
    public float HighKnee { get; init; } = 0.80f;

    /// <summary>The reference's hat rises from 0 to 1 over [0, NoiseKnee·σ_ref]; 0 (default) = no low ramp: the
    /// inverse-variance weights already handle its noise, and a black reference pixel (below one code value) is still
    /// better evidence than a neighbour's noise.</summary>
    public float NoiseKnee { get; init; }

    /// <summary>A neighbour's hat rises from 0 to 1 over [Lo·σ, Hi·σ] of its own noise σ.</summary>
    public (float Lo, float Hi) NeighbourNoiseFloor { get; init; } = (1f, 4f);

    /// <summary>
    /// κ: relative error of a warped neighbour (residual misalignment, bilinear blur). Its variance (κH)² is added to the
    /// neighbour's noise variance in the inverse-variance weights, so a clean reference is preferred where it is well exposed.
    /// </summary>
    public float AlignmentError { get; init; } = 0.03f;

    /// <summary>Lower bound on the per-frame noise σ (raw units) used in the weights.</summary>
    public float MinNoiseSigma { get; init; } = 3e-5f;

    /// <summary>The reference's weight never drops below this, so it is the fallback where nothing else is trusted.</summary>
    public float ReferenceFloor { get; init; } = 1e-9f;

    /// <summary>
    /// Ghost test: |H_i − H_ref|·e_ref ≤ abs + RelTolerance·max(…) counts as a match, where
    /// abs = AbsFloor + NoiseK·sqrt(σ_ref² + (σ_i e_ref/e_i)²) with σ the per-frame noise (raw units), estimated from
    /// the frames unless <see cref="NoiseSigma"/> is set. Blocks (working resolution) average s² pixels: σ/s.
    /// </summary>
    public float? NoiseSigma { get; init; }
    public float NoiseK { get; init; } = 3f;
    public float AbsFloor { get; init; } = 0.001f;
    public float RelTolerance { get; init; } = 0.08f;

    /// <summary>Same test per full-resolution pixel (noisier, so a larger floor and relative tolerance).</summary>
    public float PixelAbsFloor { get; init; } = 0.002f;
    public float PixelRelTolerance { get; init; } = 0.12f;

    /// <summary>Where the reference is clipped, a neighbour reading below this fraction of the clip level is a ghost.</summary>
    public float ClippedGhostRatio { get; init; } = 0.75f;

    /// <summary>Radius (working-resolution pixels) of the box blur applied to the trust maps (avoids seams).</summary>
    public int TrustBlurRadius { get; init; } = 1;

    /// <summary>Reference luminance below this is reported as "too dark" in the saturation mask.</summary>
    public float DarkThreshold { get; init; } = 0.01f;
}
