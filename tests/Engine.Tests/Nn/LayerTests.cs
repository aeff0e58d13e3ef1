using HdrOfx.Engine.Nn;
using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Autograd;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Nn;

/// <summary>Forward values against float64 scalar references; gradients against central differences.</summary>
public class LayerTests
{
    [SetUp] public void Scope() => _scope = new TensorScope();
    [TearDown] public void EndScope() => _scope?.Dispose();
    private TensorScope? _scope;

    private static void AssertClose(float[] actual, double[] expected, double tol, string what)
    {
        Assert.That(actual.Length, Is.EqualTo(expected.Length), what);
        for (int i = 0; i < actual.Length; i++)
            Assert.That(actual[i], Is.EqualTo(expected[i]).Within(tol * Math.Max(1, Math.Abs(expected[i]))), $"{what}[{i}]");
    }

    [Test]
    public void GroupNormMatchesFloat64Reference()
    {
        var rng = new Rng(1);
        int n = 2, c = 6, h = 3, w = 5, g = 3;
        using var gn = new GroupNorm(g, c);
        Init.Normal(gn.Weight, rng, 1, 0.5f);
        Init.Normal(gn.Bias, rng, 0, 0.5f);
        var x = Tensor.Randn(rng, new[] { n, c, h, w }, 3f).AddScalar(2f);
        var xs = x.ToArray();
        var ws = gn.Weight.ToArray(); var bs = gn.Bias.ToArray();
        var expect = new double[xs.Length];
        int per = c / g * h * w;
        for (int b = 0; b < n; b++)
            for (int gi = 0; gi < g; gi++)
            {
                int o = (b * g + gi) * per;
                double mean = 0; for (int i = 0; i < per; i++) mean += xs[o + i]; mean /= per;
                double var = 0; for (int i = 0; i < per; i++) var += (xs[o + i] - mean) * (xs[o + i] - mean); var /= per;
                for (int i = 0; i < per; i++)
                {
                    int ch = gi * (c / g) + i / (h * w);
                    expect[o + i] = (xs[o + i] - mean) / Math.Sqrt(var + 1e-5) * ws[ch] + bs[ch];
                }
            }
        AssertClose(gn.Forward(x).ToArray(), expect, 2e-5, "GroupNorm");
    }

    [TestCase(LayerNormLayout.ChannelsLast)]
    [TestCase(LayerNormLayout.Channels)]
    public void LayerNormMatchesFloat64Reference(LayerNormLayout layout)
    {
        var rng = new Rng(2);
        int n = 2, c = 5, h = 3, w = 4;
        using var ln = new LayerNorm(c, layout);
        Init.Normal(ln.Weight, rng, 1, 0.5f);
        Init.Normal(ln.Bias, rng, 0, 0.5f);
        var shape = layout == LayerNormLayout.ChannelsLast ? new[] { n, h, w, c } : new[] { n, c, h, w };
        var x = Tensor.Randn(rng, shape, 2f);
        var xs = x.ToArray();
        var ws = ln.Weight.ToArray(); var bs = ln.Bias.ToArray();
        var expect = new double[xs.Length];
        int Idx(int b, int ch, int p) => layout == LayerNormLayout.ChannelsLast ? (b * h * w + p) * c + ch : (b * c + ch) * h * w + p;
        for (int b = 0; b < n; b++)
            for (int p = 0; p < h * w; p++)
            {
                double mean = 0; for (int ch = 0; ch < c; ch++) mean += xs[Idx(b, ch, p)]; mean /= c;
                double var = 0; for (int ch = 0; ch < c; ch++) var += Math.Pow(xs[Idx(b, ch, p)] - mean, 2); var /= c;
                for (int ch = 0; ch < c; ch++) expect[Idx(b, ch, p)] = (xs[Idx(b, ch, p)] - mean) / Math.Sqrt(var + 1e-5) * ws[ch] + bs[ch];
            }
        AssertClose(ln.Forward(x).ToArray(), expect, 2e-5, "LayerNorm");
    }

    [Test]
    public void AttentionMatchesFloat64Reference()
    {
        var rng = new Rng(3);
        int b = 2, lq = 5, lk = 7, d = 4, dv = 3;
        var q = Tensor.Randn(rng, b, lq, d); var k = Tensor.Randn(rng, b, lk, d); var v = Tensor.Randn(rng, b, lk, dv);
        var qs = q.ToArray(); var ks = k.ToArray(); var vs = v.ToArray();
        var expect = new double[b * lq * dv];
        for (int bb = 0; bb < b; bb++)
            for (int i = 0; i < lq; i++)
            {
                var s = new double[lk];
                for (int j = 0; j < lk; j++)
                {
                    for (int e = 0; e < d; e++) s[j] += (double)qs[(bb * lq + i) * d + e] * ks[(bb * lk + j) * d + e];
                    s[j] /= Math.Sqrt(d);
                }
                double m = s.Max(), z = s.Sum(x => Math.Exp(x - m));
                for (int j = 0; j < lk; j++)
                    for (int e = 0; e < dv; e++) expect[(bb * lq + i) * dv + e] += Math.Exp(s[j] - m) / z * vs[(bb * lk + j) * dv + e];
            }
        AssertClose(Functional.ScaledDotProductAttention(q, k, v).ToArray(), expect, 1e-5, "SDPA");
    }

    [Test]
    public void WindowAndGridPartitionsPickTheRightPixelsAndInvert()
    {
        int b = 2, h = 4, w = 6, c = 3, p = 2;
        var x = Tensor.Arange(b * h * w * c).Reshape(b, h, w, c);
        var win = Functional.WindowPartition(x, p);
        Assert.That(win.Shape, Is.EqualTo(new[] { b * (h / p) * (w / p), p * p, c }));
        // window 1 of batch 0 = rows 0..1, cols 2..3; its token 3 = pixel (1, 3)
        Assert.That(win[1, 3, 2], Is.EqualTo(((0 * h + 1) * w + 3) * c + 2));
        var grid = Functional.GridPartition(x, p);
        Assert.That(grid.Shape, Is.EqualTo(new[] { b * (h / p) * (w / p), p * p, c }));
        // group (u, v) = (1, 2) of batch 1 is index 1·3 + 2 + 6; token (i, j) = (1, 1) is pixel (1·2 + 1, 1·3 + 2)
        Assert.That(grid[6 + 1 * 3 + 2, 1 * p + 1, 0], Is.EqualTo(((1 * h + 3) * w + 5) * c));
        Assert.That(Functional.WindowReverse(win, p, b, h, w).ToArray(), Is.EqualTo(x.ToArray()));
        Assert.That(Functional.GridReverse(grid, p, b, h, w).ToArray(), Is.EqualTo(x.ToArray()));
        Assert.Throws<ArgumentException>(() => Functional.WindowPartition(x, 4));
    }

    [Test]
    public void SinusoidalEmbeddingValues()
    {
        using var emb = new SinusoidalEmbedding(8, 10000);
        var y = emb.Forward(Tensor.FromArray(new[] { 0f, 3f }, 2));
        Assert.That(y.Shape, Is.EqualTo(new[] { 2, 8 }));
        for (int i = 0; i < 4; i++)
        {
            double f = Math.Pow(10000, -i / 4.0);
            Assert.That(y[0, i], Is.EqualTo(1f));
            Assert.That(y[0, 4 + i], Is.EqualTo(0f));
            Assert.That(y[1, i], Is.EqualTo(Math.Cos(3 * f)).Within(1e-6));
            Assert.That(y[1, 4 + i], Is.EqualTo(Math.Sin(3 * f)).Within(1e-6));
        }
        Assert.Throws<ArgumentException>(() => new SinusoidalEmbedding(7));
    }

    [Test]
    public void ZeroConvAddsNothingAtInitButLearns()
    {
        var rng = new Rng(4);
        using var z = new ZeroConv(4, 3, rng);
        var x = NnTestUtil.Randn(rng, 2, 4, 5, 5);
        var y = z.Forward(x);
        Assert.That(y.ToArray().All(v => v == 0f), Is.True);
        Assert.That(y.Shape, Is.EqualTo(new[] { 2, 3, 5, 5 }));
        y.Sum().Backward();
        Assert.That(z.Weight.Grad!.ToArray().Any(v => v != 0f), Is.True, "dL/dW = Σ x must be non-zero so the branch can learn");
        Assert.That(z.Bias!.Grad!.ToArray(), Is.EqualTo(Enumerable.Repeat(50f, 3).ToArray()));
    }

    [Test]
    public void UpsampleNearestRepeatsPixels()
    {
        var x = Tensor.Arange(4).Reshape(1, 1, 2, 2);
        Assert.That(Functional.UpsampleNearest(x, 2).ToArray(), Is.EqualTo(new float[] { 0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3 }));
    }

    // ---------------------------------------------------------------- gradients

    [Test]
    public void GroupNormGradients()
    {
        var rng = new Rng(10);
        using var m = new GroupNorm(2, 4);
        Init.Normal(m.Weight, rng, 1, 0.3f);
        NnTestUtil.CheckGradients(m, xs => m.Forward(xs[0]), new[] { NnTestUtil.Randn(rng, 2, 4, 3, 3) });
    }

    [TestCase(LayerNormLayout.ChannelsLast)]
    [TestCase(LayerNormLayout.Channels)]
    public void LayerNormGradients(LayerNormLayout layout)
    {
        var rng = new Rng(11);
        using var m = new LayerNorm(4, layout);
        Init.Normal(m.Weight, rng, 1, 0.3f);
        var shape = layout == LayerNormLayout.ChannelsLast ? new[] { 2, 3, 4 } : new[] { 2, 4, 2, 3 };
        NnTestUtil.CheckGradients(m, xs => m.Forward(xs[0]), new[] { NnTestUtil.Randn(rng, shape) });
    }

    [Test]
    public void ConvAndLinearGradients()
    {
        var rng = new Rng(12);
        using var seq = new Sequential(new Conv2d(3, 4, 3, rng, stride: 2, padding: 1), new Activation(ActivationKind.Silu), new Conv2d(4, 4, 3, rng, padding: 1, groups: 2));
        NnTestUtil.CheckGradients(seq, xs => seq.Forward(xs[0]), new[] { NnTestUtil.Randn(rng, 2, 3, 6, 6) });
        using var lin = new Linear(5, 3, rng);
        NnTestUtil.CheckGradients(lin, xs => lin.Forward(xs[0]).Gelu(), new[] { NnTestUtil.Randn(rng, 2, 4, 5) });
    }

    [Test]
    public void SelfAttentionGradients()
    {
        var rng = new Rng(13);
        using var m = new MultiHeadSelfAttention(8, 2, rng);
        NnTestUtil.CheckGradients(m, xs => m.Forward(xs[0]), new[] { NnTestUtil.Randn(rng, 2, 5, 8) });
    }

    [Test]
    public void CrossAttentionGradientsAndShapes()
    {
        var rng = new Rng(14);
        using var m = new CrossAttention(8, 6, 2, rng);
        var x = NnTestUtil.Randn(rng, 2, 5, 8);
        var ctx = NnTestUtil.Randn(rng, 2, 7, 6);
        Assert.That(m.Forward(x, ctx).Shape, Is.EqualTo(new[] { 2, 5, 8 }));
        Assert.Throws<ArgumentException>(() => m.Forward(x, NnTestUtil.Randn(rng, 2, 7, 5)));
        NnTestUtil.CheckGradients(m, xs => m.Forward(xs[0], xs[1]), new[] { x, ctx });
    }

    [Test]
    public void AttentionBlock2dGradients()
    {
        var rng = new Rng(15);
        using var m = new AttentionBlock2d(8, 2, rng, groups: 4);
        NnTestUtil.CheckGradients(m, xs => m.Forward(xs[0]), new[] { NnTestUtil.Randn(rng, 2, 8, 2, 3) });
    }

    [Test]
    public void MaxVitBlockGradientsAndLocality()
    {
        var rng = new Rng(16);
        using var m = new MaxVitBlock(8, 2, 2, rng, mlpRatio: 2);
        Assert.That(m.NamedParameters().Select(p => p.Key), Does.Contain("grid_bias.table"));
        var x = NnTestUtil.Randn(rng, 1, 8, 4, 4);
        Assert.That(m.Forward(x).Shape, Is.EqualTo(new[] { 1, 8, 4, 4 }));
        NnTestUtil.CheckGradients(m, xs => m.Forward(xs[0]), new[] { x }, perTensor: 6);
    }

    [Test]
    public void RestormerBlockGradients()
    {
        var rng = new Rng(17);
        using var m = new RestormerBlock(8, 2, rng, ffnExpansion: 1.5);
        var x = NnTestUtil.Randn(rng, 2, 8, 3, 3);
        Assert.That(m.Forward(x).Shape, Is.EqualTo(new[] { 2, 8, 3, 3 }));
        NnTestUtil.CheckGradients(m, xs => m.Forward(xs[0]), new[] { x }, perTensor: 6);
    }

    [Test]
    public void ChannelAttentionCostIsIndependentOfPixelCountInTheAttentionMatrix()
    {
        // MDTA's attention map is [B, heads, C/heads, C/heads] whatever H·W is: check it runs on a wide image
        var rng = new Rng(18);
        using var m = new ChannelAttention(8, 2, rng);
        using var _ = GradMode.NoGrad();
        Assert.That(m.Forward(NnTestUtil.Randn(rng, 1, 8, 64, 64)).Shape, Is.EqualTo(new[] { 1, 8, 64, 64 }));
    }

    [Test]
    public void DeformableConvBlockStartsAsHalfAPlainConvAndHasGradients()
    {
        var rng = new Rng(19);
        using var m = new DeformableConvBlock(4, 3, 3, rng);
        var x = NnTestUtil.Randn(rng, 2, 4, 5, 5);
        using (GradMode.NoGrad())
        {
            // zero offsets and σ(0) = ½ masks: exactly conv(x, W/2) + b
            var y = m.Forward(x).ToArray();
            var w2 = m.Weight.MulScalar(0.5f);
            var reference = Tensor.Conv2d(x, w2, m.Bias, padding: 1).ToArray();
            for (int i = 0; i < y.Length; i++) Assert.That(y[i], Is.EqualTo(reference[i]).Within(1e-5), $"y[{i}]");
        }
        // move the offset conv off zero so offsets and masks vary. Bilinear sampling has kinks at integer positions,
        // so keep the fractional offsets inside (0.2, 0.8) where finite differences are valid
        Init.Normal(m.ConvOffset.Weight, rng, 0, 0.01f);
        Init.Uniform(m.ConvOffset.Bias!, rng, 0.35f, 0.65f);
        NnTestUtil.CheckGradients(m, xs => m.Forward(xs[0], xs[1]), new[] { x, NnTestUtil.Randn(rng, 2, 4, 5, 5) }, perTensor: 8, h: 2e-3);
    }

    [Test]
    public void RelativePositionBiasDependsOnlyOnTheOffset()
    {
        using var rpb = new RelativePositionBias(2, 3, new Rng(20));
        var bias = rpb.Bias();
        Assert.That(bias.Shape, Is.EqualTo(new[] { 2, 9, 9 }));
        var table = rpb.Table.ToArray();
        for (int h = 0; h < 2; h++)
            for (int i = 0; i < 9; i++)
                for (int j = 0; j < 9; j++)
                {
                    int dy = i / 3 - j / 3, dx = i % 3 - j % 3;
                    Assert.That(bias[h, i, j], Is.EqualTo(table[h * 25 + (dy + 2) * 5 + (dx + 2)]), $"h{h} ({i},{j})");
                }
        // tokens 0→4 and 4→8 have the same offset (−1, −1)
        Assert.That(rpb.IndexOf(0, 4), Is.EqualTo(rpb.IndexOf(4, 8)));
        Assert.That(rpb.StateDict().Keys, Is.EqualTo(new[] { "table" }), "the one-hot gather is not state");
    }
}
