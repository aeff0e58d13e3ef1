using HdrOfx.Engine.Tensors;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Tensors.Ops2;

/// <summary>
/// Thin adapter over the core's <see cref="Tensors.GradCheck"/> (forward vs float64 reference, gradient vs float64
/// central differences of the reference, relative error with a 1e-3·max floor) for references written on flat
/// float64 arrays, plus helpers for inputs.
/// </summary>
internal static class Ops2Check
{
    public static Tensor Randn(ulong seed, params int[] shape) => Tensor.Randn(new Rng(seed), shape);

    public static Tensor Rand(ulong seed, int[] shape, float lo, float hi) => Tensor.Rand(new Rng(seed), shape, lo, hi);

    public static double[] D(Tensor t) => Array.ConvertAll(t.ToArray(), v => (double)v);

    /// <summary>
    /// Runs the core checker and asserts the stated tolerances. <paramref name="reference"/> maps the inputs' flat
    /// float64 data to the flat output (of shape <paramref name="outShape"/>).
    /// </summary>
    public static GradCheck.Report Check(Func<Tensor[], Tensor> op, Func<double[][], double[]> reference, int[] outShape, Tensor[] inputs,
        double fwdRel, double gradRel, bool[]? differentiable = null, int maxPerInput = 64, ulong seed = 1)
    {
        var rep = GradCheck.Check(op, r => new RefTensor(reference(r.Select(t => t.Data).ToArray()), outShape), inputs,
            seed, maxPerInput, differentiable);
        return rep.AssertWithin(fwdRel, gradRel);
    }

    /// <summary>Forward-only comparison with the same relative-error definition.</summary>
    public static void Close(float[] got, double[] want, double rel, string what)
    {
        Assert.That(got.Length, Is.EqualTo(want.Length), $"{what}: length");
        var (abs, r) = GradCheck.Compare(got.Select(v => (double)v).ToArray(), want);
        Assert.That(r, Is.LessThan(rel), $"{what}: max rel error {r:E2} (abs {abs:E2})");
    }
}
