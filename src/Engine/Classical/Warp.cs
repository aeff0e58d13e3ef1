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
        RowParallel.For(h, w * (10 + 6 * ch), (y0, y1) =>
        {
            for (int y = y0; y < y1; y++)
            {
                int row = y * w;
                for (int x = 0; x < w; x++)
                {
                    int i = row + x;
                    float sx = x + f[i], sy = y + f[n + i];
                    bool inside = sx >= -0.5f && sx <= w - 0.5f && sy >= -0.5f && sy <= h - 0.5f;
                    if (!float.IsFinite(sx) || !float.IsFinite(sy)) { sx = x; sy = y; inside = false; }
                    sx = Math.Clamp(sx, 0f, w - 1);
                    sy = Math.Clamp(sy, 0f, h - 1);
                    int x0 = Math.Min((int)sx, w - 1), yy0 = Math.Min((int)sy, h - 1);
                    int x1 = Math.Min(x0 + 1, w - 1), yy1 = Math.Min(yy0 + 1, h - 1);
                    float fx = sx - x0, fy = sy - yy0;
                    int a0 = yy0 * w + x0, a1 = yy0 * w + x1, b0 = yy1 * w + x0, b1 = yy1 * w + x1;
                    for (int c = 0; c < ch; c++)
                    {
                        int o = c * n;
                        float t = s[o + a0] + fx * (s[o + a1] - s[o + a0]);
                        float u = s[o + b0] + fx * (s[o + b1] - s[o + b0]);
                        d[o + i] = t + fy * (u - t);
                    }
                    if (m is not null) m[i] = inside ? 1f : 0f;
                }
            }
        });
    }
}
