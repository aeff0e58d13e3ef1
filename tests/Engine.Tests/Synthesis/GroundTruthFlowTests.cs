using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.Synthesis;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Synthesis;

public class GroundTruthFlowTests
{
    private static readonly ImageF Pano = ProceduralHdr.Panorama(256, 128, seed: 21);
    private static readonly ImageF Fg = ProceduralHdr.Panorama(256, 128, seed: 22, scale: 5);

    private static SyntheticClip Clip(ulong seed, int layers = 1) => ClipSynthesizer.Generate(new SynthOptions
    {
        Seed = seed, Frames = 5, Noise = false, ForegroundCount = layers, PanSpeed = 3, ForegroundSpeed = 4,
        RotationSpeed = 0.3, ZoomRate = 0.01, Perspective = 0.03,
    }, Pano, Fg);

    /// <summary>Mean |log(ε + warped) − log(ε + ref)| over valid pixels at least 3 px from the border; also split by owner.</summary>
    private static (double All, double Foreground, int Count, int FgCount) WarpError(SyntheticClip clip, int r, int o, ImageF flow, ImageF valid)
    {
        var warped = ProceduralHdr.Warp(clip.Hdr[o], flow);
        var alpha = clip.ForegroundAlpha(r);
        var reference = clip.Hdr[r];
        int w = clip.Width, h = clip.Height, n = w * h;
        double eps = 0.02 * Median(reference);
        double sum = 0, fgSum = 0; int count = 0, fgCount = 0;
        for (int y = 3; y < h - 3; y++)
            for (int x = 3; x < w - 3; x++)
            {
                int i = y * w + x;
                if (valid.Data[i] < 0.5f) continue;
                double e = 0;
                for (int c = 0; c < 3; c++) e += Math.Abs(Math.Log(eps + warped.Data[c * n + i]) - Math.Log(eps + reference.Data[c * n + i]));
                e /= 3;
                sum += e; count++;
                if (alpha.Data[i] > 0.5f) { fgSum += e; fgCount++; }
            }
        return (sum / count, fgCount > 0 ? fgSum / fgCount : double.NaN, count, fgCount);
    }

    private static double Median(ImageF img)
    {
        var v = (float[])img.Data.Clone();
        Array.Sort(v);
        return v[v.Length / 2];
    }

    [TestCase(11UL, 1, 2)]
    [TestCase(12UL, 2, 0)]
    [TestCase(13UL, 0, 4)]
    [TestCase(14UL, 3, 2)]
    public void WarpingOtherWithTheFlowReproducesRef(ulong seed, int r, int o)
    {
        var clip = Clip(seed);
        var (flow, valid) = clip.GroundTruthFlowAndValidity(r, o);
        var (err, fgErr, count, fgCount) = WarpError(clip, r, o, flow, valid);

        var flipped = flow.Clone();
        for (int i = 0; i < flipped.Data.Length; i++) flipped.Data[i] = -flipped.Data[i];
        var (flipErr, flipFgErr, _, _) = WarpError(clip, r, o, flipped, valid);
        var zero = new ImageF(flow.Width, flow.Height, 2);
        var (zeroErr, _, _, _) = WarpError(clip, r, o, zero, valid);
        TestContext.Out.WriteLine($"seed {seed} {r}->{o}: error {err:F4} (fg {fgErr:F4}, {fgCount} px of {count}); flipped {flipErr:F4} (fg {flipFgErr:F4}); zero flow {zeroErr:F4}");

        Assert.That(count, Is.GreaterThan(clip.Width * clip.Height / 2), "most pixels have a valid correspondence");
        Assert.That(fgCount, Is.GreaterThan(clip.Width * clip.Height / 50), "the foreground is in view and checked");
        Assert.That(err, Is.LessThan(0.02), "warped GT matches the reference");
        Assert.That(fgErr, Is.LessThan(0.03), "foreground pixels follow the layer");
        Assert.That(flipErr, Is.GreaterThan(4 * err + 0.02), "a sign-flipped flow must not pass");
        Assert.That(flipFgErr, Is.GreaterThan(4 * fgErr + 0.02));
        Assert.That(zeroErr, Is.GreaterThan(4 * err + 0.02), "there is real motion to get right");
    }

    [Test]
    public void IdentityPairHasZeroFlowAndIsValidOffEdges()
    {
        var clip = Clip(15);
        var (flow, valid) = clip.GroundTruthFlowAndValidity(2, 2);
        Assert.That(flow.Data.Max(v => Math.Abs(v)), Is.LessThan(1e-3));
        double fracValid = valid.Data.Average();
        Assert.That(fracValid, Is.GreaterThan(0.97), "only soft foreground edges are invalid");
    }

    [Test]
    public void ValidityMarksOcclusionAndOutOfFrame()
    {
        var clip = Clip(16, layers: 2);
        var (flow, valid) = clip.GroundTruthFlowAndValidity(0, 4);
        int w = clip.Width, h = clip.Height, n = w * h;
        int outOfFrame = 0, outMarked = 0, invalidInside = 0;
        var alphaRef = clip.ForegroundAlpha(0);
        var alphaOther = clip.ForegroundAlpha(4);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int i = y * w + x;
                double px = x + flow.Data[i], py = y + flow.Data[n + i];
                bool inside = px >= 0 && px <= w - 1 && py >= 0 && py <= h - 1;
                if (!inside) { outOfFrame++; if (valid.Data[i] == 0) outMarked++; }
                else if (valid.Data[i] == 0) invalidInside++;
                if (inside && valid.Data[i] == 1 && alphaRef.Data[i] == 0)
                {
                    // A valid background pixel must land on background in the other frame.
                    float a = alphaOther[0, (int)Math.Round(py), (int)Math.Round(px)];
                    Assert.That(a, Is.LessThan(0.5f), $"({x},{y}) is marked valid but lands on the foreground");
                }
            }
        Assert.That(outOfFrame, Is.GreaterThan(0), "4 frames of camera motion push some pixels out of frame");
        Assert.That(outMarked, Is.EqualTo(outOfFrame));
        Assert.That(invalidInside, Is.GreaterThan(50), "foreground motion occludes/discloses background");
    }

    [Test]
    public void FlowWrapsAroundThePanoramaSeam()
    {
        // Output wider than the visible part of the source: the seam is always in view, and pan crosses it.
        var pano = ProceduralHdr.Panorama(128, 128, seed: 23);
        var clip = ClipSynthesizer.Generate(new SynthOptions
        {
            Seed = 31, Frames = 3, Width = 256, Height = 96, BaseZoom = 2.5, Noise = false, Foreground = false, PanSpeed = 6,
        }, pano, null);
        var (flow, valid) = clip.GroundTruthFlowAndValidity(0, 2);
        double maxAbs = flow.Data.Take(flow.PlaneSize).Max(v => Math.Abs(v));
        Assert.That(maxAbs, Is.LessThan(30), "the nearest copy of the panorama is chosen, never a jump of a full period");
        var (err, _, count, _) = WarpError(clip, 0, 2, flow, valid);
        Assert.That(count, Is.GreaterThan(clip.Width * clip.Height / 2));
        Assert.That(err, Is.LessThan(0.02));
    }

    [Test]
    public void OutOfRangeFramesThrow()
    {
        var clip = Clip(17);
        Assert.Throws<ArgumentOutOfRangeException>(() => clip.GroundTruthFlow(0, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => clip.GroundTruthValidity(-1, 0));
    }
}
