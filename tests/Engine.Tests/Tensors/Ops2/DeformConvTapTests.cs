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
}
