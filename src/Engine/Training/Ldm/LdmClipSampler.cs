using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.Synthesis;

namespace HdrOfx.Engine.Training.Ldm;

/// <summary>
/// HDR-LDM's training crops made the way the benchmark makes its clips (DESIGN §4; the synthetic data of DiffHDR and
/// VITM-TC): the one frame of a clip synthesized at the crop size from a random training background and a different
/// foreground, with a random pattern (so EV ∈ {±1, ±1.5, −2, 0, 2}), the clip's exposure normalization, camera
/// response (gamma 2.2, sRGB or an inverse sigmoid), bit depth (8, 10, 12), noise and flips; the frame linearized with
/// its own response, the truth in the units where the recorded value is truth·2^EV. A draw with under
/// <see cref="MinNearClipFraction"/> of its pixels near the clip point is drawn again (up to <see cref="MaxDraws"/>):
/// the loss of stage 1 lives in those pixels, and a batch with a few hundred of them trained nothing. (The first runs' crops set the
/// clip point at a percentile of each crop instead, and the denoiser trained on them placed far too much radiance
/// above the clip point of the benchmark's frames; docs/models.md.) Everything derives from (seed, step, index).
/// </summary>
public sealed class LdmClipSampler : ILdmCropSource
{
    private readonly IReadOnlyList<ImageF> _panoramas;
    private readonly int _crop;
    private readonly ulong _seed;

    /// <param name="panoramas">The training panoramas only (<see cref="PanoramaSplit.Training"/>), or the validation ones for validation crops; at least 2.</param>
    public LdmClipSampler(IReadOnlyList<ImageF> panoramas, int crop, ulong seed)
    {
        if (panoramas.Count < 2) throw new ArgumentException("the clip sampler needs at least two panoramas (background and foreground)");
        if (crop < 16 || crop % 16 != 0) throw new ArgumentException($"crop {crop} must be a multiple of 16, at least 16");
        _panoramas = panoramas;
        _crop = crop;
        _seed = seed;
    }

    public int CropSize => _crop;

    /// <summary>A crop needs at least this fraction of pixels with α &gt; 0 (<see cref="Models.Ldm.SoftClipMask"/>): what HDR-LDM is trained for.</summary>
    public const double MinNearClipFraction = 0.005;
    /// <summary>Draws per crop before the last one is taken as it is.</summary>
    public const int MaxDraws = 8;

    public LdmCrop Crop(long step, int index)
    {
        LdmCrop crop = null!;
        for (int draw = 0; draw < MaxDraws; draw++)
        {
            crop = Draw(SynthRandom.Fork(_seed, 400 + (ulong)index + 1000 * (ulong)draw, (ulong)step));
            if (NearClipFraction(crop.Linear) >= MinNearClipFraction) break;
        }
        return crop;
    }

    public static double NearClipFraction(ImageF linear) => Models.Ldm.SoftClipMask.Of(linear).Count(a => a > 0f) / (double)linear.PlaneSize;

    private LdmCrop Draw(SynthRandom rng)
    {
        var pattern = rng.NextInt(3) switch { 0 => SynthPattern.TwoGap2, 1 => SynthPattern.TwoGap3, _ => SynthPattern.Three };
        int len = pattern == SynthPattern.Three ? 3 : 2;
        int bg = rng.NextInt(_panoramas.Count);
        int fg = (bg + 1 + rng.NextInt(_panoramas.Count - 1)) % _panoramas.Count;
        var o = new SynthOptions
        {
            Seed = rng.NextULong(),
            Frames = 1,
            Width = _crop,
            Height = _crop,
            Pattern = pattern,
            Phase = rng.NextInt(len),
            PanSpeed = rng.Uniform(0.5, 4),
            ForegroundSpeed = rng.Uniform(1, 6),
            ForegroundCount = 1 + rng.NextInt(2),
            Crf = rng.NextInt(3) switch { 0 => CrfKind.Gamma22, 1 => CrfKind.Srgb, _ => CrfKind.InverseSigmoid },
            BitDepth = new[] { 8, 10, 12 }[rng.NextInt(3)],
            MotionBlur = false,
            MaxThreads = 1,
        };
        var clip = ClipSynthesizer.Generate(o, _panoramas[bg], _panoramas[fg]);
        const int t = 0; // the phase picks its slot of the pattern, hence its EV
        bool fh = rng.NextInt(2) == 0, fv = rng.NextInt(2) == 0;
        var lin = ImageFlips.Flip(clip.Ldr[t], fh, fv).Clone();
        clip.Crf.Invert(lin.Data);
        for (int i = 0; i < lin.Data.Length; i++) lin.Data[i] = Math.Clamp(lin.Data[i], 0f, 1f);
        return LdmCrop.FromFrame(ImageFlips.Flip(clip.Hdr[t], fh, fv).Clone(), lin, clip.Evs[t]);
    }
}
