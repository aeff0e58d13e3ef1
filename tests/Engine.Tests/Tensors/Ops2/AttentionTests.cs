using HdrOfx.Engine.Tensors;
using NUnit.Framework;
using static HdrOfx.Engine.Tests.Tensors.Ops2.Ops2Check;

namespace HdrOfx.Engine.Tests.Tensors.Ops2;

/// <summary>
/// Scaled dot-product attention, MaxViT partitions, L2 normalization and Restormer channel attention against float64
/// references. Tolerances (relative, floor 1e-3·max): forward 1e-5 (views exact: 1e-7), gradient 1e-4.
/// </summary>
public class AttentionTests
{
    /// <summary>q [B, Lq, d], k [B, Lk, d], v [B, Lk, dv], bias [Lq, Lk] shared across B (or null).</summary>
    internal static double[] SdpaRef(double[] q, double[] k, double[] v, double[]? bias, int b, int lq, int lk, int d, int dv, double scale)
    {
        var y = new double[b * lq * dv];
        var s = new double[lk];
        for (int bi = 0; bi < b; bi++)
        for (int i = 0; i < lq; i++)
        {
            double mx = double.NegativeInfinity;
            for (int j = 0; j < lk; j++)
            {
                double acc = 0;
                for (int e = 0; e < d; e++) acc += q[(bi * lq + i) * d + e] * k[(bi * lk + j) * d + e];
                s[j] = acc * scale + (bias?[i * lk + j] ?? 0);
                mx = Math.Max(mx, s[j]);
            }
            double sum = 0;
            for (int j = 0; j < lk; j++) { s[j] = Math.Exp(s[j] - mx); sum += s[j]; }
            for (int e = 0; e < dv; e++)
            {
                double acc = 0;
                for (int j = 0; j < lk; j++) acc += s[j] / sum * v[(bi * lk + j) * dv + e];
                y[(bi * lq + i) * dv + e] = acc;
            }
        }
        return y;
    }

    [TestCase(false, 1UL)]
    [TestCase(true, 2UL)]
    public void Sdpa_MultiHead_MatchesReference_AndGradients(bool withBias, ulong seed)
    {
        int b = 2, heads = 2, lq = 5, lk = 7, d = 4, dv = 3;
        var q = Randn(seed, b, heads, lq, d);
        var k = Randn(seed + 1, b, heads, lk, d);
        var v = Randn(seed + 2, b, heads, lk, dv);
        var bias = Randn(seed + 3, lq, lk);
        var inputs = withBias ? new[] { q, k, v, bias } : new[] { q, k, v };
        Check(t => Tensor.ScaledDotProductAttention(t[0], t[1], t[2], withBias ? t[3] : null),
            a => SdpaRef(a[0], a[1], a[2], withBias ? a[3] : null, b * heads, lq, lk, d, dv, 1 / Math.Sqrt(d)),
            new[] { b, heads, lq, dv }, inputs, 1e-5, 1e-4);
    }

    [Test]
    public void Sdpa_MaskWithNegativeInfinityIgnoresKeys()
    {
        var q = Randn(5, 1, 2, 3); var k = Randn(6, 1, 4, 3); var v = Randn(7, 1, 4, 2);
        var mask = Tensor.Zeros(2, 4);
        for (int i = 0; i < 2; i++) { mask[i, 2] = float.NegativeInfinity; mask[i, 3] = float.NegativeInfinity; }
        var y = Tensor.ScaledDotProductAttention(q, k, v, mask);
        var y2 = Tensor.ScaledDotProductAttention(q, k.Narrow(1, 0, 2), v.Narrow(1, 0, 2));
        Close(y.ToArray(), D(y2), 1e-6, "masked keys");
    }

    [Test]
    public void SplitMergeHeads_RoundTrip()
    {
        var x = Randn(8, 2, 5, 6);
        var h = x.SplitHeads(3);
        Assert.That(h.Shape, Is.EqualTo(new[] { 2, 3, 5, 2 }));
        Assert.That(h[1, 2, 4, 1], Is.EqualTo(x[1, 4, 5]));
        Assert.That(h.MergeHeads().ToArray(), Is.EqualTo(x.ToArray()));
    }

    [Test]
    public void WindowAndGridPartition_IndexMaps_RoundTrip_AndGradients()
    {
        int b = 2, h = 6, w = 4, c = 3, wh = 3, ww = 2, gh = 2, gw = 2;
        var x = Randn(9, b, h, w, c);
        var win = x.WindowPartition(wh, ww);
        Assert.That(win.Shape, Is.EqualTo(new[] { b * (h / wh) * (w / ww), wh * ww, c }));
        var grid = x.GridPartition(gh, gw);
        Assert.That(grid.Shape, Is.EqualTo(new[] { b * (h / gh) * (w / gw), gh * gw, c }));
        for (int bi = 0; bi < b; bi++)
        for (int i = 0; i < h; i++)
        for (int j = 0; j < w; j++)
        for (int ch = 0; ch < c; ch++)
        {
            // block: window (i/wh, j/ww), position (i%wh, j%ww)
            int wi = (bi * (h / wh) + i / wh) * (w / ww) + j / ww;
            Assert.That(win[wi, (i % wh) * ww + j % ww, ch], Is.EqualTo(x[bi, i, j, ch]));
            // grid: pixel (a·H/gh + p, b·W/gw + q) lives in window (p, q) at position (a, b)
            int gi = (bi * (h / gh) + i % (h / gh)) * (w / gw) + j % (w / gw);
            Assert.That(grid[gi, (i / (h / gh)) * gw + j / (w / gw), ch], Is.EqualTo(x[bi, i, j, ch]));
        }
        Assert.That(Tensor.WindowReverse(win, wh, ww, h, w).ToArray(), Is.EqualTo(x.ToArray()));
        Assert.That(Tensor.GridReverse(grid, gh, gw, h, w).ToArray(), Is.EqualTo(x.ToArray()));
        // gradients of the permutations, against index-map references
        Check(t => t[0].WindowPartition(wh, ww), a => PartitionRef(a[0], b, h, w, c, wh, ww, grid: false),
            win.Shape, new[] { x }, 1e-7, 1e-5);
        Check(t => t[0].GridPartition(gh, gw), a => PartitionRef(a[0], b, h, w, c, gh, gw, grid: true),
            grid.Shape, new[] { x }, 1e-7, 1e-5);
    }

    /// <summary>Window (block) or grid partition of channel-last x [B, H, W, C], as an index map.</summary>
    private static double[] PartitionRef(double[] x, int b, int h, int w, int c, int p, int q, bool grid)
    {
        var y = new double[x.Length];
        for (int bi = 0; bi < b; bi++) for (int i = 0; i < h; i++) for (int j = 0; j < w; j++) for (int ch = 0; ch < c; ch++)
        {
            int wi, pos;
            if (!grid) { wi = (bi * (h / p) + i / p) * (w / q) + j / q; pos = (i % p) * q + j % q; }
            else { wi = (bi * (h / p) + i % (h / p)) * (w / q) + j % (w / q); pos = (i / (h / p)) * q + j / (w / q); }
            y[(wi * p * q + pos) * c + ch] = x[((bi * h + i) * w + j) * c + ch];
        }
        return y;
    }

    internal static double[] L2NormRef(double[] x, int rows, int len, double eps)
    {
        var y = new double[x.Length];
        for (int r = 0; r < rows; r++)
        {
            double s = 0;
            for (int i = 0; i < len; i++) s += x[r * len + i] * x[r * len + i];
            double n = Math.Max(Math.Sqrt(s), eps);
            for (int i = 0; i < len; i++) y[r * len + i] = x[r * len + i] / n;
        }
        return y;
    }

    [Test]
    public void L2Normalize_MatchesReference_AndGradients()
    {
        var x = Randn(10, 3, 4, 9);
        Check(t => t[0].L2Normalize(-1), a => L2NormRef(a[0], 12, 9, 1e-12), new[] { 3, 4, 9 }, new[] { x }, 1e-6, 1e-4);
        var z = Tensor.Zeros(2, 3).L2Normalize();
        Assert.That(z.ToArray(), Is.All.EqualTo(0f));
    }

    /// <summary>q, k, v [B·heads, Ch, S]; temperature per head.</summary>
    internal static double[] ChannelAttnRef(double[] q, double[] k, double[] v, double[] temp, int b, int heads, int ch, int s)
    {
        var qn = L2NormRef(q, b * heads * ch, s, 1e-12);
        var kn = L2NormRef(k, b * heads * ch, s, 1e-12);
        var y = new double[q.Length];
        var a = new double[ch];
        for (int bh = 0; bh < b * heads; bh++)
        {
            double t = temp[bh % heads];
            for (int i = 0; i < ch; i++)
            {
                double mx = double.NegativeInfinity;
                for (int j = 0; j < ch; j++)
                {
                    double acc = 0;
                    for (int p = 0; p < s; p++) acc += qn[(bh * ch + i) * s + p] * kn[(bh * ch + j) * s + p];
                    a[j] = acc * t; mx = Math.Max(mx, a[j]);
                }
                double sum = 0;
                for (int j = 0; j < ch; j++) { a[j] = Math.Exp(a[j] - mx); sum += a[j]; }
                for (int p = 0; p < s; p++)
                {
                    double acc = 0;
                    for (int j = 0; j < ch; j++) acc += a[j] / sum * v[(bh * ch + j) * s + p];
                    y[(bh * ch + i) * s + p] = acc;
                }
            }
        }
        return y;
    }

    [Test]
    public void ChannelAttention_MatchesReference_AndGradients()
    {
        int b = 2, heads = 2, ch = 3, s = 10;
        var q = Randn(11, b, heads, ch, s);
        var k = Randn(12, b, heads, ch, s);
        var v = Randn(13, b, heads, ch, s);
        var temp = Rand(14, new[] { heads, 1, 1 }, 0.5f, 2f);
        Check(t => Tensor.ChannelAttention(t[0], t[1], t[2], t[3]), a => ChannelAttnRef(a[0], a[1], a[2], a[3], b, heads, ch, s),
            new[] { b, heads, ch, s }, new[] { q, k, v, temp }, 1e-5, 1e-4);
    }
}
