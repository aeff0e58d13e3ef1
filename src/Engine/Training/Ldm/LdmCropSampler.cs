using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.Models.Ldm;
using HdrOfx.Engine.Synthesis;

namespace HdrOfx.Engine.Training.Ldm;

/// <summary>
/// One training or validation crop of HDR-LDM: the truth <see cref="Radiance"/> in EV-0 units, the frame the camera
/// recorded at <see cref="Ev"/> (<see cref="Linear"/>, 1 = clip) and both in the autoencoder's domain
/// (<see cref="LdmDomain"/>): the target x₀ and the condition c.
/// </summary>
public sealed record LdmCrop(ImageF Radiance, ImageF Linear, double Ev, float[] Target, float[] Condition)
{
    /// <summary>The domain planes of a recorded frame (<paramref name="linear"/>, 1 = clip) and its truth in EV-0 units.</summary>
    public static LdmCrop FromFrame(ImageF radiance, ImageF linear, double ev)
    {
        var target = new float[linear.Data.Length];
        var cond = new float[linear.Data.Length];
        float s = LdmDomain.RadianceScale(ev);
        for (int i = 0; i < target.Length; i++)
        {
            target[i] = Models.MuLawDomain.Forward(radiance.Data[i], s);
            cond[i] = LdmDomain.Condition(linear.Data[i]);
        }
        return new LdmCrop(radiance, linear, ev, target, cond);
    }
}

/// <summary>Where HDR-LDM's training crops come from: `hdrofx train --stage ae|ldm --data crops|clips`.</summary>
public interface ILdmCropSource
{
    int CropSize { get; }
    LdmCrop Crop(long step, int index);
}

/// <summary>
/// Crops of the HDR panoramas at native resolution (DESIGN §4) for stages 1 and 2: a random panorama, position
/// (wrapping horizontally) and flips; the EV-0 clip level at a random percentile in [90, 99.5] of the crop's maximum
/// channel; the frame's EV uniform in [−2, 2] (a higher EV clips more, which is what the exposure embedding tells
/// the denoiser); the recorded frame clipped at 1 and quantized to 8 bits through gamma 2.2.
/// Everything derives from (seed, step, index), so a resumed run sees the same data.
/// </summary>
public sealed class LdmCropSampler : ILdmCropSource
{
    private readonly IReadOnlyList<ImageF> _panoramas;
    private readonly int _crop;
    private readonly ulong _seed;

    /// <param name="panoramas">The training panoramas only (<see cref="PanoramaSplit.Training"/>), or the validation ones for validation crops.</param>
    public LdmCropSampler(IReadOnlyList<ImageF> panoramas, int crop, ulong seed)
    {
        if (panoramas.Count == 0) throw new ArgumentException("the crop sampler needs at least one panorama");
        if (crop < 16 || crop % 16 != 0) throw new ArgumentException($"crop {crop} must be a multiple of 16, at least 16");
        foreach (var p in panoramas)
            if (p.Height < crop || p.Width < crop) throw new ArgumentException($"a {p.Width}x{p.Height} panorama is smaller than the {crop} crop");
        _panoramas = panoramas;
        _crop = crop;
        _seed = seed;
    }

    public int CropSize => _crop;

    public LdmCrop Crop(long step, int index)
    {
        var rng = SynthRandom.Fork(_seed, 200 + (ulong)index, (ulong)step);
        var pano = _panoramas[rng.NextInt(_panoramas.Count)];
        int s = _crop, n = s * s;
        int x0 = rng.NextInt(pano.Width), y0 = rng.NextInt(pano.Height - s + 1);
        bool fh = rng.NextInt(2) == 0, fv = rng.NextInt(2) == 0;
        var rad = new ImageF(s, s, 3);
        var peak = new float[n];
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < s; y++)
                for (int x = 0; x < s; x++)
                {
                    float v = pano[c, y0 + (fv ? s - 1 - y : y), (x0 + (fh ? s - 1 - x : x)) % pano.Width];
                    v = float.IsFinite(v) ? MathF.Max(v, 0f) : 0f;
                    rad[c, y, x] = v;
                    peak[y * s + x] = MathF.Max(peak[y * s + x], v);
                }
        Array.Sort(peak);
        float clip = peak[Math.Min(n - 1, (int)(rng.Uniform(0.90, 0.995) * n))];
        if (!(clip > 0f)) clip = 1f;
        for (int i = 0; i < rad.Data.Length; i++) rad.Data[i] /= clip;
        double ev = rng.Uniform(-2, 2);
        return Make(rad, ev);
    }

    /// <summary>The recorded frame and domain planes of a radiance crop seen at <paramref name="ev"/>.</summary>
    public static LdmCrop Make(ImageF radiance, double ev)
    {
        var lin = new ImageF(radiance.Width, radiance.Height, 3);
        float gain = (float)Math.Pow(2, ev);
        for (int i = 0; i < lin.Data.Length; i++)
        {
            float v = Math.Clamp(radiance.Data[i] * gain, 0f, 1f);
            lin.Data[i] = MathF.Pow(MathF.Round(255f * MathF.Pow(v, 1f / 2.2f)) / 255f, 2.2f);
        }
        return LdmCrop.FromFrame(radiance, lin, ev);
    }
}
