using HdrOfx.Engine.Tensors;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Tensors;

public class ConvTests
{
    // N, C, H, W, O, k, stride, pad, dilation, groups, bias
    [TestCase(1, 1, 5, 5, 1, 3, 1, 0, 1, 1, false)]
    [TestCase(2, 3, 7, 6, 4, 3, 1, 1, 1, 1, true)]
    [TestCase(1, 4, 9, 8, 6, 3, 2, 1, 1, 1, true)]
    [TestCase(2, 4, 8, 9, 4, 3, 1, 2, 2, 1, false)]
    [TestCase(1, 6, 7, 7, 4, 3, 1, 1, 1, 2, true)]   // groups
    [TestCase(1, 4, 6, 6, 4, 3, 1, 1, 1, 4, true)]   // depthwise
    [TestCase(2, 5, 9, 21, 5, 3, 1, 1, 1, 5, true)]  // depthwise 3×3 kernel: vector body, scalar edges and tail
    [TestCase(1, 3, 1, 17, 3, 3, 1, 1, 1, 3, false)] // depthwise 3×3, one row
    [TestCase(1, 2, 5, 10, 2, 3, 1, 1, 1, 2, true)]  // depthwise 3×3, exactly one vector per row
    [TestCase(2, 5, 6, 7, 3, 1, 1, 0, 1, 1, true)]   // 1×1 direct path
    [TestCase(1, 3, 6, 6, 2, 1, 2, 0, 1, 1, false)]  // 1×1 strided
    [TestCase(1, 2, 9, 10, 3, 5, 3, 2, 1, 1, true)]
    [TestCase(1, 2, 4, 4, 2, 2, 2, 0, 1, 1, false)]  // patchify
    public void Conv2dMatchesReferenceWithGradients(int n, int c, int h, int w, int o, int k, int stride, int pad, int dil, int groups, bool bias)
    {
        var rng = new Rng((ulong)(n * 131 + c * 17 + h + k));
        using var x = Tensor.Randn(rng, n, c, h, w);
        using var wt = Tensor.Randn(rng, new[] { o, c / groups, k, k }, 0.5f);
        using var b = Tensor.Randn(rng, o);
        var inputs = bias ? new[] { x, wt, b } : new[] { x, wt };
        GradCheck.Check(
            t => Tensor.Conv2d(t[0], t[1], bias ? t[2] : null, stride, pad, dil, groups),
            r => Reference.Conv2d(r[0], r[1], bias ? r[2] : null, stride, stride, pad, pad, dil, dil, groups),
            inputs, maxPerInput: 32).AssertWithin(1e-4, 1e-4); // forward: K = C·k² fp32 products (GEMM tolerance, see docs)
    }

    /// <summary>The direct depthwise 3×3 kernel does the grouped GEMM's arithmetic: the same values, bit for bit.</summary>
    [TestCase(2, 5, 9, 21, true)]
    [TestCase(1, 3, 1, 17, false)]
    [TestCase(1, 6, 12, 40, true)]
    public void DepthwiseKernelEqualsTheGroupedGemm(int n, int c, int h, int w, bool bias)
    {
        var rng = new Rng((ulong)(c * 7 + w));
        using var x = Tensor.Randn(rng, n, c, h, w);
        using var wt = Tensor.Randn(rng, new[] { c, 1, 3, 3 }, 0.5f);
        using var b = Tensor.Randn(rng, c);
        float[] Run(bool kernel)
        {
            HdrOfx.Engine.Tensors.Cpu.CpuBackend.DepthwiseKernel = kernel;
            try { using var y = Tensor.Conv2d(x, wt, bias ? b : null, 1, 1, 1, c); return y.ToArray(); }
            finally { HdrOfx.Engine.Tensors.Cpu.CpuBackend.DepthwiseKernel = true; }
        }
        Assert.That(Run(true), Is.EqualTo(Run(false)));
    }

    // N, Cin, H, W, Cout, k, stride, pad, outputPadding, dilation, groups, bias
    [TestCase(1, 2, 4, 4, 3, 3, 1, 0, 0, 1, 1, false)]
    [TestCase(2, 4, 3, 5, 2, 3, 2, 1, 1, 1, 1, true)]
    [TestCase(1, 3, 4, 4, 2, 4, 2, 1, 0, 1, 1, true)]   // the usual ×2 upsampler
    [TestCase(1, 4, 3, 3, 6, 3, 2, 0, 0, 2, 2, true)]   // dilation, groups
    [TestCase(2, 3, 5, 4, 3, 1, 1, 0, 0, 1, 1, false)]  // 1×1
    public void ConvTranspose2dMatchesReferenceWithGradients(int n, int cin, int h, int w, int cout, int k, int s, int p, int op, int d, int groups, bool bias)
    {
        var rng = new Rng((ulong)(n * 7 + cin * 3 + k + s));
        using var x = Tensor.Randn(rng, n, cin, h, w);
        using var wt = Tensor.Randn(rng, new[] { cin, cout / groups, k, k }, 0.5f);
        using var b = Tensor.Randn(rng, cout);
        var inputs = bias ? new[] { x, wt, b } : new[] { x, wt };
        GradCheck.Check(
            t => Tensor.ConvTranspose2d(t[0], t[1], bias ? t[2] : null, s, p, op, d, groups),
            r => Reference.ConvTranspose2d(r[0], r[1], bias ? r[2] : null, s, p, op, d, groups),
            inputs, maxPerInput: 32).AssertWithin(1e-4, 1e-4);
    }

    [Test]
    public void Conv2dLargeTiledMatchesReference()
    {
        // 16→8 channels, 3×3 on 40×40: K = 144, several pixel tiles per image and both threads busy
        var rng = new Rng(77);
        using var x = Tensor.Randn(rng, 2, 16, 40, 40);
        using var w = Tensor.Randn(rng, new[] { 8, 16, 3, 3 }, 0.2f);
        using var y = Tensor.Conv2d(x, w, null, 1, 1);
        var r = Reference.Conv2d(GradCheck.ToRef(x), GradCheck.ToRef(w), null, 1, 1, 1, 1, 1, 1, 1);
        var (_, rel) = GradCheck.Compare(y.ToArray().Select(v => (double)v).ToArray(), r.Data);
        // K = 144 fp32 products per output; relative error uses the 1e-3·max floor (see GradCheck)
        Assert.That(rel, Is.LessThan(2e-4));
    }

    [Test]
    public void RejectsMismatchedChannels()
    {
        using var x = Tensor.Zeros(1, 3, 5, 5);
        using var w = Tensor.Zeros(2, 4, 3, 3);
        Assert.Throws<ArgumentException>(() => Tensor.Conv2d(x, w));
    }
}

public class ConvDeterminismTests
{
    [Test]
    public void GradientsAreBitReproducible()
    {
        // several images → work items run on different threads; the weight gradient must not depend on timing
        var rng = new Rng(5);
        using var x = Tensor.Randn(rng, 6, 8, 20, 20);
        using var w = Tensor.Randn(rng, new[] { 8, 8, 3, 3 }, 0.2f);
        float[]? first = null;
        for (int rep = 0; rep < 5; rep++)
        {
            using var wl = w.Clone().RequireGrad();
            using (new TensorScope()) Tensor.Conv2d(x, wl, null, 1, 1).Square().Sum().Backward();
            var gw = wl.Grad!.ToArray();
            if (first == null) first = gw;
            else Assert.That(gw, Is.EqualTo(first));
        }
    }
}
