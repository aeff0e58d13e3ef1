using HdrOfx.Engine.Models.Zica;
using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Autograd;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Models.Zica;

/// <summary>ZiCA (Eq. 6) against a naive float64 reference: forward, and every input and parameter gradient by finite differences.</summary>
public class ZicaBlockTests
{
    private const int B = 2, C = 6, Cp = 5, Heads = 2, H = 3, W = 4, S = H * W;

    /// <summary>Eq. 6 by loops in float64; <paramref name="p"/> holds the block's parameters by name.</summary>
    private static double[] Reference(double[] t, double[] prior, Dictionary<string, double[]> p, double lambda)
    {
        var mapped = Conv1x1(prior, Cp, C, p["prior_in.weight"], p["prior_in.bias"]);
        var q = Conv1x1(GroupNorm(t, p["norm_t.weight"], p["norm_t.bias"]), C, C, p["q.weight"], p["q.bias"]);
        var kv = Conv1x1(GroupNorm(mapped, p["norm_p.weight"], p["norm_p.bias"]), C, 2 * C, p["kv.weight"], p["kv.bias"]);
        int ch = C / Heads;
        var o = new double[B * C * S];
        for (int b = 0; b < B; b++)
            for (int hd = 0; hd < Heads; hd++)
            {
                double Q(int i, int s) => q[(b * C + hd * ch + i) * S + s];
                double K(int i, int s) => kv[(b * 2 * C + hd * ch + i) * S + s];
                double V(int i, int s) => kv[(b * 2 * C + C + hd * ch + i) * S + s];
                double Norm(Func<int, int, double> f, int i) => Math.Max(Math.Sqrt(Enumerable.Range(0, S).Sum(s => f(i, s) * f(i, s))), 1e-12);
                for (int i = 0; i < ch; i++)
                {
                    var logits = new double[ch];
                    for (int j = 0; j < ch; j++)
                    {
                        double dot = 0;
                        for (int s = 0; s < S; s++) dot += Q(i, s) * K(j, s);
                        logits[j] = dot / (Norm(Q, i) * Norm(K, j)) * p["temperature"][hd];
                    }
                    double mx = logits.Max(), z = logits.Sum(l => Math.Exp(l - mx));
                    for (int s = 0; s < S; s++)
                    {
                        double acc = 0;
                        for (int j = 0; j < ch; j++) acc += Math.Exp(logits[j] - mx) / z * V(j, s);
                        o[(b * C + hd * ch + i) * S + s] = acc;
                    }
                }
            }
        var z0 = Conv1x1(o, C, C, p["out.weight"], p["out.bias"]);
        return t.Select((v, i) => v + lambda * z0[i]).ToArray();
    }

    private static double[] Conv1x1(double[] x, int ci, int co, double[] w, double[] bias)
    {
        var y = new double[B * co * S];
        for (int b = 0; b < B; b++)
            for (int o = 0; o < co; o++)
                for (int s = 0; s < S; s++)
                {
                    double acc = bias[o];
                    for (int i = 0; i < ci; i++) acc += w[o * ci + i] * x[(b * ci + i) * S + s];
                    y[(b * co + o) * S + s] = acc;
                }
        return y;
    }

    /// <summary>GroupNorm with one group (6 channels, as the block picks for C = 6), ε = 1e-5.</summary>
    private static double[] GroupNorm(double[] x, double[] gamma, double[] beta)
    {
        var y = new double[x.Length];
        for (int b = 0; b < B; b++)
        {
            var seg = x.Skip(b * C * S).Take(C * S).ToArray();
            double mean = seg.Average(), var = seg.Sum(v => (v - mean) * (v - mean)) / seg.Length, inv = 1 / Math.Sqrt(var + 1e-5);
            for (int c = 0; c < C; c++)
                for (int s = 0; s < S; s++)
                    y[(b * C + c) * S + s] = (x[(b * C + c) * S + s] - mean) * inv * gamma[c] + beta[c];
        }
        return y;
    }

    [Test]
    public void MatchesTheFloat64ReferenceForwardAndBackward()
    {
        using var block = new ZicaBlock(C, Cp, Heads, new Rng(11));
        var rng = new Rng(12);
        using (GradMode.NoGrad())
            foreach (var (_, prm) in block.NamedParameters())
                for (int i = 0; i < prm.Numel; i++) prm.Span[i] = (float)(0.5 * rng.NextNormal()) + (prm.Shape.Length == 3 ? 1.5f : 0f);
        const float lambda = 0.7f;
        var t = Tensor.Randn(rng, new[] { B, C, H, W }).RequireGrad();
        var prior = Tensor.Randn(rng, new[] { B, Cp, H, W }).RequireGrad();
        var y = block.Forward(t, prior, lambda);
        var pd = block.NamedParameters().ToDictionary(e => e.Key, e => e.Value.ToArray().Select(v => (double)v).ToArray());
        var td = t.ToArray().Select(v => (double)v).ToArray();
        var prd = prior.ToArray().Select(v => (double)v).ToArray();
        var yr = Reference(td, prd, pd, lambda);
        var yv = y.ToArray();
        double scale = yr.Max(Math.Abs);
        for (int i = 0; i < yr.Length; i++) Assert.That(yv[i], Is.EqualTo(yr[i]).Within(1e-5 * scale), $"forward {i}");

        var w = Enumerable.Range(0, yv.Length).Select(_ => rng.NextNormal()).ToArray();
        (y * Tensor.FromArray(w.Select(v => (float)v).ToArray(), y.Shape)).Sum().Backward();
        double Loss() => Reference(td, prd, pd, lambda).Select((v, i) => v * w[i]).Sum();
        void CheckGrad(string name, double[] x, float[] analytic)
        {
            const double h = 1e-6;
            var fd = new double[x.Length];
            for (int j = 0; j < x.Length; j++)
            {
                double x0 = x[j];
                x[j] = x0 + h; double lp = Loss();
                x[j] = x0 - h; double lm = Loss();
                x[j] = x0;
                fd[j] = (lp - lm) / (2 * h);
            }
            double floor = 1e-3 * Math.Max(fd.Max(Math.Abs), 1e-9);
            for (int j = 0; j < x.Length; j++)
                Assert.That(Math.Abs(analytic[j] - fd[j]) / Math.Max(Math.Abs(fd[j]), floor), Is.LessThan(2e-3), $"d/d{name}[{j}]: {analytic[j]} vs {fd[j]}");
        }
        CheckGrad("temporal", td, t.Grad!.ToArray());
        CheckGrad("prior", prd, prior.Grad!.ToArray());
        foreach (var (name, prm) in block.NamedParameters()) CheckGrad(name, pd[name], prm.Grad!.ToArray());
    }

    [Test]
    public void ZeroInitAddsExactlyNothingButItsWeightGetsAGradient()
    {
        using var block = new ZicaBlock(C, Cp, Heads, new Rng(13));
        var rng = new Rng(14);
        var t = Tensor.Randn(rng, new[] { B, C, H, W });
        var prior = Tensor.Randn(rng, new[] { B, Cp, H, W });
        var y = block.Forward(t, prior, 1f);
        Assert.That(y.ToArray(), Is.EqualTo(t.ToArray()), "bit for bit");
        y.Sum().Backward();
        var outWeight = block.NamedParameters().Single(e => e.Key == "out.weight").Value;
        Assert.That(outWeight.Grad!.ToArray().Any(g => g != 0f), Is.True);
        Assert.That(ReferenceEquals(block.Forward(t, prior, 0f), t), Is.True, "λ = 0 skips the branch");
        Assert.Throws<ArgumentException>(() => block.Forward(t, prior.Narrow(3, 0, 2), 1f));
    }

    [TestCase(ZicaIntegration.CrossAttention)]
    [TestCase(ZicaIntegration.Concat)]
    public void AblationsAddSomethingAtInitAndNothingAtLambdaZero(ZicaIntegration integration)
    {
        using var block = new ZicaBlock(C, Cp, Heads, new Rng(15), integration);
        var rng = new Rng(16);
        var t = Tensor.Randn(rng, new[] { B, C, H, W });
        var prior = Tensor.Randn(rng, new[] { B, Cp, H, W });
        Assert.That(block.Forward(t, prior, 1f).ToArray(), Is.Not.EqualTo(t.ToArray()), "no zero-init: the prior changes the feature at once");
        Assert.That(ReferenceEquals(block.Forward(t, prior, 0f), t), Is.True);
        if (integration == ZicaIntegration.Concat)
        {
            Assert.That(block.NamedParameters().Select(e => e.Key), Is.EquivalentTo(new[] { "prior_in.weight", "prior_in.bias", "out.weight", "out.bias" }));
            Assert.That(block.Attention(t, prior).Shape, Is.EqualTo(new[] { B, 2 * C, H, W }));
        }
    }
}
