using HdrOfx.Engine.Tensors;
using NUnit.Framework;
using static HdrOfx.Engine.Tests.Tensors.Ops2.Ops2Check;

namespace HdrOfx.Engine.Tests.Tensors.Ops2;

/// <summary>Group norm and layer norm against float64 references. Tolerances (relative, floor 1e-3·max): forward 1e-5, gradient 1e-4.</summary>
public class NormTests
{
    /// <summary>x viewed as [N, C, S]; the normalized sets are (n, group) over C/G·S elements.</summary>
    internal static double[] GroupNormRef(double[] x, double[]? w, double[]? b, int n, int c, int s, int groups, double eps)
    {
        var y = new double[x.Length];
        int cg = c / groups;
        for (int i = 0; i < n; i++)
        for (int g = 0; g < groups; g++)
        {
            double sum = 0, sq = 0; int len = cg * s;
            for (int ch = g * cg; ch < (g + 1) * cg; ch++) for (int p = 0; p < s; p++) sum += x[(i * c + ch) * s + p];
            double mu = sum / len;
            for (int ch = g * cg; ch < (g + 1) * cg; ch++) for (int p = 0; p < s; p++) { double d = x[(i * c + ch) * s + p] - mu; sq += d * d; }
            double rs = 1 / Math.Sqrt(sq / len + eps);
            for (int ch = g * cg; ch < (g + 1) * cg; ch++)
                for (int p = 0; p < s; p++)
                {
                    int k = (i * c + ch) * s + p;
                    y[k] = (x[k] - mu) * rs * (w?[ch] ?? 1) + (b?[ch] ?? 0);
                }
        }
        return y;
    }

    internal static double[] ChannelNormRef(double[] x, double[]? w, double[]? b, int n, int c, int s, double eps)
    {
        var y = new double[x.Length];
        for (int i = 0; i < n; i++)
        for (int p = 0; p < s; p++)
        {
            double sum = 0, sq = 0;
            for (int ch = 0; ch < c; ch++) sum += x[(i * c + ch) * s + p];
            double mu = sum / c;
            for (int ch = 0; ch < c; ch++) { double d = x[(i * c + ch) * s + p] - mu; sq += d * d; }
            double rs = 1 / Math.Sqrt(sq / c + eps);
            for (int ch = 0; ch < c; ch++) { int k = (i * c + ch) * s + p; y[k] = (x[k] - mu) * rs * (w?[ch] ?? 1) + (b?[ch] ?? 0); }
        }
        return y;
    }

    [TestCase(2, 6, 5, 4, 3, 1UL)]
    [TestCase(1, 8, 3, 3, 1, 2UL)]
    [TestCase(3, 4, 2, 5, 4, 3UL)]
    public void GroupNorm_MatchesReference_AndGradients(int n, int c, int h, int w, int groups, ulong seed)
    {
        var x = Randn(seed, n, c, h, w) * 2f + 0.5f;
        var g = Randn(seed + 10, c) + 1f;
        var b = Randn(seed + 20, c);
        Check(t => Tensor.GroupNorm(t[0], groups, t[1], t[2]),
            d => GroupNormRef(d[0], d[1], d[2], n, c, h * w, groups, 1e-5), x.Shape,
            new[] { x, g, b }, 1e-5, 1e-4);
    }

    [Test]
    public void GroupNorm_WithoutAffine_AndLargeGroup_UsesVectorPath()
    {
        var x = Randn(7, 2, 4, 9, 7);
        var y = Tensor.GroupNorm(x, 2);
        Close(y.ToArray(), GroupNormRef(D(x), null, null, 2, 4, 63, 2, 1e-5), 1e-5, "GroupNorm no affine");
        Check(t => Tensor.GroupNorm(t[0], 2), d => GroupNormRef(d[0], null, null, 2, 4, 63, 2, 1e-5), x.Shape,
            new[] { x }, 1e-5, 1e-4);
    }

    [Test]
    public void GroupNorm_OnRowsWithoutSpatialDims()
    {
        var x = Randn(40, 3, 8) * 2f;
        var g = Randn(41, 8); var b = Randn(42, 8);
        Check(t => Tensor.GroupNorm(t[0], 2, t[1], t[2]), d => GroupNormRef(d[0], d[1], d[2], 3, 8, 1, 2, 1e-5), x.Shape, // 4 per group: with 2, x̂ = ±1 and the gradient is ~0
            new[] { x, g, b }, 1e-5, 1e-4);
    }

    [TestCase(5, 7, 4UL)]
    [TestCase(3, 33, 5UL)]
    public void LayerNorm_ChannelLast_MatchesReference_AndGradients(int rows, int c, ulong seed)
    {
        var x = Randn(seed, 1, rows, c) * 3f - 1f;
        var g = Randn(seed + 10, c);
        var b = Randn(seed + 20, c);
        Check(t => Tensor.LayerNorm(t[0], t[1], t[2]),
            d => GroupNormRef(d[0], d[1], d[2], rows, c, 1, 1, 1e-5), x.Shape,
            new[] { x, g, b }, 1e-5, 1e-4);
    }

    [TestCase(2, 5, 4, 3, 6UL)]
    [TestCase(1, 3, 17, 17, 7UL)]
    public void LayerNormChannels_MatchesReference_AndGradients(int n, int c, int h, int w, ulong seed)
    {
        var x = Randn(seed, n, c, h, w) + 0.3f;
        var g = Randn(seed + 10, c);
        var b = Randn(seed + 20, c);
        Check(t => Tensor.LayerNormChannels(t[0], t[1], t[2]),
            d => ChannelNormRef(d[0], d[1], d[2], n, c, h * w, 1e-5), x.Shape,
            new[] { x, g, b }, 1e-5, 1e-4);
    }

    [Test]
    public void LayerNormChannels_EqualsPermutedLayerNorm()
    {
        var x = Randn(8, 2, 6, 5, 4);
        var g = Randn(9, 6); var b = Randn(10, 6);
        var a = Tensor.LayerNormChannels(x, g, b);
        var p = Tensor.LayerNorm(x.Permute(0, 2, 3, 1), g, b).Permute(0, 3, 1, 2);
        Close(a.ToArray(), D(p), 1e-5, "LN over channels vs permuted LN");
    }

    [Test]
    public void GroupNorm_RejectsBadGroups()
    {
        var x = Tensor.Zeros(1, 6, 2, 2);
        Assert.Throws<ArgumentException>(() => Tensor.GroupNorm(x, 4));
        Assert.Throws<ArgumentException>(() => Tensor.GroupNorm(x, 3, Tensor.Ones(5)));
    }
}
