using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Cpu;
using NUnit.Framework;
using static HdrOfx.Engine.Tests.Tensors.Ops2.Ops2Check;

namespace HdrOfx.Engine.Tests.Tensors.Ops2;

/// <summary>
/// The vectorized flow warp with border padding (TCAM's pre-warp) against the float64 reference and, bit for bit,
/// against the scalar loop: widths below, at and above a vector, flows that leave the image on every side, a
/// non-finite flow value (left to the scalar path), one-row and one-column images.
/// </summary>
public class FlowWarpKernelTests
{
    [TestCase(2, 3, 9, 23, 4f, 1UL)]
    [TestCase(1, 8, 16, 16, 1.5f, 2UL)]
    [TestCase(1, 2, 5, 7, 30f, 3UL)]   // mostly outside: clamped to the border
    [TestCase(2, 1, 1, 19, 2f, 4UL)]   // one row
    [TestCase(1, 4, 12, 1, 2f, 5UL)]   // one column
    [TestCase(1, 5, 11, 40, 0f, 6UL)]  // zero flow: the identity
    public void VectorKernelEqualsTheScalarLoopAndTheReference(int n, int c, int h, int w, float scale, ulong seed)
    {
        var x = Randn(seed, n, c, h, w);
        var f = (Randn(seed + 1, n, 2, h, w) * scale).ToArray();
        if (h * w > 20) f[(h / 2) * w + w / 2] = float.NaN; // one non-finite pixel
        var flow = Tensor.FromArray(f, n, 2, h, w);
        float[] Run(bool vector)
        {
            CpuBackend.SampleVectorKernel = vector;
            try { return Tensor.FlowWarp(x, flow, GridPadding.Border).ToArray(); }
            finally { CpuBackend.SampleVectorKernel = true; }
        }
        float[] v = Run(true), s = Run(false);
        Assert.That(v, Is.EqualTo(s), "bit for bit");
        if (h * w <= 20)
            Close(v, SamplingTests.GridSampleRef(D(x), D(flow), n, c, h, w, h, w, false, GridPadding.Border, true), 1e-4, "reference");
    }

    [Test]
    public void VectorKernelMatchesTheFloat64Reference()
    {
        int n = 2, c = 3, h = 7, w = 21;
        var x = Randn(21, n, c, h, w);
        var flow = Randn(22, n, 2, h, w) * 3f;
        Close(Tensor.FlowWarp(x, flow, GridPadding.Border).ToArray(),
            SamplingTests.GridSampleRef(D(x), D(flow), n, c, h, w, h, w, false, GridPadding.Border, true), 1e-4, "reference");
    }
}
