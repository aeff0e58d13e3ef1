using HdrOfx.Engine.Tensors;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Tensors;

public class ElementwiseTests
{
    public static IEnumerable<TestCaseData> BroadcastPairs()
    {
        yield return new TestCaseData(new[] { 3, 4 }, new[] { 3, 4 });
        yield return new TestCaseData(new[] { 2, 3, 4 }, new[] { 4 });
        yield return new TestCaseData(new[] { 2, 1, 4 }, new[] { 3, 1 });
        yield return new TestCaseData(new[] { 2, 3, 5, 4 }, new[] { 1, 3, 1, 1 });
        yield return new TestCaseData(new[] { 1 }, new[] { 2, 3, 37 });
        yield return new TestCaseData(new[] { 1, 2, 1, 3, 9 }, new[] { 2, 1, 2, 3, 1 });
    }

    [TestCaseSource(nameof(BroadcastPairs))]
    public void AddSubMulDivMatchReferenceAndGradients(int[] sa, int[] sb)
    {
        var rng = new Rng(11);
        using var a = TestData.Randn(rng, sa);
        using var bAny = TestData.Randn(rng, sb);
        using var bPos = TestData.Positive(rng, sb, 0.5f, 2f);
        GradCheck.Check(x => x[0] + x[1], r => Reference.Binary(r[0], r[1], (p, q) => p + q), new[] { a, bAny }).AssertWithin(1e-6, 1e-5);
        GradCheck.Check(x => x[0] - x[1], r => Reference.Binary(r[0], r[1], (p, q) => p - q), new[] { a, bAny }).AssertWithin(1e-6, 1e-5);
        GradCheck.Check(x => x[0] * x[1], r => Reference.Binary(r[0], r[1], (p, q) => p * q), new[] { a, bAny }).AssertWithin(1e-6, 1e-5);
        GradCheck.Check(x => x[0] / x[1], r => Reference.Binary(r[0], r[1], (p, q) => p / q), new[] { a, bPos }).AssertWithin(1e-6, 1e-5);
    }

    public static IEnumerable<TestCaseData> UnaryOps()
    {
        // name, op, reference, positive inputs only; tolerances: forward 1e-5 (vector exp/log ≈ 1 ulp), grad 1e-4
        yield return Case("neg", x => -x, v => -v);
        yield return Case("abs", x => x.Abs(), Math.Abs);
        yield return Case("square", x => x.Square(), v => v * v);
        yield return Case("sqrt", x => x.Sqrt(), Math.Sqrt, positive: true);
        yield return Case("exp", x => x.Exp(), Math.Exp);
        yield return Case("log", x => x.Log(), Math.Log, positive: true);
        yield return Case("reciprocal", x => x.Reciprocal(), v => 1 / v, positive: true);
        yield return Case("relu", x => x.Relu(), v => Math.Max(v, 0));
        yield return Case("leaky_relu", x => x.LeakyRelu(0.2f), v => v > 0 ? v : 0.2 * v);
        yield return Case("gelu_tanh", x => x.Gelu(), Reference.Gelu);
        yield return Case("silu", x => x.Silu(), v => v * Reference.Sigmoid(v));
        yield return Case("sigmoid", x => x.Sigmoid(), Reference.Sigmoid);
        yield return Case("tanh", x => x.Tanh(), Math.Tanh);
        yield return Case("add_scalar", x => x + 1.5f, v => v + 1.5);
        yield return Case("rsub_scalar", x => 1.5f - x, v => 1.5 - v);
        yield return Case("mul_scalar", x => x * -2.5f, v => v * -2.5);
        yield return Case("div_scalar", x => x / 4f, v => v / 4);
        yield return Case("pow2", x => x.Pow(2f), v => v * v);
        yield return Case("clamp", x => x.Clamp(-0.5f, 0.7f), v => Math.Min(Math.Max(v, -0.5), 0.7));
        yield return Case("clamp_min", x => x.ClampMin(0.3f), v => Math.Max(v, 0.3));
        yield return Case("pow_half", x => x.Pow(0.5f), Math.Sqrt, positive: true);
        yield return Case("pow_1.7", x => x.Pow(1.7f), v => Math.Pow(v, 1.7), positive: true);
        yield return Case("pow_-1.3", x => x.Pow(-1.3f), v => Math.Pow(v, -1.3), positive: true);
    }

    private static TestCaseData Case(string name, Func<Tensor, Tensor> op, Func<double, double> reference, bool positive = false) =>
        new TestCaseData(op, reference, positive) { TestName = "Unary_" + name };

    [TestCaseSource(nameof(UnaryOps))]
    public void UnaryMatchesReferenceAndGradient(Func<Tensor, Tensor> op, Func<double, double> reference, bool positive)
    {
        // lengths 0..257 cover the empty case, the 32-wide unrolled loop, the 8-wide loop and the scalar tail
        foreach (int n in new[] { 0, 1, 7, 8, 31, 32, 33, 64, 257 })
        {
            var rng = new Rng((ulong)n);
            using var x = positive ? TestData.Positive(rng, new[] { n }) : TestData.Randn(rng, new[] { n }, gap: 1e-2f);
            GradCheck.Check(t => op(t[0]), r => Reference.Map(r[0], reference), new[] { x }).AssertWithin(1e-5, 1e-4);
        }
    }

    /// <summary>The worked example of docs/tensors.md §7.</summary>
    [Test]
    public void SoftplusMatchesReference()
    {
        foreach (int n in new[] { 0, 1, 7, 8, 33, 257 })
        {
            using var x = Tensor.Randn(new Rng((ulong)n), new[] { n }, 3f);
            GradCheck.Check(t => t[0].Softplus(), r => Reference.Map(r[0], v => Math.Log(1 + Math.Exp(v))), new[] { x })
                .AssertWithin(1e-5, 1e-4);
        }
        using var big = Tensor.FromArray(new[] { -200f, 200f });
        Assert.That(big.Softplus().ToArray(), Is.EqualTo(new[] { 0f, 200f }));
    }

    [Test]
    public void ActivationsSaturateWithoutNaN()
    {
        using var x = Tensor.FromArray(new[] { -1000f, -100f, -20f, 0f, 20f, 100f, 1000f, -90f, 90f });
        foreach (var f in new Func<Tensor, Tensor>[] { t => t.Sigmoid(), t => t.Tanh(), t => t.Gelu(), t => t.Silu() })
        {
            var y = f(x).ToArray();
            Assert.That(y.All(float.IsFinite), Is.True, string.Join(",", y));
        }
        Assert.That(x.Tanh().ToArray()[0], Is.EqualTo(-1f));
        Assert.That(x.Sigmoid().ToArray()[6], Is.EqualTo(1f));
    }

    [Test]
    public void InPlaceOpsRefuseTensorsThatRequireGrad()
    {
        using var x = Tensor.Ones(3).RequireGrad();
        using var y = Tensor.Ones(3);
        Assert.Throws<InvalidOperationException>(() => x.AddInPlace(y));
        using (HdrOfx.Engine.Tensors.Autograd.GradMode.NoGrad()) x.AddInPlace(y);
        Assert.That(x.ToArray(), Is.EqualTo(new[] { 2f, 2f, 2f }));
    }

    [Test]
    public void BinaryOnNonContiguousViews()
    {
        var rng = new Rng(5);
        using var a = Tensor.Randn(rng, 4, 6);
        using var b = Tensor.Randn(rng, 6, 4);
        using var at = a.Transpose(0, 1); // [6,4] strided
        using var s = at + b;
        var av = a.ToArray(); var bv = b.ToArray(); var sv = s.ToArray();
        for (int i = 0; i < 6; i++) for (int j = 0; j < 4; j++)
            Assert.That(sv[i * 4 + j], Is.EqualTo(av[j * 6 + i] + bv[i * 4 + j]));
    }
}
