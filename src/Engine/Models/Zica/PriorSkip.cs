using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.Models.Ldm;
using HdrOfx.Engine.Reconstruction;

namespace HdrOfx.Engine.Models.Zica;

/// <summary>
/// The prior's direct path into the pixels no frame of the window recorded. ZiCA's channel attention mixes the prior's
/// features by one map for the whole frame, so it cannot single out where every exposure clipped; there the result
/// takes the prior's radiance where it is brighter, by vitm-tc Eq. 1's soft over-exposure mask taken over the window:
///
///     Ĥ = H + g·α_w·max(Y − H, 0),   α_w = min over the window's frames of α(frame),  g = λ·gain
///
/// H the `hdr-v-diff` result, Y HDR-LDM's decoded radiance of the reference frame. The gain starts at 0 (nothing
/// added: the zero-init principle) and is chosen on the tuning clips (training panoramas) after stage 4. The result
/// never falls below H, so never below the clipped floor the merge proves.
/// </summary>
public static class PriorSkip
{
    /// <summary>α_w per pixel: the smallest soft clip mask among the window's frames (1 where all clip fully).</summary>
    public static float[] WindowMask(IReadOnlyList<FrameInput?> frames)
    {
        float[]? alpha = null;
        foreach (var f in frames)
        {
            if (f is null) continue;
            var a = SoftClipMask.Of(f.Linear);
            if (alpha is null) alpha = a;
            else
                for (int p = 0; p < a.Length; p++) alpha[p] = MathF.Min(alpha[p], a[p]);
        }
        return alpha ?? throw new ArgumentException("the window holds no frame");
    }

    /// <summary>Ĥ of the formula above, a new image; <paramref name="prior"/> holds 3 planes of H's size.</summary>
    public static ImageF Apply(ImageF hdr, float[] prior, float[] windowMask, float gain)
    {
        int n = hdr.PlaneSize;
        if (prior.Length != 3 * n || windowMask.Length != n)
            throw new ArgumentException($"prior skip: the prior ({prior.Length}) and mask ({windowMask.Length}) do not fit a {hdr.Width}x{hdr.Height} image");
        var o = new ImageF(hdr.Width, hdr.Height, 3);
        for (int c = 0; c < 3; c++)
            for (int p = 0; p < n; p++)
            {
                int i = c * n + p;
                float h = hdr.Data[i], a = gain * windowMask[p];
                o.Data[i] = a > 0f ? h + a * MathF.Max(prior[i] - h, 0f) : h;
            }
        return o;
    }
}
