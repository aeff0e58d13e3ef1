using HdrOfx.Engine.Tensors;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Tensors;

public class ReduceTests
{
    public static IEnumerable<TestCaseData> SumCases()
    {
        yield return new TestCaseData(new[] { 5 }, new[] { 0 }, false);
        yield return new TestCaseData(new[] { 3, 4 }, new[] { 1 }, true);
        yield return new TestCaseData(new[] { 3, 4 }, new[] { 0 }, false);
        yield return new TestCaseData(new[] { 2, 3, 4, 5 }, new[] { 0, 2, 3 }, true);
        yield return new TestCaseData(new[] { 2, 3, 4, 5 }, new[] { 1, -1 }, false);
        yield return new TestCaseData(new[] { 2, 3, 4, 5, 2 }, new[] { 0, 1, 2, 3, 4 }, false);
    }

    [TestCaseSource(nameof(SumCases))]
    public void SumAndMeanMatchReference(int[] shape, int[] dims, bool keep)
    {
        var rng = new Rng(3);
        using var x = Tensor.Randn(rng, shape);
        GradCheck.Check(t => t[0].Sum(dims, keep), r => Reference.Sum(r[0], dims, keep), new[] { x }).AssertWithin(1e-5, 1e-5);
        int count = dims.Select(d => shape[d < 0 ? d + shape.Length : d]).Aggregate(1, (p, q) => p * q);
        GradCheck.Check(t => t[0].Mean(dims, keep), r => Reference.Map(Reference.Sum(r[0], dims, keep), v => v / count), new[] { x }).AssertWithin(1e-5, 1e-5);
    }

    [Test]
    public void LargeSumHasRelativeErrorBelow1e5()
    {
        // 2^20 positive values: a naive float loop drifts ~1e-4; float64 accumulation stays at fp32 rounding
        var rng = new Rng(9);
        using var x = Tensor.Rand(rng, new[] { 1 << 20 }, 0.1f, 1f);
        double exact = x.ToArray().Sum(v => (double)v);
        float got = x.Sum().Item();
        Assert.That(Math.Abs(got - exact) / exact, Is.LessThan(1e-6));
        using var x2 = x.Reshape(1024, 1024);
        var cols = x2.Sum(0).ToArray();
        var xv = x.ToArray();
        for (int j = 0; j < 1024; j += 97)
        {
            double s = 0; for (int i = 0; i < 1024; i++) s += xv[i * 1024 + j];
            Assert.That(Math.Abs(cols[j] - s) / s, Is.LessThan(1e-6));
        }
    }

    [TestCase(new[] { 7 }, 0)]
    [TestCase(new[] { 3, 5 }, 1)]
    [TestCase(new[] { 3, 5 }, 0)]
    [TestCase(new[] { 2, 4, 3, 2 }, 1)]
    [TestCase(new[] { 2, 4, 3, 33 }, -1)]
    [TestCase(new[] { 2, 9, 5, 7 }, 1)]
    [TestCase(new[] { 2, 9, 4, 4 }, 1)]
    [TestCase(new[] { 3, 17, 8 }, 0)]
    public void SoftmaxMatchesReference(int[] shape, int dim)
    {
        var rng = new Rng(4);
        using var x = Tensor.Randn(rng, shape, 3f);
        GradCheck.Check(t => t[0].Softmax(dim), r => Reference.Softmax(r[0], dim), new[] { x }).AssertWithin(1e-5, 1e-4);
    }

    [Test]
    public void SoftmaxIsStableForLargeInputs()
    {
        using var x = Tensor.FromArray(new[] { 1000f, 1001f, 1002f });
        var y = x.Softmax(0).ToArray();
        Assert.That(y.Sum(), Is.EqualTo(1f).Within(1e-6));
        Assert.That(y[2], Is.EqualTo(0.66524096f).Within(1e-6));
    }

    /// <summary>The path along a strided dim (8 inner positions at a time, then the remainder) keeps the max shift.</summary>
    [Test]
    public void SoftmaxAlongStridedDimIsStableForLargeInputs()
    {
        var v = new float[3 * 11];
        for (int k = 0; k < 3; k++) for (int j = 0; j < 11; j++) v[k * 11 + j] = 1000f + k + j;
        using var x = Tensor.FromArray(v, 3, 11);
        var y = x.Softmax(0).ToArray();
        for (int j = 0; j < 11; j++)
        {
            Assert.That(y[j] + y[11 + j] + y[22 + j], Is.EqualTo(1f).Within(1e-6));
            Assert.That(y[22 + j], Is.EqualTo(0.66524096f).Within(1e-6));
        }
    }

    /// <summary>Sum over a leading dim into contiguous rows (TCAM's mean over neighbours): float64 sums in row order, the vector path's tail included.</summary>
    [TestCase(2, 3, 5, 19)]
    [TestCase(4, 2, 3, 8)]
    [TestCase(3, 1, 1, 5)]
    public void SumOverTheLeadingDimIsTheFloat64RowSum(int k, int c, int h, int w)
    {
        using var x = Tensor.Randn(new Rng((ulong)(k + w)), k, c, h, w);
        var a = x.ToArray();
        int m = c * h * w;
        var expected = new float[m];
        for (int i = 0; i < m; i++)
        {
            double s = 0;
            for (int j = 0; j < k; j++) s += a[j * m + i];
            expected[i] = (float)s;
        }
        using var y = x.Sum(0);
        Assert.That(y.ToArray(), Is.EqualTo(expected));
    }
}
