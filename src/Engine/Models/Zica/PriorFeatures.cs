using HdrOfx.Engine.Models.Ldm;
using HdrOfx.Engine.Reconstruction;
using HdrOfx.Engine.Tensors;

namespace HdrOfx.Engine.Models.Zica;

/// <summary>
/// One reference frame's prior (hdr-v-diff §3.3): HDR-LDM's DDIM sample of the frame, decoded, as the decoder's
/// features at 1/4, 1/2 and 1/1 of the frame padded to a multiple of 4 (the size the TCAM network runs at).
/// Planar [C, h, w] arrays; <see cref="Radiance"/> is the decoded image itself as radiance in EV-0 units (3 planes of
/// the frame's own size), for <see cref="PriorSkip"/>.
/// </summary>
public sealed record PriorSample(float[] Quarter, float[] Half, float[] Full, int Width, int Height, float[] Radiance);

public static class PriorFeatures
{
    /// <summary>
    /// Samples the prior of <paramref name="frame"/> in <paramref name="steps"/> DDIM steps from HDR-LDM's positional
    /// noise (<see cref="HdrLdmReconstruction.NoiseSeed"/>: a still scene gives the same prior in every frame).
    /// </summary>
    public static PriorSample Sample(HdrLdm ldm, FrameInput frame, int steps)
    {
        int w = PadTo4(frame.Linear.Width), h = PadTo4(frame.Linear.Height);
        return ldm.Decoded(frame.Linear, frame.Ev, steps, HdrLdmReconstruction.NoiseSeed, d =>
            new PriorSample(Crop(d.Quarter, h / 4, w / 4), Crop(d.Half, h / 2, w / 2), Crop(d.Full, h, w), w, h,
                HdrLdm.ToRadiance(Crop(d.Image, frame.Linear.Height, frame.Linear.Width), frame.Ev)));
    }

    /// <summary>The samples (equal sizes) as a batch pyramid [B, C, h, w] in the current tensor scope.</summary>
    public static FeaturePyramid Stack(IReadOnlyList<PriorSample> samples, LdmConfig config)
    {
        int b = samples.Count, w = samples[0].Width, h = samples[0].Height;
        foreach (var s in samples)
            if (s.Width != w || s.Height != h) throw new ArgumentException($"a prior batch needs equal sizes: {s.Width}x{s.Height} vs {w}x{h}");
        Tensor Level(Func<PriorSample, float[]> pick, int c, int div)
        {
            int n = c * (h / div) * (w / div);
            var all = new float[b * n];
            for (int i = 0; i < b; i++) pick(samples[i]).CopyTo(all, i * n);
            return Tensor.FromArray(all, b, c, h / div, w / div);
        }
        return new FeaturePyramid(Level(s => s.Full, config.Ae1, 1), Level(s => s.Half, config.Ae2, 2), Level(s => s.Quarter, config.Ae3, 4));
    }

    private static int PadTo4(int n) => n + (4 - n % 4) % 4;

    private static float[] Crop(Tensor t, int h, int w) => t.Narrow(2, 0, h).Narrow(3, 0, w).Contiguous().ToArray();
}
