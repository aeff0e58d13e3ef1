using HdrOfx.Engine.Tensors;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Tensors;

public class MatMulTests
{
    public static IEnumerable<TestCaseData> Shapes()
    {
        yield return new TestCaseData(new[] { 3, 4 }, new[] { 4, 5 });
        yield return new TestCaseData(new[] { 1, 1 }, new[] { 1, 1 });
        yield return new TestCaseData(new[] { 7, 13 }, new[] { 13, 17 });
        yield return new TestCaseData(new[] { 2, 5, 6 }, new[] { 2, 6, 3 });
        yield return new TestCaseData(new[] { 2, 5, 6 }, new[] { 6, 3 });          // broadcast b
        yield return new TestCaseData(new[] { 3, 1, 4, 6 }, new[] { 2, 6, 5 });    // broadcast both
        yield return new TestCaseData(new[] { 19, 37 }, new[] { 37, 23 });
    }

    // fp32 dot products of length K: forward tolerance 1e-5 relative (with the GradCheck floor)
    [TestCaseSource(nameof(Shapes))]
    public void MatMulMatchesReferenceWithGradients(int[] sa, int[] sb)
    {
        var rng = new Rng(21);
        using var a = Tensor.Randn(rng, sa);
        using var b = Tensor.Randn(rng, sb);
        GradCheck.Check(t => Tensor.MatMul(t[0], t[1]), r => Reference.MatMul(r[0], r[1]), new[] { a, b }).AssertWithin(1e-5, 1e-4);
    }

    [Test]
    public void MatMulOfTransposedViewsNeedsNoCopy()
    {
        var rng = new Rng(22);
        using var a = Tensor.Randn(rng, 2, 9, 7);  // used as [2,7,9] via transpose
        using var b = Tensor.Randn(rng, 11, 9);    // used as [9,11] via transpose
        GradCheck.Check(t => Tensor.MatMul(t[0].Transpose(1, 2), t[1].Transpose(0, 1)), r =>
        {
            var at = new RefTensor(new[] { 2, 7, 9 });
            for (int n = 0; n < 2; n++) for (int i = 0; i < 7; i++) for (int k = 0; k < 9; k++) at[n, i, k] = r[0][n, k, i];
            var bt = new RefTensor(new[] { 9, 11 });
            for (int k = 0; k < 9; k++) for (int j = 0; j < 11; j++) bt[k, j] = r[1][j, k];
            return Reference.MatMul(at, bt);
        }, new[] { a, b }).AssertWithin(1e-5, 1e-4);
    }

    [TestCase(true)]
    [TestCase(false)]
    public void LinearMatchesReferenceWithGradients(bool withBias)
    {
        var rng = new Rng(23);
        using var x = Tensor.Randn(rng, 2, 3, 5);
        using var w = Tensor.Randn(rng, 4, 5);
        using var b = Tensor.Randn(rng, 4);
        var inputs = withBias ? new[] { x, w, b } : new[] { x, w };
        GradCheck.Check(t => Tensor.Linear(t[0], t[1], withBias ? t[2] : null), r => Reference.Linear(r[0], r[1], withBias ? r[2] : null), inputs)
            .AssertWithin(1e-5, 1e-4);
    }

    [Test]
    public void LinearOnPermutedInput()
    {
        var rng = new Rng(24);
        using var x = Tensor.Randn(rng, 2, 5, 3); // permuted to [2,3,5]: rows do not collapse, forces the copy path
        using var w = Tensor.Randn(rng, 4, 5);
        GradCheck.Check(t => Tensor.Linear(t[0].Permute(0, 2, 1), t[1]), r =>
        {
            var xp = new RefTensor(new[] { 2, 3, 5 });
            for (int n = 0; n < 2; n++) for (int i = 0; i < 3; i++) for (int k = 0; k < 5; k++) xp[n, i, k] = r[0][n, k, i];
            return Reference.Linear(xp, r[1], null);
        }, new[] { x, w }).AssertWithin(1e-5, 1e-4);
    }

    [Test]
    public void ShapeErrorsAreReported()
    {
        using var a = Tensor.Zeros(3, 4);
        using var b = Tensor.Zeros(5, 6);
        var e = Assert.Throws<ArgumentException>(() => Tensor.MatMul(a, b));
        Assert.That(e!.Message, Does.Contain("[3, 4]").And.Contain("[5, 6]"));
    }
}
