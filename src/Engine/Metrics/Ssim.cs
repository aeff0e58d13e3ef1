using HdrOfx.Engine.Imaging;

namespace HdrOfx.Engine.Metrics;

/// <summary>
/// SSIM (Wang et al. 2004) with an 11×11 Gaussian window, σ = 1.5, K1 = 0.01, K2 = 0.03, dynamic range 1,
/// computed per channel on "valid" windows (no padding) and averaged over channels.
/// </summary>
public static class Ssim
{
    public const int Radius = 5;
    public const double Sigma = 1.5, K1 = 0.01, K2 = 0.03;

    /// <summary>SSIM-μ: SSIM of the μ-law tonemapped frames (H/peak, clamped).</summary>
    public static double Mu(ImageF result, ImageF truth, float peak)
    {
        int channels = MetricGuard.CheckPair(result, truth);
        MetricGuard.CheckPeak(peak);
        var a = new float[result.PlaneSize];
        var b = new float[result.PlaneSize];
        double total = 0;
        for (int c = 0; c < channels; c++)
        {
            MuLaw.Apply(result.Plane(c), peak, a);
            MuLaw.Apply(truth.Plane(c), peak, b);
            total += OnPlane(a, b, result.Width, result.Height);
        }
        return total / channels;
    }

    internal static double[] Kernel()
    {
        var k = new double[2 * Radius + 1];
        double s = 0;
        for (int i = -Radius; i <= Radius; i++) s += k[i + Radius] = Math.Exp(-(i * i) / (2 * Sigma * Sigma));
        for (int i = 0; i < k.Length; i++) k[i] /= s;
        return k;
    }

    /// <summary>Mean SSIM of two single-channel planes with values in [0,1].</summary>
    public static double OnPlane(ReadOnlySpan<float> x, ReadOnlySpan<float> y, int width, int height)
    {
        if (width < 2 * Radius + 1 || height < 2 * Radius + 1)
            throw new ArgumentException($"SSIM needs at least {2 * Radius + 1}x{2 * Radius + 1} pixels, got {width}x{height}");
        var k = Kernel();
        int ow = width - 2 * Radius;
        // Separable filtering of x, y, x², y², xy: horizontal pass into five buffers, then vertical per output pixel.
        var h = new double[5][];
        for (int m = 0; m < 5; m++) h[m] = new double[ow * height];
        for (int row = 0; row < height; row++)
        {
            int rb = row * width;
            for (int ox = 0; ox < ow; ox++)
            {
                double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
                for (int i = 0; i < k.Length; i++)
                {
                    double vx = x[rb + ox + i], vy = y[rb + ox + i], w = k[i];
                    sx += w * vx; sy += w * vy; sxx += w * vx * vx; syy += w * vy * vy; sxy += w * vx * vy;
                }
                int o = row * ow + ox;
                h[0][o] = sx; h[1][o] = sy; h[2][o] = sxx; h[3][o] = syy; h[4][o] = sxy;
            }
        }
        const double c1 = K1 * K1, c2 = K2 * K2;
        int oh = height - 2 * Radius;
        double total = 0;
        for (int oy = 0; oy < oh; oy++)
            for (int ox = 0; ox < ow; ox++)
            {
                double mx = 0, my = 0, exx = 0, eyy = 0, exy = 0;
                for (int i = 0; i < k.Length; i++)
                {
                    int o = (oy + i) * ow + ox;
                    double w = k[i];
                    mx += w * h[0][o]; my += w * h[1][o]; exx += w * h[2][o]; eyy += w * h[3][o]; exy += w * h[4][o];
                }
                double vx = exx - mx * mx, vy = eyy - my * my, cxy = exy - mx * my;
                total += (2 * mx * my + c1) * (2 * cxy + c2) / ((mx * mx + my * my + c1) * (vx + vy + c2));
            }
        return total / ((double)ow * oh);
    }
}
