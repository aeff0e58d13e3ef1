using HdrOfx.Engine.Imaging;

namespace HdrOfx.Engine.Classical;

/// <summary>
/// Backward warping: out(p) = src(p + flow(p)), bilinear, with the sample position clamped to the image
/// (border clamp). A sample counts as inside the frame when p + flow(p) lies within
/// [−0.5, W−0.5] × [−0.5, H−0.5] (the image's pixel footprint); a non-finite flow counts as outside and samples p.
/// </summary>
public static class Warp
{
    public static ImageF Backward(ImageF src, ImageF flow) => Backward(src, flow, null);

    /// <summary>Warps every channel of <paramref name="src"/>; if <paramref name="inFrameMask"/> is given (1 channel, same size) it receives 1 inside, 0 outside.</summary>
    public static ImageF Backward(ImageF src, ImageF flow, ImageF? inFrameMask)
    {
        var dst = new ImageF(src.Width, src.Height, src.Channels);
        BackwardInto(src, flow, dst, inFrameMask);
        return dst;
    }

    public static void BackwardInto(ImageF src, ImageF flow, ImageF dst, ImageF? inFrameMask)
    {
        ArgumentNullException.ThrowIfNull(src);
        ArgumentNullException.ThrowIfNull(flow);
        ArgumentNullException.ThrowIfNull(dst);
        if (flow.Channels < 2) throw new ArgumentException($"flow must have 2 channels (dx, dy), got {flow.Channels}", nameof(flow));
        if (!flow.SameSize(src)) throw new ArgumentException($"flow {flow} and source {src} differ in size", nameof(flow));
        if (!dst.SameSize(src) || dst.Channels != src.Channels) throw new ArgumentException($"destination {dst} does not match source {src}", nameof(dst));
        if (ReferenceEquals(dst, src)) throw new ArgumentException("backward warping cannot run in place", nameof(dst));
        if (inFrameMask is not null && (!inFrameMask.SameSize(src) || inFrameMask.Channels != 1))
            throw new ArgumentException($"mask {inFrameMask} must be 1 channel of the source size", nameof(inFrameMask));

        int w = src.Width, h = src.Height, ch = src.Channels, n = w * h;
        float[] s = src.Data, f = flow.Data, d = dst.Data;
        float[]? m = inFrameMask?.Data;
        ParallelRange.ForRows(h, w * (10 + 6 * ch), new WarpRows(s, f, d, m, w, h, ch, n));
    }

    private readonly struct WarpRows(float[] s, float[] f, float[] d, float[]? m, int w, int h, int ch, int n) : IRangeOperation
    {
        public void Invoke(int y0, int y1)
        {
            for (int y = y0; y < y1; y++)
            {
                int row = y * w;
                for (int x = 0; x < w; x++)
                {
                    int i = row + x;
                    float sx = x + f[i], sy = y + f[n + i];
                    bool inside = BilinearTaps.Inside(sx, sy, w, h);
                    if (!float.IsFinite(sx) || !float.IsFinite(sy)) { sx = x; sy = y; inside = false; }
                    var taps = new BilinearTaps(sx, sy, w, h);
                    for (int c = 0; c < ch; c++) d[c * n + i] = taps.Sample(s, c * n);
                    if (m is not null) m[i] = inside ? 1f : 0f;
                }
            }
        }
    }
}
