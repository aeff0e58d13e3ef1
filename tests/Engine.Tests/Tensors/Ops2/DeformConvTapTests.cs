using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Cpu;
using NUnit.Framework;
using static HdrOfx.Engine.Tests.Tensors.Ops2.Ops2Check;

namespace HdrOfx.Engine.Tests.Tensors.Ops2;

/// <summary>
/// DCNv2's taps computed eight pixels at a time (<c>CpuBackend.DcnVectorTaps</c>) give the scalar loop's output bit
/// for bit: offsets that push samples off every edge (and some past −1 and H, where the sample is zero), a non-finite
/// offset, strides 1 and 2, padding, dilation, deformable groups, widths that leave a scalar tail per row, and tiles
/// that start in the middle of a row (the 1/2-resolution DCN of 1080p has 960-wide rows in 1808-pixel tiles).
/// </summary>
public class DeformConvTapTests
{
    // N, C, H, W, O, k, stride, pad, dilation, deformable groups, offset scale
    [TestCase(2, 4, 9, 21, 5, 3, 1, 1, 1, 1, 2f)]
    [TestCase(1, 6, 13, 17, 4, 3, 2, 1, 1, 2, 3f)]
    [TestCase(1, 3, 8, 8, 3, 3, 1, 2, 2, 1, 5f)]
    [TestCase(1, 16, 30, 120, 16, 3, 1, 1, 1, 1, 1.5f)]  // rows of 120 in tiles of 1808 pixels: tiles start mid-row
    [TestCase(1, 2, 5, 9, 2, 3, 1, 1, 1, 1, 20f)]        // mostly outside
    public void VectorTapsEqualTheScalarLoop(int n, int c, int h, int w, int o, int k, int stride, int pad, int dil, int groups, float scale)
    {
        int ho = (h + 2 * pad - dil * (k - 1) - 1) / stride + 1, wo = (w + 2 * pad - dil * (k - 1) - 1) / stride + 1;
        var x = Randn(1, n, c, h, w);
        var offs = (Randn(2, n, 2 * groups * k * k, ho, wo) * scale).ToArray();
        if (offs.Length > 40) offs[37] = float.NaN;
        var offset = Tensor.FromArray(offs, n, 2 * groups * k * k, ho, wo);
        var mask = Randn(3, n, groups * k * k, ho, wo).Sigmoid();
        var wt = Randn(4, o, c, k, k) * 0.3f;
        var b = Randn(5, o);
        float[] Run(bool vector)
        {
            CpuBackend.DcnVectorTaps = vector;
            try { return Tensor.DeformConv2d(x, offset, mask, wt, b, stride, pad, dil, groups).ToArray(); }
            finally { CpuBackend.DcnVectorTaps = true; }
        }
        float[] v = Run(true), s = Run(false);
        Assert.That(v, Is.EqualTo(s), "bit for bit");
    }

    /// <summary>
    /// The channel-last forward (<c>CpuBackend.DcnChannelLast</c>: C a multiple of 8, one deformable group) against the
    /// float64 reference and the channel-planar gathers (the same column values, summed in another order by the GEMM).
    /// </summary>
    [TestCase(2, 8, 9, 21, 5, 3, 1, 1, 1, 2f)]
    [TestCase(1, 16, 13, 17, 16, 3, 2, 1, 1, 3f)]
    [TestCase(1, 16, 30, 120, 16, 3, 1, 1, 1, 1.5f)]
    [TestCase(1, 24, 8, 8, 3, 3, 1, 2, 2, 5f)]
    public void ChannelLastMatchesTheReferenceAndThePlanarPath(int n, int c, int h, int w, int o, int k, int stride, int pad, int dil, float scale)
    {
        int ho = (h + 2 * pad - dil * (k - 1) - 1) / stride + 1, wo = (w + 2 * pad - dil * (k - 1) - 1) / stride + 1;
        var x = Randn(11, n, c, h, w);
        var offset = Randn(12, n, 2 * k * k, ho, wo) * scale;
        var mask = Randn(13, n, k * k, ho, wo).Sigmoid();
        var wt = Randn(14, o, c, k, k) * 0.3f;
        var b = Randn(15, o);
        float[] Run(bool channelLast)
        {
            CpuBackend.DcnChannelLast = channelLast;
            try { return Tensor.DeformConv2d(x, offset, mask, wt, b, stride, pad, dil, 1).ToArray(); }
            finally { CpuBackend.DcnChannelLast = true; }
        }
        float[] last = Run(true), planar = Run(false);
        double maxDiff = 0, maxAbs = 0;
        for (int i = 0; i < last.Length; i++) { maxDiff = Math.Max(maxDiff, Math.Abs(last[i] - planar[i])); maxAbs = Math.Max(maxAbs, Math.Abs(planar[i])); }
        TestContext.Out.WriteLine($"max |channel-last − planar| = {maxDiff:G3}, max |y| = {maxAbs:G3}");
        Assert.That(maxDiff, Is.LessThanOrEqualTo(1e-6 * maxAbs * Math.Sqrt(c * k * k)));
        // 1e-3 as DeformCorrTests' larger case: the sampling coordinates are fp32, which puts ~3e-6 of absolute error
        // on outputs near zero whichever path sums the column; on the 30×120 case (columns up to 120) the planar path
        // itself is 2.4e-3 off the float64 reference, so that case is checked against the planar path only
        if (h * w > 400) return;
        var reference = DeformCorrTests.DcnRef(D(x), D(offset), D(mask), D(wt), D(b), n, c, h, w, o, k, k, stride, pad, dil, 1);
        Close(planar, reference, 1e-3, "reference (planar)");
        Close(last, reference, 1e-3, "reference (channel-last)");
    }
}
