using HdrOfx.Engine.Imaging;

namespace HdrOfx.Engine.Classical;

/// <summary>
/// One frame prepared for exposure-invariant flow at working resolution (full / Scale), for one exposure gain:
/// <list type="bullet">
/// <item><see cref="I"/>: μ-law of the block mean of min(Y·gain, 1): the luminance brought to the pair's common
/// (longer) exposure and re-clipped to what the longer frame can see, so brightness constancy holds across exposures.</item>
/// <item><see cref="Weight"/>: data weight, low where the block saturates at the common exposure or is near black.</item>
/// <item><see cref="Y"/>: block mean of the raw linear luminance (for ghost checks), <see cref="ClipFraction"/>: share of clipped pixels.</item>
/// </list>
/// </summary>
internal sealed class FlowFeatures : IDisposable
{
    public int Width { get; }
    public int Height { get; }
    public int Scale { get; }
    public float[] I { get; }
    public float[] Weight { get; }
    public float[] Y { get; }
    public float[] ClipFraction { get; }

    private FlowFeatures(int w, int h, int s)
    {
        Width = w; Height = h; Scale = s;
        int n = w * h;
        I = Scratch.Rent(n); Weight = Scratch.Rent(n); Y = Scratch.Rent(n); ClipFraction = Scratch.Rent(n);
    }

    public void Dispose()
    {
        Scratch.Return(I); Scratch.Return(Weight); Scratch.Return(Y); Scratch.Return(ClipFraction);
    }

    public static int WorkingSize(int full, int s) => (full + s - 1) / s;

    public static FlowFeatures Build(ImageF lin, float gain, int s, FlowOptions o)
    {
        int W = lin.Width, H = lin.Height, n = W * H;
        int w = WorkingSize(W, s), h = WorkingSize(H, s);
        var f = new FlowFeatures(w, h, s);
        float[] d = lin.Data;
        float thr = o.ClipThreshold, dark = o.DarkThreshold, mu = o.Mu, satW = o.SaturatedWeight;
        float invLogMu = 1f / MathF.Log(1f + mu);
        int shift = s switch { 1 => 0, 2 => 1, 4 => 2, 8 => 3, _ => throw new ArgumentException($"scale {s}") };
        RowParallel.For(h, (long)s * W * 12, (by0, by1) =>
        {
            var sumV = new float[w];
            var sumY = new float[w];
            var maxM = new float[w];
            var clip = new float[w];
            var cnt = new float[w];
            for (int by = by0; by < by1; by++)
            {
                Array.Clear(sumV); Array.Clear(sumY); Array.Clear(maxM); Array.Clear(clip); Array.Clear(cnt);
                int yEnd = Math.Min(by * s + s, H);
                for (int y = by * s; y < yEnd; y++)
                {
                    int row = y * W;
                    for (int x = 0; x < W; x++)
                    {
                        int i = row + x;
                        float r = d[i], g = d[n + i], b = d[2 * n + i];
                        float lum = 0.2126f * r + 0.7152f * g + 0.0722f * b;
                        float m = MathF.Max(r, MathF.Max(g, b));
                        int bx = x >> shift;
                        sumV[bx] += MathF.Min(lum * gain, 1f);
                        sumY[bx] += lum;
                        maxM[bx] = MathF.Max(maxM[bx], m);
                        clip[bx] += m >= thr ? 1f : 0f;
                        cnt[bx] += 1f;
                    }
                }
                int o0 = by * w;
                for (int bx = 0; bx < w; bx++)
                {
                    float inv = 1f / cnt[bx];
                    float v = sumV[bx] * inv, yRaw = sumY[bx] * inv;
                    if (!float.IsFinite(v)) v = 0f;
                    if (!float.IsFinite(yRaw)) yRaw = 0f;
                    v = Math.Clamp(v, 0f, 1f);
                    f.I[o0 + bx] = MathF.Log(1f + mu * v) * invLogMu;
                    f.Y[o0 + bx] = yRaw;
                    f.ClipFraction[o0 + bx] = clip[bx] * inv;
                    // Saturated at the common exposure (any pixel of the block): constancy holds only via the
                    // re-clip, and the clipped plateau carries no texture, so trust it little.
                    float sat = Filters.SmoothStep(thr - 0.15f, thr, maxM[bx] * gain);
                    float darkW = MathF.Max(0.05f, Filters.SmoothStep(0.1f * dark, dark, yRaw));
                    f.Weight[o0 + bx] = (1f - (1f - satW) * sat) * darkW;
                }
            }
        });
        return f;
    }
}
