using HdrOfx.Engine.Classical;
using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.Reconstruction;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Classical;

/// <summary>The AVX2 merge kernel against the scalar one (the reference), on inputs that reach every branch.</summary>
public class MergeKernelTests
{
    [TestCase(203, 61, 2, true)]   // width not a multiple of 8: the scalar tail
    [TestCase(256, 40, 4, false)]  // 3 exposures: four neighbours
    [TestCase(7, 9, 2, true)]      // narrower than one vector: scalar only
    public void VectorKernelMatchesScalarKernel(int w, int h, int neighbours, bool lowRes)
    {
        if (!MergeKernel.VectorSupported) Prerequisite.Missing("this CPU has no AVX2: only the scalar kernel runs");
        var rng = new Random(w * 31 + h);
        var scene = new ProceduralTexture(3, spots: 10, spotPeak: 6f);
        var hdr = Synthetic.RenderHdr(w, h, (x, y, c, t) => scene.Radiance(x * 2.3f, y * 2.3f, c), 0);
        double[] evs = [0, -2, 2, -1, 1];
        var reference = new FrameInput(Synthetic.Expose(hdr, evs[0], 2e-3f, 1), evs[0]);
        int s = lowRes ? 4 : 1;
        int gw = (w + s - 1) / s, gh = (h + s - 1) / s;
        var list = new List<AlignedNeighbour>();
        for (int j = 0; j < neighbours; j++)
        {
            var frame = new FrameInput(Synthetic.Expose(hdr, evs[1 + j], 2e-3f, 10 + j), evs[1 + j]);
            var u = new float[gw * gh];
            var v = new float[gw * gh];
            var trust = new float[gw * gh];
            for (int i = 0; i < u.Length; i++)
            {
                // Mostly small motion; some flows leave the frame, some are NaN; trust spans 0 (skipped) to 1.
                u[i] = (float)(rng.NextDouble() * 6 - 3) / s;
                v[i] = (float)(rng.NextDouble() * 6 - 3) / s;
                if (rng.Next(40) == 0) u[i] = (rng.Next(2) == 0 ? -1 : 1) * (w + 5f);
                if (rng.Next(60) == 0) v[i] = float.NaN;
                trust[i] = rng.Next(10) == 0 ? 0f : (float)rng.NextDouble();
            }
            list.Add(new AlignedNeighbour
            {
                Frame = frame, Flow = new FlowGrid(u, v, gw, gh), Trust = trust,
                NoiseSigma = 2e-3f, PixelAbsTolerance = 0.002f + 3 * 2.8e-3f,
            });
        }
        var m = MergeOptions.Default;
        var scalar = ExposureMerge.Merge(reference, 2e-3f, list, gw, gh, m, diagnostics: true, allowVector: false);
        var vector = ExposureMerge.Merge(reference, 2e-3f, list, gw, gh, m, diagnostics: true, allowVector: true);
        int clipped = reference.Linear.Data.Count(x => x >= m.ClipThreshold);
        Assert.That(clipped, Is.GreaterThan(0), "the scene should clip somewhere in the reference");
        // Only exp differs (Vector256.Exp vs MathF.Exp, a few ulp), and only where the ghost test is active.
        AssertClose(vector.Hdr, scalar.Hdr, 2e-5, "HDR");
        AssertClose(vector.SaturationMask!, scalar.SaturationMask!, 0, "saturation mask");
        AssertClose(vector.Confidence!, scalar.Confidence!, 2e-5, "confidence");
    }

    private static void AssertClose(ImageF actual, ImageF expected, double rel, string what)
    {
        Assert.That(actual.Data.Length, Is.EqualTo(expected.Data.Length));
        double worst = 0;
        int at = -1;
        for (int i = 0; i < actual.Data.Length; i++)
        {
            float a = actual.Data[i], e = expected.Data[i];
            Assert.That(float.IsFinite(a), Is.True, $"{what}[{i}] is {a}");
            double d = Math.Abs(a - e) / Math.Max(Math.Abs(e), 1e-6);
            if (d > worst) { worst = d; at = i; }
        }
        Assert.That(worst, Is.LessThanOrEqualTo(rel), $"{what}: worst relative difference {worst:G3} at {at}");
    }
}
