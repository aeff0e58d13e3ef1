using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.Reconstruction;

namespace HdrOfx.Engine.Models.Ldm;

/// <summary>
/// The `hdr-ldm` method, for single-exposure footage: each frame's HDR estimate from itself alone. HDR-LDM samples
/// an estimate Y (<see cref="HdrLdm.Sample"/>) and the measured radiance v/2^EV is kept where it is not clipped,
/// blended by the soft over-exposure mask (vitm-tc Eq. 1): Ĥ = (1 − kα)·v/2^EV + kα·max(Y, v/2^EV) — a clipped pixel's
/// radiance is at least what it recorded, so the estimate never darkens one — with k the highlight-recovery
/// strength (<see cref="ReconstructOptions.HighlightRecovery"/>; 0 gives the `single` result). Diagnostics: the
/// saturation plane is kα.
/// </summary>
public sealed class HdrLdmReconstruction : IReconstructionMethod
{
    public const string MethodName = "hdr-ldm";
    /// <summary>The seed of the positional noise: fixed, so every render of a frame is the same.</summary>
    public const ulong NoiseSeed = 14;
    private readonly Func<HdrLdm> _model;

    public HdrLdmReconstruction(Func<HdrLdm> model) => _model = model;

    public HdrLdmReconstruction(HdrLdm model) : this(() => model) { }

    public string Name => MethodName;

    public ReconstructResult Reconstruct(IReadOnlyList<FrameInput?> frames, int refIndex, ReconstructOptions options, CancellationToken cancel)
    {
        Reconstructor.Validate(frames, refIndex);
        var r = frames[refIndex]!;
        foreach (var f in frames)
            if (f is not null && f.Ev != r.Ev)
                throw new ArgumentException(Reconstructor.SingleOnlyMessage(MethodName));
        var model = _model(); // loaded even when nothing is clipped: missing weights are an error on every frame, not on some
        float k = Math.Clamp(options.HighlightRecovery, 0f, 1f);
        var alpha = Mask(r.Linear, k, out bool any);
        cancel.ThrowIfCancellationRequested();
        var y = any ? model.Sample(r.Linear, r.Ev, options.DiffusionSteps, NoiseSeed) : null;
        var hdr = Blend(r, y, alpha);
        return new ReconstructResult(hdr, options.Diagnostics ? new ImageF(r.Linear.Width, r.Linear.Height, 1, alpha) : null);
    }

    /// <summary>The soft over-exposure mask α of the frame times <paramref name="k"/>; <paramref name="any"/>: some pixel has kα &gt; 0.</summary>
    public static float[] Mask(ImageF linear, float k, out bool any)
    {
        var alpha = SoftClipMask.Of(linear);
        any = false;
        for (int p = 0; p < alpha.Length; p++)
        {
            alpha[p] *= k;
            any |= alpha[p] > 0f;
        }
        return alpha;
    }

    /// <summary>Ĥ = (1 − kα)·v/2^EV + kα·max(Y, v/2^EV) (vitm-tc Eq. 1), with <paramref name="alpha"/> = kα; Y null: the measured frame.</summary>
    public static ImageF Blend(FrameInput frame, float[]? y, float[] alpha)
    {
        var lin = frame.Linear;
        int n = lin.PlaneSize;
        var hdr = new ImageF(lin.Width, lin.Height, 3);
        float inv = (float)(1.0 / frame.Exposure);
        for (int c = 0; c < 3; c++)
            for (int p = 0; p < n; p++)
            {
                int i = c * n + p;
                float measured = lin.Data[i] * inv;
                hdr.Data[i] = y is null || alpha[p] == 0f ? measured : (1f - alpha[p]) * measured + alpha[p] * MathF.Max(y[i], measured);
            }
        return hdr;
    }
}

/// <summary>Registration of `hdr-ldm` (by the CLI's and the plug-in's start-up code); weights from <see cref="LdmWeights.Shared"/>.</summary>
public static class LdmMethods
{
    public static void Register() =>
        Reconstructor.Register(HdrLdmReconstruction.MethodName, () => new HdrLdmReconstruction(LdmWeights.Shared), ExposureInput.Single);
}
