using HdrOfx.Engine.Tensors;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Tensors.Ops2;

/// <summary>
/// Checks an fp32 op against a float64 scalar reference: the forward element by element, and the backward against
/// float64 central finite differences of the <em>reference</em> (so the numerical gradient carries no fp32 noise).
/// The loss is L = Σ u·y with a fixed random cotangent u, which exercises every output element.
/// An element passes when |got − want| ≤ atol + rtol·|want|.
/// </summary>
internal static class GradCheck
{
    public static Tensor Randn(ulong seed, params int[] shape) => Tensor.Randn(new Rng(seed), shape);

    public static Tensor Rand(ulong seed, int[] shape, float lo, float hi) => Tensor.Rand(new Rng(seed), shape, lo, hi);

    public static double[] D(Tensor t) => Array.ConvertAll(t.ToArray(), v => (double)v);

    public static void Close(float[] got, double[] want, double rtol, double atol, string what)
    {
        Assert.That(got.Length, Is.EqualTo(want.Length), $"{what}: length");
        double worst = 0; int wi = -1;
        for (int i = 0; i < got.Length; i++)
        {
            double err = Math.Abs(got[i] - want[i]) - (atol + rtol * Math.Abs(want[i]));
            if (double.IsNaN(got[i]) || err > worst) { worst = double.IsNaN(got[i]) ? double.PositiveInfinity : err; wi = i; }
        }
        if (wi >= 0)
            Assert.Fail($"{what}: element {wi} is {got[wi]:G9}, want {want[wi]:G9} (|err| {Math.Abs(got[wi] - want[wi]):G3} > {atol} + {rtol}·|want|)");
    }

    /// <summary>Forward check of <paramref name="op"/> against <paramref name="reference"/> on the given inputs.</summary>
    public static Tensor Forward(Func<Tensor[], Tensor> op, Func<double[][], double[]> reference, Tensor[] inputs, double rtol, double atol, string what)
    {
        var y = op(inputs);
        var want = reference(inputs.Select(D).ToArray());
        Close(y.ToArray(), want, rtol, atol, what + " forward");
        return y;
    }

    /// <summary>
    /// Forward and gradient check. <paramref name="wrt"/> lists the inputs to differentiate (the others are constants).
    /// <paramref name="h"/> is the central-difference step in float64.
    /// </summary>
    public static void Check(Func<Tensor[], Tensor> op, Func<double[][], double[]> reference, Tensor[] inputs, int[] wrt,
        double fwdRtol = 1e-5, double fwdAtol = 1e-5, double gradRtol = 1e-3, double gradAtol = 1e-4, double h = 1e-6, ulong seed = 99, string what = "op")
    {
        var leaves = inputs.Select((t, i) => wrt.Contains(i) ? t.Clone().RequireGrad() : t).ToArray();
        var y = Forward(op, reference, leaves, fwdRtol, fwdAtol, what);
        var u = Randn(seed, y.Shape);
        var loss = (y * u).Sum();
        loss.Backward();
        var ud = D(u);
        var xs = inputs.Select(D).ToArray();
        double F()
        {
            var r = reference(xs);
            double s = 0;
            for (int i = 0; i < r.Length; i++) s += ud[i] * r[i];
            return s;
        }
        foreach (int i in wrt)
        {
            Assert.That(leaves[i].Grad, Is.Not.Null, $"{what}: input {i} got no gradient");
            var got = leaves[i].Grad!.ToArray();
            var num = new double[xs[i].Length];
            for (int j = 0; j < num.Length; j++)
            {
                double keep = xs[i][j];
                xs[i][j] = keep + h; double fp = F();
                xs[i][j] = keep - h; double fm = F();
                xs[i][j] = keep;
                num[j] = (fp - fm) / (2 * h);
            }
            Close(got, num, gradRtol, gradAtol, $"{what} d/d(input {i})");
        }
    }
}
