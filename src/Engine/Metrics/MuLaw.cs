using HdrOfx.Engine.Imaging;

namespace HdrOfx.Engine.Metrics;

/// <summary>μ-law tonemapping T(H) = log(1 + μH) / log(1 + μ), μ = 5000, on H normalized to [0,1] (DESIGN §3).</summary>
public static class MuLaw
{
    public const float Mu = 5000f;
    private static readonly float InvLog1PMu = 1f / MathF.Log(1f + Mu);

    /// <summary>Tonemaps h (already divided by the clip peak); the input is clamped to [0,1] first.</summary>
    public static float Apply(float h) => MathF.Log(1f + Mu * Math.Clamp(h, 0f, 1f)) * InvLog1PMu;

    public static void Apply(ReadOnlySpan<float> h, float peak, Span<float> dst)
    {
        float inv = 1f / peak;
        for (int i = 0; i < h.Length; i++) dst[i] = Apply(h[i] * inv);
    }

    /// <summary>
    /// Every plane of <paramref name="img"/> tonemapped (H/peak, as <see cref="Apply(ReadOnlySpan{float}, float, Span{float})"/>),
    /// rows in parallel, into a pooled image the caller disposes: the PSNR-μ, SSIM-μ and flicker of one evaluation share it.
    /// </summary>
    public static ImageF Tonemap(ImageF img, float peak)
    {
        MetricGuard.CheckPeak(peak);
        var dst = ImageF.Rent(img.Width, img.Height, img.Channels);
        ParallelRange.ForRows(img.Channels * img.Height, img.Width * 20L, new Rows(img.Data, dst.Data, img.Width, 1f / peak));
        return dst;
    }

    private readonly struct Rows(float[] src, float[] dst, int width, float inv) : IRangeOperation
    {
        public void Invoke(int start, int end)
        {
            for (int i = start * width; i < end * width; i++) dst[i] = Apply(src[i] * inv);
        }
    }
}
