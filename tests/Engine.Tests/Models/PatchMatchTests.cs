using HdrOfx.Engine.Models;
using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tests.Tensors;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Models;

public class PatchMatchTests
{
    /// <summary>float64 naive loops: softmax over d of τ·mean_c q(p)k(p+d), then Σ_d w_d v(p+d), zero outside.</summary>
    internal static RefTensor Reference(RefTensor q, RefTensor k, RefTensor v, double tau, int r)
    {
        int n = q.Shape[0], c = q.Shape[1], h = q.Shape[2], w = q.Shape[3], cv = v.Shape[1], side = 2 * r + 1;
        var outp = new double[n * cv * h * w];
        double At(RefTensor t, int b, int ch, int y, int x, int chans) =>
            y < 0 || y >= h || x < 0 || x >= w ? 0 : t.Data[((b * chans + ch) * h + y) * w + x];
        for (int b = 0; b < n; b++)
        for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
        {
            var s = new double[side * side];
            for (int dy = -r; dy <= r; dy++)
            for (int dx = -r; dx <= r; dx++)
            {
                double acc = 0;
                for (int ch = 0; ch < c; ch++) acc += At(q, b, ch, y, x, c) * At(k, b, ch, y + dy, x + dx, c);
                s[(dy + r) * side + dx + r] = tau * acc / c;
            }
            double mx = s.Max(), z = s.Sum(e => Math.Exp(e - mx));
            for (int dy = -r; dy <= r; dy++)
            for (int dx = -r; dx <= r; dx++)
            {
                double wd = Math.Exp(s[(dy + r) * side + dx + r] - mx) / z;
                for (int ch = 0; ch < cv; ch++) outp[((b * cv + ch) * h + y) * w + x] += wd * At(v, b, ch, y + dy, x + dx, cv);
            }
        }
        return new RefTensor(outp, new[] { n, cv, h, w });
    }

    [Test]
    public void MatchesScalarReferenceWithGradients()
    {
        foreach (int r in new[] { 1, 2 })
        {
            var rng = new Rng((ulong)(7 + r));
            var q = Tensor.Randn(rng, new[] { 2, 3, 6, 7 });
            var k = Tensor.Randn(rng, new[] { 2, 3, 6, 7 });
            var v = Tensor.Randn(rng, new[] { 2, 2, 6, 7 });
            var tau = Tensor.Full(new[] { 1 }, 1.7f);
            GradCheck.Check(t => PatchMatch.Apply(t[0], t[1], t[2], r, t[3]),
                    x => Reference(x[0], x[1], x[2], x[3].Data[0], r), new[] { q, k, v, tau })
                .AssertWithin(1e-4, 1e-3);
        }
    }

    [Test]
    public void RecoversAOnePixelShiftThatTheFlowMissed()
    {
        // A textured plane and the same plane shifted by one pixel: matching with a sharp softmax brings the
        // neighbour back onto the reference, far closer than the unaligned neighbour.
        var rng = new Rng(3);
        const int h = 24, w = 24;
        var baseImg = Tensor.Randn(rng, new[] { 1, 16, h + 2, w + 2 });
        var reference = baseImg.Narrow(2, 1, h).Narrow(3, 1, w).Contiguous();
        var shifted = baseImg.Narrow(2, 1, h).Narrow(3, 2, w).Contiguous(); // nb(p) = ref(p + (0, 1))
        var matched = PatchMatch.Apply(reference, shifted, shifted, 1, Tensor.Full(new[] { 1 }, 50f));
        double before = Interior(shifted, reference), after = Interior(matched, reference);
        TestContext.Out.WriteLine($"interior mean |error|: unaligned {before:F4}, matched {after:F4}");
        Assert.That(after, Is.LessThan(0.1 * before));
    }

    [Test]
    public void FlowPreWarpRecoversAKnownSubpixelShift()
    {
        var rng = new Rng(4);
        const int h = 32, w = 32;
        var smooth = Tensor.Randn(rng, new[] { 1, 4, 8, 8 }).Resize(h, w);
        var flow = ConstantFlow(h, w, 2.5f, -1.5f);
        // nb(p) = ref(p − (2.5, −1.5)), so nb(p + flow) = ref(p): the flow the classical path hands TCAM.
        var back = ConstantFlow(h, w, -2.5f, 1.5f);
        var nb = Tensor.FlowWarp(smooth, back, GridPadding.Border);
        var aligned = Tensor.FlowWarp(nb, flow, GridPadding.Border);
        double before = Interior(nb, smooth, 6), after = Interior(aligned, smooth, 6);
        TestContext.Out.WriteLine($"interior mean |error|: unaligned {before:F4}, pre-warped {after:F4}");
        Assert.That(after, Is.LessThan(0.1 * before));
    }

    private static Tensor ConstantFlow(int h, int w, float dx, float dy)
    {
        var f = new float[2 * h * w];
        Array.Fill(f, dx, 0, h * w);
        Array.Fill(f, dy, h * w, h * w);
        return Tensor.FromArray(f, 1, 2, h, w);
    }

    private static double Interior(Tensor a, Tensor b, int margin = 2)
    {
        int h = a.Shape[2], w = a.Shape[3];
        var d = (a.Narrow(2, margin, h - 2 * margin).Narrow(3, margin, w - 2 * margin) - b.Narrow(2, margin, h - 2 * margin).Narrow(3, margin, w - 2 * margin)).Abs().Mean();
        return d.Item();
    }
}
