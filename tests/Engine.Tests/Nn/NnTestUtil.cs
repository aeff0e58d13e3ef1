using HdrOfx.Engine.Nn;
using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Autograd;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Nn;

/// <summary>Finite-difference gradient checks for layers (STYLE §2: gradients against central differences).</summary>
internal static class NnTestUtil
{
    /// <summary>
    /// Checks d(Σ f(inputs)·R)/dθ for every parameter of <paramref name="module"/> and every input, on up to
    /// <paramref name="perTensor"/> elements each, against central differences of the float32 forward summed in
    /// float64 with step h. Tolerance |analytic − numeric| ≤ atol + rtol·|numeric|.
    /// </summary>
    public static void CheckGradients(Module? module, Func<Tensor[], Tensor> f, Tensor[] inputs, ulong seed = 7, int perTensor = 12, double h = 1e-2, double atol = 2e-3, double rtol = 2e-2)
    {
        var rng = new Rng(seed);
        foreach (var x in inputs) x.RequiresGrad = true;
        Tensor r;
        using (GradMode.NoGrad())
        {
            var y0 = f(inputs);
            r = TensorScope.Detach(Tensor.Randn(rng, y0.Shape));
        }
        double Loss()
        {
            using var _ = GradMode.NoGrad();
            using var scope = new TensorScope();
            var y = f(inputs).ToArray();
            var rs = r.ToArray();
            double s = 0;
            for (int i = 0; i < y.Length; i++) s += (double)y[i] * rs[i];
            return s;
        }
        module?.ZeroGrad();
        foreach (var x in inputs) x.ZeroGrad();
        using (new TensorScope())
        {
            var y = f(inputs);
            (y * r).Sum().Backward();
        }
        var targets = new List<(string, Tensor)>();
        for (int i = 0; i < inputs.Length; i++) targets.Add(($"input{i}", inputs[i]));
        if (module != null) foreach (var (n, p) in module.NamedParameters()) targets.Add((n, p));
        int checkedCount = 0;
        foreach (var (name, t) in targets)
        {
            Assert.That(t.Grad, Is.Not.Null, $"{name} got no gradient");
            var g = t.Grad!.ToArray();
            int n = t.Numel;
            var idx = n <= perTensor ? Enumerable.Range(0, n).ToArray() : Enumerable.Range(0, perTensor).Select(_ => rng.NextInt(n)).ToArray();
            foreach (int i in idx)
            {
                var s = t.Span;
                float orig = s[i];
                s[i] = orig + (float)h; double lp = Loss();
                s = t.Span; s[i] = orig - (float)h; double lm = Loss();
                s = t.Span; s[i] = orig;
                double num = (lp - lm) / (2 * h);
                double err = Math.Abs(g[i] - num);
                Assert.That(err, Is.LessThanOrEqualTo(atol + rtol * Math.Abs(num)), $"{name}[{i}]: analytic {g[i]:G6}, numeric {num:G6}");
                checkedCount++;
            }
        }
        Assert.That(checkedCount, Is.GreaterThan(0));
        r.Dispose();
    }

    public static Tensor Randn(Rng rng, params int[] shape) => TensorScope.Detach(Tensor.Randn(rng, shape));
}
