namespace HdrOfx.Engine.Models.Ldm;

/// <summary>
/// The soft over-exposure mask of vitm-tc Eq. 1, Ĥ = (1 − α)·f⁻¹(L) + α·Y, computed as in Eilertsen et al. 2017
/// (vitm-tc's [7]): α = max(0, max_c L − τ)/(1 − τ) with τ = 0.95 on the display-encoded value L. A method sees
/// only linearized frames, so L is taken as v^(1/2.2) of the linear value v.
/// </summary>
public static class SoftClipMask
{
    public const float Threshold = 0.95f;

    /// <summary>α for the linear RGB value (r, g, b) of a frame (1 = clip).</summary>
    public static float Alpha(float r, float g, float b)
    {
        float m = MathF.Max(r, MathF.Max(g, b));
        float l = MathF.Pow(Math.Clamp(m, 0f, 1f), 1f / 2.2f);
        return MathF.Max(0f, l - Threshold) / (1f - Threshold);
    }

    /// <summary>α of every pixel of a linear RGB frame (planar, 1 = clip).</summary>
    public static float[] Of(Imaging.ImageF linear)
    {
        int n = linear.PlaneSize;
        var alpha = new float[n];
        for (int p = 0; p < n; p++) alpha[p] = Alpha(linear.Data[p], linear.Data[n + p], linear.Data[2 * n + p]);
        return alpha;
    }
}
