using HdrOfx.Engine.Tensors;
using NUnit.Framework;
using static HdrOfx.Engine.Tests.Tensors.Ops2.Ops2Check;

namespace HdrOfx.Engine.Tests.Tensors.Ops2;

/// <summary>
/// SSIM loss against a direct float64 implementation (2-D Gaussian window, valid region).
/// Tolerances (relative): forward 1e-4 and gradient 1e-3: σ² = E[x²] − μ² cancels in fp32 (the float64
/// reference does not), which costs about three digits on low-variance windows.
/// </summary>
public class SsimTests
{
    internal static double[] SsimRef(double[] x, double[] y, int n, int c, int h, int w, int win, double sigma, double range)
    {
        var g = new double[win];
        double gs = 0;
        for (int i = 0; i < win; i++) { g[i] = Math.Exp(-Math.Pow(i - (win - 1) / 2.0, 2) / (2 * sigma * sigma)); gs += g[i]; }
        for (int i = 0; i < win; i++) g[i] /= gs;
        double c1 = Math.Pow(0.01 * range, 2), c2 = Math.Pow(0.03 * range, 2);
        int ho = h - win + 1, wo = w - win + 1;
        double total = 0;
        for (int pl = 0; pl < n * c; pl++)
        for (int i = 0; i < ho; i++)
        for (int j = 0; j < wo; j++)
        {
            double mx = 0, my = 0, xx = 0, yy = 0, xy = 0;
            for (int a = 0; a < win; a++)
            for (int b = 0; b < win; b++)
            {
                double wt = g[a] * g[b];
                double u = x[pl * h * w + (i + a) * w + j + b], v = y[pl * h * w + (i + a) * w + j + b];
                mx += wt * u; my += wt * v; xx += wt * u * u; yy += wt * v * v; xy += wt * u * v;
            }
            double sx = xx - mx * mx, sy = yy - my * my, sxy = xy - mx * my;
            total += (2 * mx * my + c1) * (2 * sxy + c2) / ((mx * mx + my * my + c1) * (sx + sy + c2));
        }
        return new[] { 1 - total / (n * c * ho * wo) };
    }

    [Test]
    public void SsimLoss_MatchesReference_AndGradients()
    {
        int n = 2, c = 2, h = 13, w = 12;
        var x = Rand(1, new[] { n, c, h, w }, 0f, 1f);
        var noise = Randn(2, n, c, h, w) * 0.2f;
        var y = x + noise;
        Check(t => Tensor.SsimLoss(t[0], t[1]), a => SsimRef(a[0], a[1], n, c, h, w, 11, 1.5, 1.0),
            Array.Empty<int>(), new[] { x, y }, 1e-4, 1e-3, maxPerInput: 48);
    }

    [Test]
    public void SsimLoss_SmallWindow_AndDataRange()
    {
        int n = 1, c = 3, h = 8, w = 9;
        var x = Rand(3, new[] { n, c, h, w }, 0f, 4f);
        var y = Rand(4, new[] { n, c, h, w }, 0f, 4f);
        Check(t => Tensor.SsimLoss(t[0], t[1], dataRange: 4f, windowSize: 5, sigma: 1f), a => SsimRef(a[0], a[1], n, c, h, w, 5, 1.0, 4.0),
            Array.Empty<int>(), new[] { x, y }, 1e-4, 1e-3, maxPerInput: 48);
    }

    [Test]
    public void Ssim_OfIdenticalImagesIsOne()
    {
        var x = Rand(5, new[] { 1, 1, 16, 16 }, 0f, 1f);
        Assert.That(Tensor.Ssim(x, x).Item(), Is.EqualTo(1f).Within(1e-5f));
        Assert.Throws<ArgumentException>(() => Tensor.Ssim(Tensor.Zeros(1, 1, 8, 8), Tensor.Zeros(1, 1, 8, 8)));
    }
}
