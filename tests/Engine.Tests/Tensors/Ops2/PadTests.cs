using HdrOfx.Engine.Tensors;
using NUnit.Framework;
using static HdrOfx.Engine.Tests.Tensors.Ops2.Ops2Check;

namespace HdrOfx.Engine.Tests.Tensors.Ops2;

/// <summary>2-D padding (zeros, replicate, reflect) against a float64 reference. Forward exact (1e-7), gradient 1e-5.</summary>
public class PadTests
{
    internal static double[] PadRef(double[] x, int planes, int h, int w, int l, int r, int t, int b, PadMode mode)
    {
        int ho = h + t + b, wo = w + l + r;
        var y = new double[planes * ho * wo];
        int Src(int i, int n) => i >= 0 && i < n ? i : mode switch
        {
            PadMode.Zeros => -1,
            PadMode.Replicate => Math.Clamp(i, 0, n - 1),
            _ => i < 0 ? -i : 2 * (n - 1) - i,
        };
        for (int p = 0; p < planes; p++)
        for (int i = 0; i < ho; i++)
        for (int j = 0; j < wo; j++)
        {
            int si = Src(i - t, h), sj = Src(j - l, w);
            y[(p * ho + i) * wo + j] = si < 0 || sj < 0 ? 0 : x[(p * h + si) * w + sj];
        }
        return y;
    }

    [TestCase(PadMode.Zeros, 1, 2, 0, 3)]
    [TestCase(PadMode.Replicate, 2, 0, 3, 1)]
    [TestCase(PadMode.Reflect, 2, 3, 1, 3)]
    public void Pad2d_MatchesReference_AndGradients(PadMode mode, int l, int r, int t, int b)
    {
        int n = 2, c = 3, h = 4, w = 5;
        var x = Randn((ulong)(l * 1000 + r * 100 + t * 10 + b), n, c, h, w);
        Check(u => u[0].Pad2d(l, r, t, b, mode), d => PadRef(d[0], n * c, h, w, l, r, t, b, mode),
            new[] { n, c, h + t + b, w + l + r }, new[] { x }, 1e-7, 1e-5);
    }

    [Test]
    public void Pad2d_KnownValues_AndValidation()
    {
        // PyTorch: F.pad(tensor([[[1., 2., 3.]]]), (2, 2), mode='reflect') = [3, 2, 1, 2, 3, 2, 1]; 'replicate' = [1, 1, 1, 2, 3, 3, 3]
        var x = Tensor.FromArray(new[] { 1f, 2f, 3f }, 1, 3);
        Assert.That(x.Pad2d(2, 2, 0, 0, PadMode.Reflect).ToArray(), Is.EqualTo(new[] { 3f, 2f, 1f, 2f, 3f, 2f, 1f }));
        Assert.That(x.Pad2d(2, 2, 0, 0, PadMode.Replicate).ToArray(), Is.EqualTo(new[] { 1f, 1f, 1f, 2f, 3f, 3f, 3f }));
        Assert.That(x.Pad2d(1, 0, 1, 0).ToArray(), Is.EqualTo(new[] { 0f, 0f, 0f, 0f, 0f, 1f, 2f, 3f }));
        Assert.Throws<ArgumentException>(() => x.Pad2d(3, 0, 0, 0, PadMode.Reflect));
        Assert.Throws<ArgumentException>(() => x.Pad2d(-1, 0, 0, 0));
        Assert.That(Tensor.Zeros(1, 0, 2).Pad2d(0, 0, 1, 1).Shape, Is.EqualTo(new[] { 1, 2, 2 }));
    }
}
