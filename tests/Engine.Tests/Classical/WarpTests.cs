using HdrOfx.Engine.Classical;
using HdrOfx.Engine.Imaging;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Classical;

public class WarpTests
{
    /// <summary>The scalar reference: out(p) = bilinear(src, clamp(p + flow(p))), inside iff within [−0.5, W−0.5]×[−0.5, H−0.5].</summary>
    private static (ImageF, ImageF) Naive(ImageF src, ImageF flow)
    {
        int w = src.Width, h = src.Height;
        var dst = new ImageF(w, h, src.Channels);
        var mask = new ImageF(w, h, 1);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                double sx = x + (double)flow[0, y, x], sy = y + (double)flow[1, y, x];
                mask[0, y, x] = sx >= -0.5 && sx <= w - 0.5 && sy >= -0.5 && sy <= h - 0.5 ? 1 : 0;
                sx = Math.Clamp(sx, 0, w - 1); sy = Math.Clamp(sy, 0, h - 1);
                int x0 = (int)Math.Floor(sx), y0 = (int)Math.Floor(sy);
                int x1 = Math.Min(x0 + 1, w - 1), y1 = Math.Min(y0 + 1, h - 1);
                double fx = sx - x0, fy = sy - y0;
                for (int c = 0; c < src.Channels; c++)
                {
                    double v = (1 - fx) * (1 - fy) * src[c, y0, x0] + fx * (1 - fy) * src[c, y0, x1]
                             + (1 - fx) * fy * src[c, y1, x0] + fx * fy * src[c, y1, x1];
                    dst[c, y, x] = (float)v;
                }
            }
        return (dst, mask);
    }

    [TestCase(1, 1, 1)]
    [TestCase(7, 5, 3)]
    [TestCase(64, 48, 3)]
    [TestCase(301, 173, 4)]
    public void MatchesNaiveLoop(int w, int h, int ch)
    {
        var rng = new Random(w * 31 + h);
        var src = new ImageF(w, h, ch);
        for (int i = 0; i < src.Data.Length; i++) src.Data[i] = (float)rng.NextDouble() * 4f;
        var flow = new ImageF(w, h, 2);
        // Mixed magnitudes: sub-pixel, large, out of frame on every side, exact integers.
        for (int i = 0; i < flow.Data.Length; i++)
            flow.Data[i] = (i % 5) switch { 0 => (float)(rng.NextDouble() - 0.5), 1 => (float)(rng.NextDouble() * 60 - 30), 2 => (float)rng.Next(-3, 4), _ => (float)(rng.NextDouble() * 8 - 4) };
        var mask = new ImageF(w, h, 1);
        var got = Warp.Backward(src, flow, mask);
        var (want, wantMask) = Naive(src, flow);
        for (int i = 0; i < want.Data.Length; i++)
            Assert.That(got.Data[i], Is.EqualTo(want.Data[i]).Within(1e-4f * (1 + MathF.Abs(want.Data[i]))), $"value {i}");
        Assert.That(mask.Data, Is.EqualTo(wantMask.Data));
    }

    [Test]
    public void IntegerShiftMovesPixels()
    {
        var src = new ImageF(10, 8, 1);
        for (int i = 0; i < src.Data.Length; i++) src.Data[i] = i;
        var flow = Synthetic.FlowImage(10, 8, (_, _) => (2f, 1f));
        var got = Warp.Backward(src, flow);
        Assert.That(got[0, 3, 4], Is.EqualTo(src[0, 4, 6]));
        Assert.That(got[0, 7, 9], Is.EqualTo(src[0, 7, 9])); // clamped at the border
    }

    [Test]
    public void NonFiniteFlowIsOutsideAndSamplesItself()
    {
        var src = new ImageF(4, 4, 1);
        for (int i = 0; i < 16; i++) src.Data[i] = i;
        var flow = new ImageF(4, 4, 2);
        flow[0, 1, 2] = float.NaN;
        var mask = new ImageF(4, 4, 1);
        var got = Warp.Backward(src, flow, mask);
        Assert.That(got[0, 1, 2], Is.EqualTo(src[0, 1, 2]));
        Assert.That(mask[0, 1, 2], Is.EqualTo(0f));
        Assert.That(mask[0, 0, 0], Is.EqualTo(1f));
    }

    [Test]
    public void RejectsMismatchedSizes() =>
        Assert.Throws<ArgumentException>(() => Warp.Backward(new ImageF(4, 4, 3), new ImageF(5, 4, 2)));
}
