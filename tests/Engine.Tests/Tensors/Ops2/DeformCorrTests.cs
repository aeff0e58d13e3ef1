using HdrOfx.Engine.Tensors;
using NUnit.Framework;
using static HdrOfx.Engine.Tests.Tensors.Ops2.Ops2Check;

namespace HdrOfx.Engine.Tests.Tensors.Ops2;

/// <summary>
/// Patch correlation and modulated deformable convolution against float64 references.
/// Tolerances (relative, floor 1e-3·max): correlation forward 1e-4 (C-long fp32 dot products), gradient 1e-4;
/// DCNv2 forward 1e-4 (1e-3 on the 22×22 case, see there) and gradient 1e-4 (C·kh·kw-long fp32 dot products through SGEMM).
/// </summary>
public class DeformCorrTests
{
    internal static double[] CorrRef(double[] f1, double[] f2, int n, int c, int h, int w, int r)
    {
        int d = 2 * r + 1;
        var y = new double[n * d * d * h * w];
        for (int b = 0; b < n; b++)
        for (int dy = -r; dy <= r; dy++)
        for (int dx = -r; dx <= r; dx++)
        for (int i = 0; i < h; i++)
        for (int j = 0; j < w; j++)
        {
            double s = 0;
            int i2 = i + dy, j2 = j + dx;
            if (i2 >= 0 && i2 < h && j2 >= 0 && j2 < w)
                for (int ch = 0; ch < c; ch++) s += f1[((b * c + ch) * h + i) * w + j] * f2[((b * c + ch) * h + i2) * w + j2];
            y[(((b * d + dy + r) * d + dx + r) * h + i) * w + j] = s / c;
        }
        return y;
    }

    [TestCase(2, 3, 5, 6, 1, 1UL)]
    [TestCase(1, 4, 6, 11, 2, 2UL)]
    [TestCase(1, 2, 3, 3, 3, 3UL)]
    public void Correlation_MatchesReference_AndGradients(int n, int c, int h, int w, int r, ulong seed)
    {
        var f1 = Randn(seed, n, c, h, w);
        var f2 = Randn(seed + 1, n, c, h, w);
        int d = 2 * r + 1;
        Check(t => Tensor.Correlation(t[0], t[1], r), a => CorrRef(a[0], a[1], n, c, h, w, r),
            new[] { n, d * d, h, w }, new[] { f1, f2 }, 1e-4, 1e-4);
    }

    [Test]
    public void Correlation_ZeroDisplacementIsChannelMeanOfProduct()
    {
        var f = Randn(4, 1, 3, 4, 4);
        var y = Tensor.Correlation(f, f, 1);
        var want = new double[16];
        var fd = D(f);
        for (int p = 0; p < 16; p++) for (int ch = 0; ch < 3; ch++) want[p] += fd[ch * 16 + p] * fd[ch * 16 + p] / 3;
        Close(y.Narrow(1, 4, 1).ToArray(), want, 1e-6, "centre channel");
    }

    internal static double[] DcnRef(double[] x, double[] off, double[] m, double[] wt, double[]? bias,
        int n, int c, int h, int w, int o, int kh, int kw, int s, int p, int dil, int g)
    {
        int ho = (h + 2 * p - dil * (kh - 1) - 1) / s + 1, wo = (w + 2 * p - dil * (kw - 1) - 1) / s + 1;
        int kk = kh * kw, cg = c / g;
        var y = new double[n * o * ho * wo];
        for (int b = 0; b < n; b++)
        for (int oc = 0; oc < o; oc++)
        for (int i = 0; i < ho; i++)
        for (int j = 0; j < wo; j++)
        {
            double acc = bias?[oc] ?? 0;
            for (int ch = 0; ch < c; ch++)
            {
                int grp = ch / cg;
                for (int a = 0; a < kh; a++)
                for (int bb = 0; bb < kw; bb++)
                {
                    int k = a * kw + bb;
                    double dy = off[((b * 2 * g * kk + grp * 2 * kk + 2 * k) * ho + i) * wo + j];
                    double dx = off[((b * 2 * g * kk + grp * 2 * kk + 2 * k + 1) * ho + i) * wo + j];
                    double mk = m[((b * g * kk + grp * kk + k) * ho + i) * wo + j];
                    double hs = i * s - p + a * dil + dy, ws = j * s - p + bb * dil + dx;
                    double v = hs > -1 && hs < h && ws > -1 && ws < w ? SamplingTests.Bilinear(x, (b * c + ch) * h * w, h, w, hs, ws) : 0;
                    acc += wt[((oc * c + ch) * kh + a) * kw + bb] * mk * v;
                }
            }
            y[((b * o + oc) * ho + i) * wo + j] = acc;
        }
        return y;
    }

    [TestCase(2, 4, 6, 5, 3, 3, 1, 1, 1, 2, true, 21UL)]
    [TestCase(1, 2, 7, 7, 2, 3, 2, 1, 1, 1, false, 22UL)]
    [TestCase(2, 3, 6, 6, 4, 3, 1, 2, 2, 3, true, 23UL)]
    [TestCase(1, 2, 5, 4, 3, 1, 1, 0, 1, 1, true, 24UL)]
    // one image with Kc·pixels ≥ 32768 takes the channel-parallel col2im; at 22 px the fp32 sampling coordinates
    // (ulp 2e-6) and 72-term sums put the forward near cancelling outputs at ~7e-6 abs, so 1e-3 rel there
    [TestCase(1, 8, 22, 22, 4, 3, 1, 1, 1, 2, true, 25UL, 1e-3)]
    public void DeformConv2d_MatchesReference_AndGradients(int n, int c, int h, int w, int o, int k, int s, int p, int dil, int g, bool withBias, ulong seed, double fwdTol = 1e-4)
    {
        int ho = (h + 2 * p - dil * (k - 1) - 1) / s + 1, wo = (w + 2 * p - dil * (k - 1) - 1) / s + 1;
        var x = Randn(seed, n, c, h, w);
        var off = Randn(seed + 1, n, 2 * g * k * k, ho, wo) * 1.5f;
        var m = Rand(seed + 2, new[] { n, g * k * k, ho, wo }, 0f, 1f);
        var wt = Randn(seed + 3, o, c, k, k) * 0.5f;
        var b = Randn(seed + 4, o);
        var inputs = withBias ? new[] { x, off, m, wt, b } : new[] { x, off, m, wt };
        Check(t => Tensor.DeformConv2d(t[0], t[1], t[2], t[3], withBias ? t[4] : null, s, p, dil, g),
            a => DcnRef(a[0], a[1], a[2], a[3], withBias ? a[4] : null, n, c, h, w, o, k, k, s, p, dil, g),
            new[] { n, o, ho, wo }, inputs, fwdTol, 1e-4, maxPerInput: h * w > 100 ? 40 : 96);
    }

    [Test]
    public void DeformConv2d_ZeroOffsetsUnitMaskEqualsConv2d()
    {
        var x = Randn(31, 2, 3, 7, 6);
        var wt = Randn(32, 4, 3, 3, 3);
        var b = Randn(33, 4);
        var off = Tensor.Zeros(2, 18, 4, 3);
        var m = Tensor.Ones(2, 9, 4, 3);
        var y = Tensor.DeformConv2d(x, off, m, wt, b, stride: 2, padding: 1);
        var r = Tensor.Conv2d(x, wt, b, stride: 2, padding: 1);
        Close(y.ToArray(), D(r), 1e-5, "DCN with zero offsets vs conv2d");
    }

    [Test]
    public void DeformConv2d_RejectsBadShapes()
    {
        var x = Tensor.Zeros(1, 2, 5, 5);
        var w = Tensor.Zeros(3, 2, 3, 3);
        Assert.Throws<ArgumentException>(() => Tensor.DeformConv2d(x, Tensor.Zeros(1, 17, 3, 3), Tensor.Zeros(1, 9, 3, 3), w));
        Assert.Throws<ArgumentException>(() => Tensor.DeformConv2d(x, Tensor.Zeros(1, 18, 3, 3), Tensor.Zeros(1, 9, 3, 4), w));
        Assert.Throws<ArgumentException>(() => Tensor.DeformConv2d(x, Tensor.Zeros(1, 18, 3, 3), Tensor.Zeros(1, 9, 3, 3), w, deformGroups: 3));
    }
}
