using HdrOfx.Engine.Classical;
using HdrOfx.Engine.Imaging;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Classical;

public class FlowTests
{
    private const int W = 256, H = 192;

    private static (ImageF refL, ImageF othL) Pair(ProceduralTexture tex, Func<float, float, (float, float)> otherSourceOf, double refEv, double othEv, int seed)
    {
        var refH = Synthetic.RenderHdr(W, H, (x, y, c, _) => tex.Radiance(x, y, c), 0);
        var othH = Synthetic.RenderHdr(W, H, (x, y, c, _) => { var (sx, sy) = otherSourceOf(x, y); return tex.Radiance(sx, sy, c); }, 1);
        return (Synthetic.Expose(refH, refEv, 1e-3f, seed), Synthetic.Expose(othH, othEv, 1e-3f, seed + 1));
    }

    private static ImageF Interior(int margin) => Synthetic.Mask(W, H, (x, y) => x >= margin && x < W - margin && y >= margin && y < H - margin);

    [TestCase(3.4f, -1.7f, -1.5, 1.5, 0.25)]
    [TestCase(3.4f, -1.7f, 1.5, -1.5, 0.25)]
    [TestCase(17.3f, -6.2f, -1.5, 1.5, 0.35)]
    [TestCase(-12.6f, 9.4f, 1.0, -1.0, 0.35)]
    public void RecoversSubPixelTranslationAcrossExposures(float dx, float dy, double refEv, double othEv, double bound)
    {
        var tex = new ProceduralTexture(7);
        // other(q) = T(q − d), so other(p + d) = T(p) = ref(p): the flow is d everywhere.
        var (r, o) = Pair(tex, (x, y) => (x - dx, y - dy), refEv, othEv, 11);
        var gt = Synthetic.FlowImage(W, H, (_, _) => (dx, dy));
        var mask = Interior((int)MathF.Ceiling(MathF.Max(MathF.Abs(dx), MathF.Abs(dy))) + 4);
        var f = OpticalFlow.Compute(r, refEv, o, othEv);
        double epe = FlowMetrics.EndPointError(f, gt, mask);
        double zero = FlowMetrics.EndPointError(new FlowField(new ImageF(W, H, 2), null), gt, mask);
        TestContext.Out.WriteLine($"EPE {epe:F3} px (zero flow {zero:F2})");
        Assert.That(epe, Is.LessThan(bound));
        Assert.That(epe, Is.LessThan(0.05 * zero));
    }

    [Test]
    public void RecoversSmoothNonUniformField()
    {
        var tex = new ProceduralTexture(21);
        (float, float) S(float x, float y) => (5f + 4f * MathF.Sin(2 * MathF.PI * y / H), -2f + 3f * MathF.Cos(2 * MathF.PI * x / W));
        // other(q) = T(q − s(q)); the flow solves f(p) = s(p + f(p)) (fixed point; s is smooth).
        var gt = Synthetic.FlowImage(W, H, (x, y) =>
        {
            float fx = 0, fy = 0;
            for (int k = 0; k < 30; k++) (fx, fy) = S(x + fx, y + fy);
            return (fx, fy);
        });
        var (r, o) = Pair(tex, (x, y) => { var (sx, sy) = S(x, y); return (x - sx, y - sy); }, -1.5, 1.5, 5);
        var f = OpticalFlow.Compute(r, -1.5, o, 1.5);
        var mask = Interior(14);
        double epe = FlowMetrics.EndPointError(f, gt, mask);
        double zero = FlowMetrics.EndPointError(new FlowField(new ImageF(W, H, 2), null), gt, mask);
        TestContext.Out.WriteLine($"EPE {epe:F3} px (zero flow {zero:F2})");
        Assert.That(epe, Is.LessThan(0.45));
        Assert.That(epe, Is.LessThan(0.08 * zero));
    }

    [Test]
    public void DownscaledFlowStillAccurate()
    {
        var tex = new ProceduralTexture(3);
        var (r, o) = Pair(tex, (x, y) => (x - 8.6f, y + 4.2f), 0, 2, 9);
        var gt = Synthetic.FlowImage(W, H, (_, _) => (8.6f, -4.2f));
        var f = OpticalFlow.Compute(r, 0, o, 2, new FlowOptions { Downscale = 2 });
        double epe = FlowMetrics.EndPointError(f, gt, Interior(14));
        TestContext.Out.WriteLine($"EPE {epe:F3} px");
        Assert.That(epe, Is.LessThan(0.5));
    }

    [Test]
    public void ForwardBackwardConfidenceDropsInOcclusion()
    {
        var bg = new ProceduralTexture(1);
        var fg = new ProceduralTexture(2, spots: 0);
        const int x0 = 80, y0 = 70, side = 48, move = 12;
        float Scene(float x, float y, int c, int t)
        {
            int sx = x0 + move * t;
            return x >= sx && x < sx + side && y >= y0 && y < y0 + side ? 0.5f * fg.Radiance(x - sx + 300, y + 300, c) : bg.Radiance(x, y, c);
        }
        var r = Synthetic.Expose(Synthetic.RenderHdr(W, H, Scene, 0), -1, 1e-3f, 1);
        var o = Synthetic.Expose(Synthetic.RenderHdr(W, H, Scene, 1), 1, 1e-3f, 2);
        var f = OpticalFlow.Compute(r, -1, o, 1);
        Assert.That(f.Confidence, Is.Not.Null);
        var c = f.Confidence!;
        // Background to the right of the square in the reference is covered by the square in the other frame.
        double occluded = Mean(c, x0 + side + 2, x0 + side + move - 2, y0 + 4, y0 + side - 4);
        double staticBg = Mean(c, 180, 240, 130, 180);
        TestContext.Out.WriteLine($"confidence occluded {occluded:F3}, static {staticBg:F3}");
        Assert.That(occluded, Is.LessThan(0.4));
        Assert.That(staticBg, Is.GreaterThan(0.8));
        // The square itself is found.
        var gt = Synthetic.FlowImage(W, H, (_, _) => (move, 0));
        var inner = Synthetic.Mask(W, H, (x, y) => x >= x0 + 6 && x < x0 + side - 6 && y >= y0 + 6 && y < y0 + side - 6);
        Assert.That(FlowMetrics.EndPointError(f, gt, inner), Is.LessThan(3.0)); // of 12 px motion (zero flow: 12)
    }

    [Test]
    public void FlowOfStaticPairIsNearZero()
    {
        var tex = new ProceduralTexture(4);
        var (r, o) = Pair(tex, (x, y) => (x, y), -2, 2, 3);
        var f = OpticalFlow.Compute(r, -2, o, 2);
        double epe = FlowMetrics.EndPointError(f, new ImageF(W, H, 2), Interior(2));
        Assert.That(epe, Is.LessThan(0.1));
    }

    [Test]
    public void EndPointErrorMatchesDefinition()
    {
        var est = new FlowField(Synthetic.FlowImage(4, 3, (x, _) => (x, 0)), null);
        var gt = Synthetic.FlowImage(4, 3, (_, _) => (0, 0));
        Assert.That(FlowMetrics.EndPointError(est, gt), Is.EqualTo(1.5).Within(1e-9));
        var m = Synthetic.Mask(4, 3, (x, _) => x == 3);
        Assert.That(FlowMetrics.EndPointError(est, gt, m), Is.EqualTo(3).Within(1e-9));
    }

    private static double Mean(ImageF img, int xa, int xb, int ya, int yb)
    {
        double s = 0;
        int n = 0;
        for (int y = ya; y < yb; y++)
            for (int x = xa; x < xb; x++) { s += img[0, y, x]; n++; }
        return s / n;
    }
}
