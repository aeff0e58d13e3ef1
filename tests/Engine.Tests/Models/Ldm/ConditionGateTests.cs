using HdrOfx.Engine.Models.Ldm;
using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Autograd;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Models.Ldm;

public class ConditionGateTests
{
    /// <summary>A linear frame (1 = clip) as the condition [1, 3, H, W] and its planes.</summary>
    private static (Tensor Condition, float[] Linear) Condition(int w, int h, Func<int, int, int, float> value)
    {
        var linear = new float[3 * w * h];
        var cond = new float[linear.Length];
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    int i = (c * h + y) * w + x;
                    linear[i] = value(c, y, x);
                    cond[i] = LdmDomain.Condition(linear[i]);
                }
        return (Tensor.FromArray(cond, 1, 3, h, w), linear);
    }

    [Test]
    public void IsOneMinusTheSoftClipMaskAndTheBlockMaximumAtCoarserScales()
    {
        using var scope = new TensorScope();
        int w = 24, h = 16, n = w * h;
        var rng = new Random(5);
        var (cond, lin) = Condition(w, h, (_, _, _) => rng.NextSingle() < 0.2f ? 1f : 0.8f + 0.25f * rng.NextSingle());
        var (full, half, quarter) = ConditionGate.Of(cond);
        var f = full.ToArray();
        var alpha = new double[n];
        for (int p = 0; p < n; p++)
        {
            alpha[p] = SoftClipMask.Alpha(lin[p], lin[n + p], lin[2 * n + p]);
            Assert.That(f[p], Is.EqualTo(1 - alpha[p]).Within(2e-4), $"pixel {p}");
        }
        Assert.That(alpha.Count(a => a == 1), Is.GreaterThan(20), "the frame clips");
        Assert.That(alpha.Count(a => a is > 0 and < 1), Is.GreaterThan(20), "and has soft values");
        foreach (var (g, s) in new[] { (half, 2), (quarter, 4) })
        {
            Assert.That(g.Shape, Is.EqualTo(new[] { 1, 1, h / s, w / s }));
            var a = g.ToArray();
            for (int y = 0; y < h / s; y++)
                for (int x = 0; x < w / s; x++)
                {
                    double max = 0;
                    for (int dy = 0; dy < s; dy++)
                        for (int dx = 0; dx < s; dx++) max = Math.Max(max, alpha[(s * y + dy) * w + s * x + dx]);
                    Assert.That(a[y * (w / s) + x], Is.EqualTo(1 - max).Within(2e-4), $"scale 1/{s} at {x},{y}");
                }
        }
    }

    [Test]
    public void GatedDecoderEqualsTheUngatedOneWhereNothingClipsAndNotWhereItDoes()
    {
        using var gated = new LatentAutoencoder(LdmConfig.TinyGated, new Rng(8));
        using var plain = new LatentAutoencoder(LdmConfig.Tiny, new Rng(8));
        foreach (var (name, p) in plain.NamedParameters()) // a decoder that has learned something: its last conv is not zero
            if (name.StartsWith("decoder.7.", StringComparison.Ordinal)) Tensor.Rand(new Rng(9), p.Shape).ToArray().AsSpan().CopyTo(p.Span);
        gated.LoadStateDict(plain.StateDict());
        using var scope = new TensorScope();
        using var noGrad = GradMode.NoGrad();
        var (dim, _) = Condition(32, 16, (c, y, x) => 0.1f + 0.02f * x + 0.05f * c);
        var (clipped, _) = Condition(32, 16, (c, y, x) => x is >= 8 and < 20 && y is >= 4 and < 12 ? 1f : 0.1f + 0.02f * x + 0.05f * c);
        var z = Tensor.Rand(new Rng(10), 1, 4, 4, 8);
        Assert.That(gated.Decode(z, dim).Image.ToArray(), Is.EqualTo(plain.Decode(z, dim).Image.ToArray()), "a frame without clipped pixels opens every gate");
        var a = gated.Decode(z, clipped).Image.ToArray();
        var b = plain.Decode(z, clipped).Image.ToArray();
        Assert.That(a.Zip(b, (u, v) => Math.Abs(u - v)).Max(), Is.GreaterThan(1e-3f), "where it clips the condition branch is closed");
    }

    [Test]
    public void MaskedDecoderSeesWhereTheConditionClipsNotItsValues()
    {
        using var ae = new LatentAutoencoder(LdmConfig.TinyMasked, new Rng(11));
        foreach (var (name, p) in ae.NamedParameters())
            if (name.StartsWith("decoder.7.", StringComparison.Ordinal)) Tensor.Rand(new Rng(12), p.Shape).ToArray().AsSpan().CopyTo(p.Span);
        using var scope = new TensorScope();
        using var noGrad = GradMode.NoGrad();
        bool Clipped(int y, int x) => x is >= 8 and < 20 && y is >= 4 and < 12;
        var (a, _) = Condition(32, 16, (c, y, x) => Clipped(y, x) ? 1f : 0.1f + 0.02f * x + 0.05f * c);
        var (b, _) = Condition(32, 16, (c, y, x) => Clipped(y, x) ? 1f : 0.6f - 0.01f * y);
        var (other, _) = Condition(32, 16, (c, y, x) => Clipped(y, x + 4) ? 1f : 0.6f - 0.01f * y);
        var z = Tensor.Rand(new Rng(13), 1, 4, 4, 8);
        float[] Residual(Tensor c) => (ae.Decode(z, c).Image - c).ToArray();
        var ra = Residual(a);
        Assert.That(Residual(b).Zip(ra, (u, v) => Math.Abs(u - v)).Max(), Is.LessThan(1e-5f), "same clipped region, other values: the same residual");
        Assert.That(Residual(other).Zip(ra, (u, v) => Math.Abs(u - v)).Max(), Is.GreaterThan(1e-3f), "another clipped region: another residual");
        Assert.That(Residual(a).Zip(ra, (u, v) => Math.Abs(u - v)).Max(), Is.EqualTo(0f));
        var z2 = Tensor.Rand(new Rng(14), 1, 4, 4, 8);
        Assert.That((ae.Decode(z2, a).Image - a).ToArray().Zip(ra, (u, v) => Math.Abs(u - v)).Max(), Is.GreaterThan(1e-3f), "the latent changes it");
    }

    [Test]
    public void HeInitStartsTheConvolutionsAtHesScale()
    {
        using var he = new LatentAutoencoder(LdmConfig.Masked, new Rng(15));
        foreach (var (name, p) in he.NamedParameters().Where(e => e.Value.Rank == 4))
        {
            var w = p.ToArray();
            if (name == "decoder.7.weight") { Assert.That(w, Has.All.EqualTo(0f), name); continue; }
            int fanIn = p.Shape[1] * p.Shape[2] * p.Shape[3];
            double bound = Math.Sqrt(6.0 / fanIn) * (name.EndsWith("conv2.weight", StringComparison.Ordinal) ? 0.3 : 1.0);
            double rms = Math.Sqrt(w.Average(v => (double)v * v));
            Assert.That(w.Max(v => Math.Abs(v)), Is.LessThanOrEqualTo(bound * 1.0001), name);
            Assert.That(rms, Is.EqualTo(bound / Math.Sqrt(3)).Within(0.15 * bound), $"{name}: uniform on ±bound");
            if (!name.EndsWith("conv2.weight", StringComparison.Ordinal)) // the default (a = √5) stays within ±1/√fanIn
                Assert.That(w.Max(v => Math.Abs(v)), Is.GreaterThan(1.5 / Math.Sqrt(fanIn)), $"{name}: beyond the default init's bound");
        }
    }

    [Test]
    public void ExcessInputEncoderSeesTheTargetsExcessOverItsCondition()
    {
        using var ae = new LatentAutoencoder(LdmConfig.TinyMasked, new Rng(16));
        using var scope = new TensorScope();
        using var noGrad = GradMode.NoGrad();
        var (c, _) = Condition(32, 16, (ch, y, x) => x is >= 8 and < 20 && y is >= 4 and < 12 ? 1f : 0.1f + 0.02f * x);
        var target = c + Tensor.FromArray(Enumerable.Range(0, 3 * 32 * 16).Select(i => (i % 32) is >= 8 and < 20 && (i / 32 % 16) is >= 4 and < 12 ? 0.2f : 0f).ToArray(), 1, 3, 16, 32);
        Assert.That(ae.Encode(c, c).ToArray(), Is.EqualTo(ae.Encode(c).ToArray()), "a condition encoded as itself: excess 0");
        var zt = ae.Encode(target, c).ToArray();
        var zx = ae.Encode(target).ToArray();
        Assert.That(zt.Zip(zx, (u, v) => Math.Abs(u - v)).Max(), Is.GreaterThan(1e-3f), "the excess is an input");
        Assert.That(ae.RoundTrip(target, c).ToArray(), Is.EqualTo(ae.Decode(ae.Encode(target, c), c).Image.ToArray()));
    }
}
