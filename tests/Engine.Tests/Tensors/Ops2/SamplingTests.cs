using HdrOfx.Engine.Tensors;
using NUnit.Framework;
using static HdrOfx.Engine.Tests.Tensors.Ops2.Ops2Check;

namespace HdrOfx.Engine.Tests.Tensors.Ops2;

/// <summary>
/// Grid sampling, flow warping, pooling and resizing against float64 references.
/// Tolerances (relative, floor 1e-3·max): pooling 1e-5 forward and gradient; grid sample / flow warp 1e-4 forward and
/// gradient; resize 2e-4 forward, 1e-4 gradient. The bilinear ops form source coordinates in fp32 (as PyTorch does),
/// so an output near zero between two large neighbours carries ~|Δx|·1e-7·size of error against the float64 reference.
/// </summary>
public class SamplingTests
{
    /// <summary>Zero-padded bilinear sample of plane (n, c) at (iy, ix) in pixels.</summary>
    internal static double Bilinear(double[] x, int plane, int h, int w, double iy, double ix)
    {
        int x0 = (int)Math.Floor(ix), y0 = (int)Math.Floor(iy);
        double tx = ix - x0, ty = iy - y0, v = 0;
        double At(int yy, int xx) => yy >= 0 && yy < h && xx >= 0 && xx < w ? x[plane + yy * w + xx] : 0;
        v += (1 - ty) * (1 - tx) * At(y0, x0) + (1 - ty) * tx * At(y0, x0 + 1) + ty * (1 - tx) * At(y0 + 1, x0) + ty * tx * At(y0 + 1, x0 + 1);
        return v;
    }

    internal static double[] GridSampleRef(double[] x, double[] grid, int n, int c, int h, int w, int ho, int wo, bool ac, GridPadding pad, bool flow)
    {
        var y = new double[n * c * ho * wo];
        for (int b = 0; b < n; b++)
        for (int i = 0; i < ho; i++)
        for (int j = 0; j < wo; j++)
        {
            double ix, iy;
            if (flow) { ix = j + grid[((b * 2 + 0) * ho + i) * wo + j]; iy = i + grid[((b * 2 + 1) * ho + i) * wo + j]; }
            else
            {
                double gx = grid[((b * ho + i) * wo + j) * 2], gy = grid[((b * ho + i) * wo + j) * 2 + 1];
                ix = ac ? (gx + 1) / 2 * (w - 1) : ((gx + 1) * w - 1) / 2;
                iy = ac ? (gy + 1) / 2 * (h - 1) : ((gy + 1) * h - 1) / 2;
            }
            if (pad == GridPadding.Border) { ix = Math.Clamp(ix, 0, w - 1); iy = Math.Clamp(iy, 0, h - 1); }
            for (int ch = 0; ch < c; ch++)
                y[((b * c + ch) * ho + i) * wo + j] = Bilinear(x, (b * c + ch) * h * w, h, w, iy, ix);
        }
        return y;
    }

    [TestCase(false, GridPadding.Zeros, 1UL)]
    [TestCase(true, GridPadding.Zeros, 2UL)]
    [TestCase(false, GridPadding.Border, 3UL)]
    [TestCase(true, GridPadding.Border, 4UL)]
    public void GridSample_MatchesReference_AndGradients(bool ac, GridPadding pad, ulong seed)
    {
        int n = 2, c = 3, h = 5, w = 6, ho = 4, wo = 7;
        var x = Randn(seed, n, c, h, w);
        var grid = Rand(seed + 1, new[] { n, ho, wo, 2 }, -1.3f, 1.3f); // some samples fall outside
        Check(t => Tensor.GridSample(t[0], t[1], ac, pad), d => GridSampleRef(d[0], d[1], n, c, h, w, ho, wo, ac, pad, false),
            new[] { n, c, ho, wo }, new[] { x, grid }, 1e-4, 1e-4);
    }

    [Test]
    public void GridSample_IdentityGridWithAlignCornersReturnsInput()
    {
        int h = 4, w = 5;
        var g = new float[h * w * 2];
        for (int i = 0; i < h; i++) for (int j = 0; j < w; j++) { g[(i * w + j) * 2] = -1 + 2f * j / (w - 1); g[(i * w + j) * 2 + 1] = -1 + 2f * i / (h - 1); }
        var x = Randn(5, 1, 2, h, w);
        var y = Tensor.GridSample(x, Tensor.FromArray(g, 1, h, w, 2), alignCorners: true);
        Close(y.ToArray(), D(x), 1e-6, "identity grid");
    }

    [TestCase(GridPadding.Zeros, 11UL)]
    [TestCase(GridPadding.Border, 12UL)]
    public void FlowWarp_MatchesReference_AndGradients(GridPadding pad, ulong seed)
    {
        int n = 2, c = 2, h = 6, w = 5;
        var x = Randn(seed, n, c, h, w);
        var flow = Randn(seed + 1, n, 2, h, w) * 1.7f;
        Check(t => Tensor.FlowWarp(t[0], t[1], pad), d => GridSampleRef(d[0], d[1], n, c, h, w, h, w, false, pad, true),
            new[] { n, c, h, w }, new[] { x, flow }, 1e-4, 1e-4);
    }

    [Test]
    public void Sampling_StridedCoordinates_MatchContiguous_AndGradients()
    {
        int n = 2, c = 3, h = 5, w = 6;
        var x = Randn(40, n, c, h, w);
        var flowHwc = Randn(41, n, h, w, 2) * 1.3f;            // a flow stored channel-last ...
        var flowView = flowHwc.Permute(0, 3, 1, 2);             // ... passed as a strided [N, 2, H, W] view
        var a = Tensor.FlowWarp(x, flowView);
        var b = Tensor.FlowWarp(x, flowView.Contiguous());
        Assert.That(a.ToArray(), Is.EqualTo(b.ToArray()));
        var gridChw = Rand(42, new[] { n, 2, 4, 7 }, -1.2f, 1.2f);
        var gridView = gridChw.Permute(0, 2, 3, 1);
        Assert.That(Tensor.GridSample(x, gridView).ToArray(), Is.EqualTo(Tensor.GridSample(x, gridView.Contiguous()).ToArray()));
        // gradient through the strided view reaches the channel-last storage
        Check(t => Tensor.FlowWarp(t[0], t[1].Permute(0, 3, 1, 2)), d =>
        {
            var f = new double[d[1].Length]; // to [N, 2, H, W]
            for (int b2 = 0; b2 < n; b2++) for (int i = 0; i < h; i++) for (int j = 0; j < w; j++) for (int k = 0; k < 2; k++)
                f[((b2 * 2 + k) * h + i) * w + j] = d[1][((b2 * h + i) * w + j) * 2 + k];
            return GridSampleRef(d[0], f, n, c, h, w, h, w, false, GridPadding.Zeros, true);
        }, new[] { n, c, h, w }, new[] { x, flowHwc }, 1e-4, 1e-4);
    }

    [Test]
    public void Sampling_NonFiniteCoordinatesReadZero()
    {
        var x = Randn(43, 1, 1, 3, 3);
        var flow = Tensor.Zeros(1, 2, 3, 3);
        flow[0, 0, 1, 1] = float.NaN; flow[0, 1, 0, 0] = float.PositiveInfinity; flow[0, 0, 2, 2] = -1e30f;
        var y = Tensor.FlowWarp(x, flow);
        Assert.That(y[0, 0, 1, 1], Is.EqualTo(0f));
        Assert.That(y[0, 0, 0, 0], Is.EqualTo(0f));
        Assert.That(y[0, 0, 2, 2], Is.EqualTo(0f));
        Assert.That(y[0, 0, 0, 1], Is.EqualTo(x[0, 0, 0, 1]));
    }

    [Test]
    public void FlowWarp_IntegerShiftMovesPixels()
    {
        var x = Randn(13, 1, 1, 4, 5);
        var flow = Tensor.Zeros(1, 2, 4, 5);
        for (int i = 0; i < 4; i++) for (int j = 0; j < 5; j++) flow[0, 0, i, j] = 1f; // out(i, j) = in(i, j + 1)
        var y = Tensor.FlowWarp(x, flow);
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 5; j++)
                Assert.That(y[0, 0, i, j], Is.EqualTo(j + 1 < 5 ? x[0, 0, i, j + 1] : 0f));
    }

    internal static double[] PoolRef(double[] x, int n, int c, int h, int w, int k, int s, int p, bool max)
    {
        int ho = (h + 2 * p - k) / s + 1, wo = (w + 2 * p - k) / s + 1;
        var y = new double[n * c * ho * wo];
        for (int pl = 0; pl < n * c; pl++)
        for (int i = 0; i < ho; i++)
        for (int j = 0; j < wo; j++)
        {
            double acc = max ? double.NegativeInfinity : 0;
            for (int a = 0; a < k; a++)
            for (int b = 0; b < k; b++)
            {
                int yy = i * s - p + a, xx = j * s - p + b;
                bool inside = yy >= 0 && yy < h && xx >= 0 && xx < w;
                if (max) { if (inside) acc = Math.Max(acc, x[pl * h * w + yy * w + xx]); }
                else if (inside) acc += x[pl * h * w + yy * w + xx];
            }
            y[(pl * ho + i) * wo + j] = max ? acc : acc / (k * k);
        }
        return y;
    }

    [TestCase(2, 2, 0, false)]
    [TestCase(3, 2, 1, false)]
    [TestCase(3, 1, 1, false)]
    [TestCase(2, 2, 0, true)]
    [TestCase(3, 2, 1, true)]
    [TestCase(3, 1, 0, true)]
    public void Pool_MatchesReference_AndGradients(int k, int s, int p, bool max)
    {
        int n = 2, c = 3, h = 7, w = 6;
        var x = Randn((ulong)(k * 100 + s * 10 + p + (max ? 5 : 0)), n, c, h, w);
        int ho = (h + 2 * p - k) / s + 1, wo = (w + 2 * p - k) / s + 1;
        Check(t => max ? t[0].MaxPool2d(k, s, p) : t[0].AvgPool2d(k, s, p), d => PoolRef(d[0], n, c, h, w, k, s, p, max),
            new[] { n, c, ho, wo }, new[] { x }, 1e-5, 1e-5);
    }

    /// <summary>PyTorch's source index, written independently: scale in float32 for nearest, float64 otherwise.</summary>
    internal static double[] ResizeRef(double[] x, int n, int c, int h, int w, int ho, int wo, ResizeMode mode, bool ac)
    {
        (int, int, double) Taps(int d, int inS, int outS)
        {
            if (mode == ResizeMode.Nearest)
            {
                int k = Math.Min((int)MathF.Floor(d * ((float)inS / outS)), inS - 1);
                return (k, k, 0);
            }
            double src = ac ? (outS > 1 ? d * (inS - 1.0) / (outS - 1) : 0) : Math.Max(0, (d + 0.5) * inS / outS - 0.5);
            int lo = Math.Min((int)Math.Floor(src), inS - 1);
            return (lo, Math.Min(lo + 1, inS - 1), src - lo);
        }
        var y = new double[n * c * ho * wo];
        for (int pl = 0; pl < n * c; pl++)
        for (int i = 0; i < ho; i++)
        for (int j = 0; j < wo; j++)
        {
            var (a0, a1, la) = Taps(i, h, ho);
            var (b0, b1, lb) = Taps(j, w, wo);
            double At(int yy, int xx) => x[pl * h * w + yy * w + xx];
            y[(pl * ho + i) * wo + j] = (1 - la) * ((1 - lb) * At(a0, b0) + lb * At(a0, b1)) + la * ((1 - lb) * At(a1, b0) + lb * At(a1, b1));
        }
        return y;
    }

    [TestCase(5, 6, 10, 12, ResizeMode.Bilinear, false)]
    [TestCase(8, 9, 4, 3, ResizeMode.Bilinear, false)]
    [TestCase(5, 6, 7, 13, ResizeMode.Bilinear, true)]
    [TestCase(7, 5, 3, 4, ResizeMode.Bilinear, true)]
    [TestCase(5, 6, 10, 13, ResizeMode.Nearest, false)]
    [TestCase(9, 7, 4, 3, ResizeMode.Nearest, false)]
    public void Resize_MatchesReference_AndGradients(int h, int w, int ho, int wo, ResizeMode mode, bool ac)
    {
        int n = 2, c = 2;
        var x = Randn((ulong)(h * 1000 + ho * 10 + wo), n, c, h, w);
        Check(t => t[0].Resize(ho, wo, mode, ac), d => ResizeRef(d[0], n, c, h, w, ho, wo, mode, ac),
            new[] { n, c, ho, wo }, new[] { x }, 2e-4, 1e-4);
    }

    [Test]
    public void Resize_KnownValues_UpsampleByTwo()
    {
        // PyTorch: F.interpolate(tensor([[[[0., 1.]]]]), size=(1, 4), mode='bilinear') = [0, 0.25, 0.75, 1]
        var x = Tensor.FromArray(new[] { 0f, 1f }, 1, 1, 1, 2);
        Assert.That(x.Resize(1, 4).ToArray(), Is.EqualTo(new[] { 0f, 0.25f, 0.75f, 1f }));
        Assert.That(x.Resize(1, 4, ResizeMode.Nearest).ToArray(), Is.EqualTo(new[] { 0f, 0f, 1f, 1f }));
    }
}
