using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
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
        ParallelRange.ForRows(h, (long)s * W * 12, new BlockRows(f, d, n, W, H, w, s, shift, gain, thr, dark, mu, satW, invLogMu));
        return f;
    }

    private readonly struct BlockRows(FlowFeatures f, float[] d, int n, int W, int H, int w, int s, int shift, float gain, float thr, float dark, float mu, float satW, float invLogMu) : IRangeOperation
    {
        public void Invoke(int by0, int by1)
        {
            // Column sums over the block's rows (8-wide), then block sums over the columns.
            var colV = new float[W];
            var colY = new float[W];
            var colM = new float[W];
            var colC = new float[W];
            for (int by = by0; by < by1; by++)
            {
                Array.Clear(colV); Array.Clear(colY); Array.Clear(colM); Array.Clear(colC);
                int yEnd = Math.Min(by * s + s, H);
                for (int y = by * s; y < yEnd; y++) AccumulateRow(d, n, y * W, W, gain, thr, colV, colY, colM, colC);
                int o0 = by * w;
                int rows = yEnd - by * s;
                for (int bx = 0; bx < w; bx++)
                {
                    int x0 = bx << shift, x1 = Math.Min(x0 + s, W);
                    float sv = 0f, sy = 0f, mm = 0f, cc = 0f;
                    for (int x = x0; x < x1; x++) { sv += colV[x]; sy += colY[x]; mm = MathF.Max(mm, colM[x]); cc += colC[x]; }
                    float inv = 1f / (rows * (x1 - x0));
                    float v = sv * inv, yRaw = sy * inv;
                    if (!float.IsFinite(v)) v = 0f;
                    if (!float.IsFinite(yRaw)) yRaw = 0f;
                    v = Math.Clamp(v, 0f, 1f);
                    f.I[o0 + bx] = MathF.Log(1f + mu * v) * invLogMu;
                    f.Y[o0 + bx] = yRaw;
                    f.ClipFraction[o0 + bx] = cc * inv;
                    // Saturated at the common exposure (any pixel of the block): constancy holds only via the
                    // re-clip, and the clipped plateau carries no texture, so trust it little.
                    float sat = Filters.SmoothStep(thr - 0.15f, thr, mm * gain);
                    float darkW = MathF.Max(0.05f, Filters.SmoothStep(0.1f * dark, dark, yRaw));
                    f.Weight[o0 + bx] = (1f - (1f - satW) * sat) * darkW;
                }
            }
        }
    }

    /// <summary>
    /// One full-resolution row into the column accumulators: colV += min(Y·gain, 1), colY += Y, colM = max(colM, max RGB),
    /// colC += [max RGB ≥ thr]. Min and max take the second operand when the first is NaN, in both paths.
    /// </summary>
    private static void AccumulateRow(float[] d, int n, int row, int W, float gain, float thr, float[] colV, float[] colY, float[] colM, float[] colC)
    {
        ref float R = ref MemoryMarshal.GetArrayDataReference(d);
        ref float V = ref MemoryMarshal.GetArrayDataReference(colV);
        ref float Yc = ref MemoryMarshal.GetArrayDataReference(colY);
        ref float M = ref MemoryMarshal.GetArrayDataReference(colM);
        ref float C = ref MemoryMarshal.GetArrayDataReference(colC);
        int x = 0;
        if (Avx.IsSupported)
        {
            var cr = Vector256.Create(0.2126f); var cg = Vector256.Create(0.7152f); var cb = Vector256.Create(0.0722f);
            var vg = Vector256.Create(gain); var one = Vector256.Create(1f); var vt = Vector256.Create(thr);
            for (; x + 8 <= W; x += 8)
            {
                int i = row + x;
                var r = Vector256.LoadUnsafe(ref R, (nuint)i);
                var g = Vector256.LoadUnsafe(ref R, (nuint)(n + i));
                var b = Vector256.LoadUnsafe(ref R, (nuint)(2 * n + i));
                var lum = cr * r + cg * g + cb * b;
                var m = Avx.Max(r, Avx.Max(g, b));
                (Vector256.LoadUnsafe(ref V, (nuint)x) + Avx.Min(lum * vg, one)).StoreUnsafe(ref V, (nuint)x);
                (Vector256.LoadUnsafe(ref Yc, (nuint)x) + lum).StoreUnsafe(ref Yc, (nuint)x);
                Avx.Max(Vector256.LoadUnsafe(ref M, (nuint)x), m).StoreUnsafe(ref M, (nuint)x);
                (Vector256.LoadUnsafe(ref C, (nuint)x) + (Avx.CompareGreaterThanOrEqual(m, vt) & one)).StoreUnsafe(ref C, (nuint)x);
            }
        }
        for (; x < W; x++)
        {
            int i = row + x;
            float r = Unsafe.Add(ref R, i), g = Unsafe.Add(ref R, n + i), b = Unsafe.Add(ref R, 2 * n + i);
            float lum = 0.2126f * r + 0.7152f * g + 0.0722f * b;
            float gb = g > b ? g : b;
            float m = r > gb ? r : gb;
            float t = lum * gain;
            Unsafe.Add(ref V, x) += t < 1f ? t : 1f;
            Unsafe.Add(ref Yc, x) += lum;
            float cm = Unsafe.Add(ref M, x);
            Unsafe.Add(ref M, x) = cm > m ? cm : m;
            Unsafe.Add(ref C, x) += m >= thr ? 1f : 0f;
        }
    }
}
