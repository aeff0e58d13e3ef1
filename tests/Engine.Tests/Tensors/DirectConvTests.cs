using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Cpu;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Tensors;

/// <summary>
/// The direct k×k kernel for few output channels (<c>CpuBackend.DirectConvKernel</c>) against the float64 reference
/// and the implicit GEMM it replaces: TCAM's shapes, odd sizes, output counts not multiples of the 4-channel block,
/// widths below, at and above the 16-pixel block, padding 0–2, strides 1–3, dilation 2.
/// </summary>
public class DirectConvTests
{
    // N, C, H, W, O, k, stride, pad, dilation, bias
    [TestCase(1, 36, 13, 21, 8, 3, 1, 1, 1, true)]   // decoder full1
    [TestCase(2, 6, 9, 17, 8, 3, 1, 1, 1, true)]     // encoder full
    [TestCase(1, 8, 10, 16, 8, 3, 1, 1, 1, false)]   // decoder full2, one block of 16
    [TestCase(2, 8, 11, 23, 16, 3, 2, 1, 1, true)]   // encoder half, stride 2, odd size
    [TestCase(1, 16, 7, 9, 27, 3, 1, 1, 1, true)]    // DCN offsets + mask: 27 outputs
    [TestCase(1, 16, 12, 37, 32, 3, 2, 1, 1, true)]  // encoder quarter
    [TestCase(1, 3, 5, 1, 5, 3, 1, 1, 1, true)]      // one column
    [TestCase(2, 4, 8, 9, 3, 3, 1, 2, 2, false)]     // dilation 2
    [TestCase(1, 2, 9, 40, 3, 5, 3, 2, 1, true)]     // 5×5, stride 3
    [TestCase(1, 5, 6, 7, 1, 3, 1, 0, 1, true)]      // no padding, one output
    [TestCase(1, 2, 4, 4, 2, 2, 2, 0, 1, false)]     // 2×2 patchify
    [TestCase(1, 3, 9, 33, 7, 3, 2, 2, 2, true)]     // stride 2 with dilation 2
    [TestCase(1, 8, 9, 70, 16, 3, 2, 1, 1, true)]    // stride 2, a wide row: the vector deinterleave and its tail
    [TestCase(2, 24, 7, 19, 8, 1, 1, 0, 1, true)]    // 1×1 fuse_full
    [TestCase(1, 8, 5, 33, 3, 1, 1, 0, 1, false)]    // 1×1 head
    public void DirectKernelMatchesTheFloat64Reference(int n, int c, int h, int w, int o, int k, int stride, int pad, int dil, bool bias)
    {
        var rng = new Rng((ulong)(n * 131 + c * 17 + h * 5 + w + k + o));
        using var x = Tensor.Randn(rng, n, c, h, w);
        using var wt = Tensor.Randn(rng, new[] { o, c, k, k }, 0.5f);
        using var b = Tensor.Randn(rng, o);
        using var y = Tensor.Conv2d(x, wt, bias ? b : null, stride, pad, dil);
        var r = Reference.Conv2d(GradCheck.ToRef(x), GradCheck.ToRef(wt), bias ? GradCheck.ToRef(b) : null, stride, stride, pad, pad, dil, dil, 1);
        var got = y.ToArray();
        Assert.That(y.Shape, Is.EqualTo(r.Shape));
        // each output is a sum of C·k² products: bound the error by the sum of their magnitudes
        var absRef = Reference.Conv2d(GradCheck.ToRef(x.Abs()), GradCheck.ToRef(wt.Abs()), bias ? GradCheck.ToRef(b.Abs()) : null, stride, stride, pad, pad, dil, dil, 1);
        double worst = 0;
        for (int i = 0; i < got.Length; i++)
        {
            double err = Math.Abs(got[i] - r.Data[i]), bound = 1e-6 * absRef.Data[i] * Math.Sqrt(c * k * k) + 1e-7;
            worst = Math.Max(worst, err / bound);
            Assert.That(err, Is.LessThanOrEqualTo(bound), $"element {i}: {got[i]} vs {r.Data[i]}");
        }
        TestContext.Out.WriteLine($"worst error / bound = {worst:F3}");
    }

    [TestCase(1, 36, 40, 72, 8, 1)]
    [TestCase(2, 8, 30, 50, 16, 2)]
    public void DirectKernelAgreesWithTheGemm(int n, int c, int h, int w, int o, int stride)
    {
        var rng = new Rng((ulong)(c + w));
        using var x = Tensor.Randn(rng, n, c, h, w);
        using var wt = Tensor.Randn(rng, new[] { o, c, 3, 3 }, 0.2f);
        using var b = Tensor.Randn(rng, o);
        float[] Run(bool direct)
        {
            CpuBackend.DirectConvKernel = direct;
            try { using var y = Tensor.Conv2d(x, wt, b, stride, 1); return y.ToArray(); }
            finally { CpuBackend.DirectConvKernel = true; }
        }
        float[] d = Run(true), g = Run(false);
        double maxDiff = 0, maxAbs = 0;
        for (int i = 0; i < d.Length; i++) { maxDiff = Math.Max(maxDiff, Math.Abs(d[i] - g[i])); maxAbs = Math.Max(maxAbs, Math.Abs(g[i])); }
        TestContext.Out.WriteLine($"max |direct − gemm| = {maxDiff:G3}, max |y| = {maxAbs:G3}");
        Assert.That(maxDiff, Is.LessThan(1e-6 * maxAbs * Math.Sqrt(c * 9))); // two fp32 summation orders of C·9 products
    }

    /// <summary>The direct kernel reading a channel concatenation's parts in place (crops and views included) gives conv(concat) bit for bit.</summary>
    [TestCase(3, 1, 1)]   // TCAM full1: four parts, 3×3
    [TestCase(1, 1, 0)]   // TCAM fuse_full: 1×1
    [TestCase(3, 2, 1)]   // stride 2
    public void PartsEqualTheConcatenation(int k, int stride, int pad)
    {
        var rng = new Rng(9);
        using var big = Tensor.Randn(rng, 2, 8, 23, 31);
        var crop = big.Narrow(2, 3, 17).Narrow(3, 5, 21);                 // a strided view
        using var b = Tensor.Randn(rng, 2, 8, 17, 21);
        using var c = Tensor.Randn(rng, 2, 16, 17, 21);
        var d = Tensor.Randn(rng, 2, 4, 19, 25).Narrow(2, 1, 17).Narrow(3, 2, 21);
        var parts = k == 1 ? new[] { crop, c } : new[] { crop, b, c, d };
        int cin = parts.Sum(t => t.Shape[1]);
        using var w = Tensor.Randn(rng, new[] { 8, cin, k, k }, 0.2f);
        using var bias = Tensor.Randn(rng, 8);
        var p = Conv2dParams.Create(stride, pad, 1, 1);
        Assert.That(CpuBackend.TryConv2dParts(parts, w, bias, p, out var y), Is.True);
        using var expected = Tensor.Conv2d(Tensor.Concat(parts, 1), w, bias, p);
        Assert.That(y!.Shape, Is.EqualTo(expected.Shape));
        Assert.That(y.ToArray(), Is.EqualTo(expected.ToArray()), "bit for bit");
        y.Dispose();
    }

    [Test]
    public void PartsDeclineWhatTheDirectKernelDoesNotTake()
    {
        var rng = new Rng(3);
        using var a = Tensor.Randn(rng, 1, 40, 9, 9);
        using var b = Tensor.Randn(rng, 1, 40, 9, 9);
        using var w1 = Tensor.Randn(rng, new[] { 8, 80, 1, 1 }, 0.2f);   // 1×1 with 80 inputs: the GEMM's
        Assert.That(CpuBackend.TryConv2dParts(new[] { a, b }, w1, null, Conv2dParams.Create(1, 0, 1, 1), out _), Is.False);
        using var w2 = Tensor.Randn(rng, new[] { 64, 80, 3, 3 }, 0.2f);  // 64 outputs
        Assert.That(CpuBackend.TryConv2dParts(new[] { a, b }, w2, null, Conv2dParams.Create(1, 1, 1, 1), out _), Is.False);
    }
}
