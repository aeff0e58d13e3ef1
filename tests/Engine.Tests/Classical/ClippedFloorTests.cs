using HdrOfx.Engine.Classical;
using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.Reconstruction;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Classical;

/// <summary>
/// Where frames clip, the merge never returns less than the window proves: in a channel clipped in the reference, at
/// least the largest clipped value / exposure among the reference and its aligned neighbours clipped there
/// (issue 11: a long-exposure reference used to return its own bound, 2^gap below the short exposure's).
/// </summary>
public class ClippedFloorTests
{
    private const int W = 48, H = 24;

    [OneTimeSetUp]
    public void Register() => ClassicalMethods.Register();
    private const double LongEv = 1.5, ShortEv = -1.5;

    /// <summary>A dim background, a ring that clips only the long exposure, a sun that clips both.</summary>
    private static float Radiance(float x, float y, int c, int t)
    {
        float d = MathF.Sqrt((x - 24) * (x - 24) + (y - 12) * (y - 12));
        return d < 5 ? 20f + c : d < 8 ? 1.5f : 0.05f + 0.002f * x;
    }

    private static (FrameInput Reference, FrameInput Short) Frames()
    {
        var hdr = Synthetic.RenderHdr(W, H, Radiance, 0);
        return (new FrameInput(Synthetic.Expose(hdr, LongEv, 1e-3f, 1), LongEv), new FrameInput(Synthetic.Expose(hdr, ShortEv, 1e-3f, 2), ShortEv));
    }

    /// <summary>The tightest bound, computed independently: per channel, max over the frames clipped there of value / exposure.</summary>
    private static float Bound(FrameInput reference, IEnumerable<FrameInput> neighbours, int c, int i, float clip)
    {
        float r = reference.Linear.Plane(c)[i];
        if (r < clip) return 0f;
        double b = r / reference.Exposure;
        foreach (var n in neighbours)
        {
            float v = n.Linear.Plane(c)[i];
            if (v >= clip) b = Math.Max(b, v / n.Exposure);
        }
        return (float)b;
    }

    [TestCase(false)]
    [TestCase(true)]
    public void The_merge_is_never_below_the_clipped_bound(bool vector)
    {
        if (vector && !MergeKernel.VectorSupported) Assert.Ignore("no AVX2 on this CPU");
        var (reference, shortFrame) = Frames();
        var nb = new AlignedNeighbour
        {
            Frame = shortFrame, Flow = new FlowGrid(new float[W * H], new float[W * H], W, H), Trust = Enumerable.Repeat(1f, W * H).ToArray(),
            NoiseSigma = 1e-3f, PixelAbsTolerance = 0.005f,
        };
        var m = MergeOptions.Default;
        var result = ExposureMerge.Merge(reference, 1e-3f, [nb], W, H, m, diagnostics: false, allowVector: vector);
        int sunPixels = 0;
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < W * H; i++)
            {
                float bound = Bound(reference, [shortFrame], c, i, m.ClipThreshold);
                float got = result.Hdr.Plane(c)[i];
                Assert.That(got, Is.GreaterThanOrEqualTo(bound), $"channel {c}, pixel ({i % W}, {i / W})");
                if (shortFrame.Linear.Plane(c)[i] >= m.ClipThreshold)
                {
                    sunPixels++;
                    // Both frames clip: the short exposure's bound, 2^3 above the long one's.
                    Assert.That(got, Is.EqualTo(1f / shortFrame.Exposure).Within(1e-3), $"sun, channel {c}, pixel ({i % W}, {i / W})");
                }
            }
        Assert.That(sunPixels, Is.GreaterThan(50), "the constructed sun clips both exposures");
    }

    [TestCase("classical")]
    [TestCase("noalign")]
    public void A_window_clipped_everywhere_gives_the_short_exposures_bound(string method)
    {
        var (reference, shortFrame) = Frames();
        var hdr = Synthetic.RenderHdr(W, H, Radiance, 0);
        var after = new FrameInput(Synthetic.Expose(hdr, ShortEv, 1e-3f, 3), ShortEv);
        var res = Reconstructor.Reconstruct([shortFrame, reference, after], 1, new ReconstructOptions { Method = method });
        float expected = (float)(1 / shortFrame.Exposure); // 2^1.5: what clipping the short exposure proves
        for (int c = 0; c < 3; c++)
            Assert.That(res.Hdr[c, 12, 24], Is.GreaterThanOrEqualTo(expected * 0.999f), $"sun centre, channel {c}: not the long exposure's 2^-1.5");
    }
}
