using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Autograd;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Tensors;

/// <summary>
/// Checks an op against its float64 scalar reference, forward and backward.
/// <list type="number">
/// <item>Forward: op(x) in float32 vs reference(x) in float64.</item>
/// <item>Backward: L = Σ w ⊙ op(x) with fixed random weights w; the engine's fp32 dL/dx (autograd) is compared with
/// central finite differences of Lref = Σ w ⊙ reference(x), computed entirely in float64 with h = 1e-6
/// (truncation ~h²·f''' ≈ 1e-12, rounding ~1e-16/h ≈ 1e-10), so the check is independent of the engine.</item>
/// </list>
/// Errors are reported as max abs and max relative error, where relative = |a − b| / max(|b|, 1e-3 · max|b|)
/// (the floor keeps near-zero entries from dominating). Up to <c>maxPerInput</c> elements per input are probed,
/// chosen with the seed.
/// </summary>
public static class GradCheck
{
    public sealed record Report(double ForwardMaxAbs, double ForwardMaxRel, double GradMaxAbs, double GradMaxRel, int Probed)
    {
        public override string ToString() =>
            $"forward max abs {ForwardMaxAbs:E2} rel {ForwardMaxRel:E2}; grad max abs {GradMaxAbs:E2} rel {GradMaxRel:E2} over {Probed} probes";

        /// <summary>Asserts both relative errors are below the given tolerances.</summary>
        public Report AssertWithin(double forwardRel, double gradRel)
        {
            Assert.That(ForwardMaxRel, Is.LessThan(forwardRel), $"forward: {this}");
            Assert.That(GradMaxRel, Is.LessThan(gradRel), $"gradient: {this}");
            TestContext.Out.WriteLine(ToString());
            return this;
        }
    }

    public static RefTensor ToRef(Tensor t) => new(t.ToArray().Select(v => (double)v).ToArray(), (int[])t.Shape.Clone());

    /// <summary>Runs the check. <paramref name="inputs"/> are copied; <paramref name="differentiable"/> masks inputs to probe (default all).</summary>
    public static Report Check(Func<Tensor[], Tensor> op, Func<RefTensor[], RefTensor> reference, Tensor[] inputs,
        ulong seed = 1, int maxPerInput = 48, bool[]? differentiable = null, double h = 1e-6)
    {
        differentiable ??= Enumerable.Repeat(true, inputs.Length).ToArray();
        var leaves = inputs.Select((t, i) => { var c = t.Clone(); c.RequiresGrad = differentiable[i]; return c; }).ToArray();
        var refs = inputs.Select(ToRef).ToArray();
        var rng = new Rng(seed);

        // forward
        var y = op(leaves);
        var yr = reference(refs);
        Assert.That(y.Shape, Is.EqualTo(yr.Shape), "op and reference disagree on the output shape");
        var yv = y.ToArray();
        (double fAbs, double fRel) = Compare(yv.Select(v => (double)v).ToArray(), yr.Data);

        // analytic gradient of L = Σ w·y
        var w = new double[yv.Length];
        for (int i = 0; i < w.Length; i++) w[i] = rng.NextNormal();
        using (var wt = Tensor.FromArray(w.Select(v => (float)v).ToArray(), y.Shape))
        {
            var l = (y * wt).Sum();
            l.Backward();
        }

        double gAbs = 0, gRel = 0; int probed = 0;
        for (int i = 0; i < inputs.Length; i++)
        {
            if (!differentiable[i]) continue;
            var grad = leaves[i].Grad?.ToArray() ?? new float[leaves[i].Numel];
            int n = refs[i].Length;
            var picks = n <= maxPerInput ? Enumerable.Range(0, n).ToArray() : Enumerable.Range(0, maxPerInput).Select(_ => rng.NextInt(n)).Distinct().ToArray();
            var fd = new double[picks.Length];
            var an = new double[picks.Length];
            for (int p = 0; p < picks.Length; p++)
            {
                int j = picks[p];
                double x0 = refs[i].Data[j];
                refs[i].Data[j] = x0 + h; double lp = Dot(w, reference(refs).Data);
                refs[i].Data[j] = x0 - h; double lm = Dot(w, reference(refs).Data);
                refs[i].Data[j] = x0;
                fd[p] = (lp - lm) / (2 * h);
                an[p] = grad[j];
            }
            (double a, double r) = Compare(an, fd);
            gAbs = Math.Max(gAbs, a); gRel = Math.Max(gRel, r);
            probed += picks.Length;
        }
        foreach (var l in leaves) l.Dispose();
        return new Report(fAbs, fRel, gAbs, gRel, probed);
    }

    private static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    /// <summary>(max abs error, max relative error with floor 1e-3·max|expected|).</summary>
    public static (double Abs, double Rel) Compare(double[] actual, double[] expected)
    {
        double scale = expected.Length == 0 ? 0 : expected.Max(Math.Abs);
        double floor = Math.Max(1e-3 * scale, 1e-12);
        double ma = 0, mr = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double e = Math.Abs(actual[i] - expected[i]);
            if (double.IsNaN(e)) return (double.NaN, double.PositiveInfinity);
            ma = Math.Max(ma, e);
            mr = Math.Max(mr, e / Math.Max(Math.Abs(expected[i]), floor));
        }
        return (ma, mr);
    }

    /// <summary>
    /// For composite ops without a float64 reference: central differences of the fp32 op itself (h = 1e-2 by default),
    /// accumulated in double. Truncation and fp32 rounding limit this to about 1e-2 relative; use only where no reference exists.
    /// </summary>
    public static Report CheckFloat32(Func<Tensor[], Tensor> op, Tensor[] inputs, ulong seed = 1, int maxPerInput = 24, float h = 1e-2f)
    {
        var leaves = inputs.Select(t => t.Clone().RequireGrad()).ToArray();
        var rng = new Rng(seed);
        var y = op(leaves);
        var w = new float[y.Numel];
        for (int i = 0; i < w.Length; i++) w[i] = (float)rng.NextNormal();
        using (var wt = Tensor.FromArray(w, y.Shape)) (y * wt).Sum().Backward();
        double gAbs = 0, gRel = 0; int probed = 0;
        using var _ = GradMode.NoGrad();
        for (int i = 0; i < leaves.Length; i++)
        {
            var grad = leaves[i].Grad!.ToArray();
            var x = leaves[i].Detach().Clone();
            var xs = x.Span;
            int n = xs.Length;
            var picks = n <= maxPerInput ? Enumerable.Range(0, n).ToArray() : Enumerable.Range(0, maxPerInput).Select(_ => rng.NextInt(n)).Distinct().ToArray();
            var fd = new double[picks.Length]; var an = new double[picks.Length];
            for (int p = 0; p < picks.Length; p++)
            {
                int j = picks[p]; float x0 = xs[j];
                var args = leaves.Select(l => l.Detach()).ToArray();
                args[i] = x;
                x.Span[j] = x0 + h; double lp = WeightedSum(op(args), w);
                x.Span[j] = x0 - h; double lm = WeightedSum(op(args), w);
                x.Span[j] = x0;
                fd[p] = (lp - lm) / (2.0 * h); an[p] = grad[j];
            }
            var (a, r) = Compare(an, fd);
            gAbs = Math.Max(gAbs, a); gRel = Math.Max(gRel, r); probed += picks.Length;
        }
        return new Report(0, 0, gAbs, gRel, probed);
    }

    private static double WeightedSum(Tensor y, float[] w)
    {
        var v = y.ToArray();
        double s = 0;
        for (int i = 0; i < v.Length; i++) s += (double)v[i] * w[i];
        return s;
    }
}
