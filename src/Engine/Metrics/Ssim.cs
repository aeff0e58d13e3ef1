using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
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
        var a = Scratch.Rent(result.PlaneSize);
        var b = Scratch.Rent(result.PlaneSize);
        try
        {
            double total = 0;
            for (int c = 0; c < channels; c++)
            {
                MuLaw.Apply(result.Plane(c), peak, a);
                MuLaw.Apply(truth.Plane(c), peak, b);
                total += OnPlane(a, b, result.Width, result.Height);
            }
            return total / channels;
        }
        finally
        {
            Scratch.Return(a);
            Scratch.Return(b);
        }
    }

    /// <summary><see cref="Mu"/> of frames already tonemapped by <see cref="MuLaw.Tonemap"/> with the same peak: the same value.</summary>
    public static double MuOfTonemapped(ImageF result, ImageF truth)
    {
        int channels = MetricGuard.CheckPair(result, truth);
        double total = 0;
        for (int c = 0; c < channels; c++) total += OnPlane(result.Plane(c), truth.Plane(c), result.Width, result.Height);
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Widen4(ReadOnlySpan<float> v, int at) =>
        Vector256.WidenLower(Vector128.Create(v.Slice(at, 4)).ToVector256Unsafe());

    /// <summary>Mean SSIM of two single-channel planes with values in [0,1].</summary>
    public static double OnPlane(ReadOnlySpan<float> x, ReadOnlySpan<float> y, int width, int height)
    {
        if (width < 2 * Radius + 1 || height < 2 * Radius + 1)
            throw new ArgumentException($"SSIM needs at least {2 * Radius + 1}x{2 * Radius + 1} pixels, got {width}x{height}");
        var k = Kernel();
        int ow = width - 2 * Radius, taps = k.Length;
        // Separable filtering of x, y, x², y², xy: each row's horizontal pass goes into a ring of the last 11 rows, and
        // each output row's vertical pass reads that ring. Four output columns at a time in vector lanes, each with the
        // scalar code's operations in its order (no fused multiply-add), so the result is the scalar one to the bit; the
        // SSIM map is summed column by column in order.
        var h = new double[5][];
        for (int m = 0; m < 5; m++) h[m] = new double[ow * taps];
        bool vector = Vector256.IsHardwareAccelerated;
        const double c1 = K1 * K1, c2 = K2 * K2;
        double total = 0;
        Span<double> map = stackalloc double[4];
        for (int row = 0; row < height; row++)
        {
            int rb = row * width, ring = row % taps * ow;
            int ox = 0;
            if (vector)
                for (; ox + 4 <= ow; ox += 4)
                {
                    Vector256<double> sx = default, sy = default, sxx = default, syy = default, sxy = default;
                    for (int i = 0; i < taps; i++)
                    {
                        var vx = Widen4(x, rb + ox + i);
                        var vy = Widen4(y, rb + ox + i);
                        var w = Vector256.Create(k[i]);
                        var wx = w * vx;
                        sx += wx; sy += w * vy; sxx += wx * vx; syy += w * vy * vy; sxy += wx * vy;
                    }
                    int o = ring + ox;
                    sx.CopyTo(h[0], o); sy.CopyTo(h[1], o); sxx.CopyTo(h[2], o); syy.CopyTo(h[3], o); sxy.CopyTo(h[4], o);
                }
            for (; ox < ow; ox++)
            {
                double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
                for (int i = 0; i < taps; i++)
                {
                    double vx = x[rb + ox + i], vy = y[rb + ox + i], w = k[i];
                    sx += w * vx; sy += w * vy; sxx += w * vx * vx; syy += w * vy * vy; sxy += w * vx * vy;
                }
                int o = ring + ox;
                h[0][o] = sx; h[1][o] = sy; h[2][o] = sxx; h[3][o] = syy; h[4][o] = sxy;
            }
            int oy = row - (taps - 1);
            if (oy < 0) continue;
            ox = 0;
            if (vector)
                for (; ox + 4 <= ow; ox += 4)
                {
                    Vector256<double> mx = default, my = default, exx = default, eyy = default, exy = default;
                    for (int i = 0; i < taps; i++)
                    {
                        int o = (oy + i) % taps * ow + ox;
                        var w = Vector256.Create(k[i]);
                        mx += w * Vector256.Create(h[0].AsSpan(o, 4)); my += w * Vector256.Create(h[1].AsSpan(o, 4));
                        exx += w * Vector256.Create(h[2].AsSpan(o, 4)); eyy += w * Vector256.Create(h[3].AsSpan(o, 4));
                        exy += w * Vector256.Create(h[4].AsSpan(o, 4));
                    }
                    var two = Vector256.Create(2.0);
                    var vc1 = Vector256.Create(c1);
                    var vc2 = Vector256.Create(c2);
                    var vx = exx - mx * mx;
                    var vy = eyy - my * my;
                    var cxy = exy - mx * my;
                    ((two * mx * my + vc1) * (two * cxy + vc2) / ((mx * mx + my * my + vc1) * (vx + vy + vc2))).CopyTo(map);
                    total += map[0];
                    total += map[1];
                    total += map[2];
                    total += map[3];
                }
            for (; ox < ow; ox++)
            {
                double mx = 0, my = 0, exx = 0, eyy = 0, exy = 0;
                for (int i = 0; i < taps; i++)
                {
                    int o = (oy + i) % taps * ow + ox;
                    double w = k[i];
                    mx += w * h[0][o]; my += w * h[1][o]; exx += w * h[2][o]; eyy += w * h[3][o]; exy += w * h[4][o];
                }
                double vx = exx - mx * mx, vy = eyy - my * my, cxy = exy - mx * my;
                total += (2 * mx * my + c1) * (2 * cxy + c2) / ((mx * mx + my * my + c1) * (vx + vy + c2));
            }
        }
        int oh = height - 2 * Radius;
        return total / ((double)ow * oh);
    }
}
