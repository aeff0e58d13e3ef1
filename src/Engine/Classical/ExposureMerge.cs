using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.Reconstruction;

namespace HdrOfx.Engine.Classical;

/// <summary>
/// A flow sampled per output pixel: values live on a grid of (W×H) points that maps onto the full frame
/// (gx = (x+0.5)·W/FullW − 0.5), in grid pixels; multiply by FullW/W to get full-resolution pixels.
/// A full-resolution grid is read directly.
/// </summary>
internal readonly record struct FlowGrid(float[] U, float[] V, int Width, int Height);

/// <summary>One neighbour prepared for the merge.</summary>
internal sealed class AlignedNeighbour
{
    public required FrameInput Frame { get; init; }
    public required FlowGrid Flow { get; init; }
    /// <summary>Working-resolution trust (flow confidence × block ghost test), blurred; grid of the merge's working size.</summary>
    public required float[] Trust { get; init; }
    /// <summary>Noise σ of this frame (raw units).</summary>
    public required float NoiseSigma { get; init; }
    /// <summary>Absolute tolerance of the per-pixel ghost test, reference raw units.</summary>
    public required float PixelAbsTolerance { get; init; }
}

/// <summary>
/// Saturation- and ghost-aware merge in radiance space H_i = L_i / e_i (docs/classical.md §3):
///   H(p) = Σ_i w_i(p) H_i(p + f_i(p)) / Σ_i w_i(p),
///   w_ref = max(hat(L_ref), floor) / v_ref,  w_i = hat(L_i) · T_i(p) · G_i(p) · [p + f_i(p) inside] / v_i,
/// with inverse-variance weights: v_ref = σ_ref²/e_ref² and v_i = σ_i²/e_i² + (κ H_i)², the κ term modelling the
/// residual misalignment and interpolation blur of a warped neighbour (so a clean, well-exposed reference is kept sharp and
/// neighbours win where the reference is dark and noisy),
/// with hat(x) = smoothstep(0, k_n, x)·(1 − smoothstep(k_h, clip, x)) on the max of RGB, T_i the blurred low-resolution
/// trust (flow confidence × block ghost test) and G_i the per-pixel ghost test against the reference.
/// </summary>
public static class ExposureMerge
{
    /// <summary>
    /// Zero-motion fallback (working resolution, in place): where the neighbour sampled without motion matches the
    /// reference clearly better than along the estimated flow (3×3 mean absolute difference of luminance, reference raw
    /// units, E₀ &lt; 0.8·E_f, neither clipped), the flow is set to 0 and its confidence to 1. This bounds what a wrong
    /// flow can cost against "noalign" on nearly static content.
    /// </summary>
    internal static void ZeroMotionFallback(FlowFeatures refF, double refEv, FlowFeatures nbF, double nbEv, float[] u, float[] v, float[]? confidence)
    {
        int w = refF.Width, h = refF.Height, n = w * h;
        var ef = Scratch.Rent(n);
        var e0 = Scratch.Rent(n);
        var tmp = Scratch.Rent(n);
        try
        {
            float ratio = (float)Math.Pow(2, refEv - nbEv);
            ParallelRange.ForRows(h, w * 16, new ZeroMotionErrorRows(refF, nbF, u, v, ef, e0, ratio, w, h));
            Filters.BoxMean(ef, ef, tmp, w, h, 1);
            Filters.BoxMean(e0, e0, tmp, w, h, 1);
            for (int i = 0; i < n; i++)
            {
                if (refF.ClipFraction[i] > 0.02f || nbF.ClipFraction[i] > 0.02f) continue;
                if (e0[i] < 0.8f * ef[i])
                {
                    u[i] = 0f; v[i] = 0f;
                    if (confidence is not null) confidence[i] = 1f;
                }
            }
        }
        finally
        {
            Scratch.Return(ef); Scratch.Return(e0); Scratch.Return(tmp);
        }
    }

    private readonly struct ZeroMotionErrorRows(FlowFeatures refF, FlowFeatures nbF, float[] u, float[] v, float[] ef, float[] e0, float ratio, int w, int h) : IRangeOperation
    {
        public void Invoke(int y0, int y1)
        {
            for (int y = y0; y < y1; y++)
                for (int x = 0; x < w; x++)
                {
                    int i = y * w + x;
                    float a = refF.Y[i];
                    ef[i] = MathF.Abs(Filters.SampleClamped(nbF.Y, w, h, x + u[i], y + v[i]) * ratio - a);
                    e0[i] = MathF.Abs(nbF.Y[i] * ratio - a);
                }
        }
    }

    /// <summary>Radius of the box over which the block test compares local means (noise σ shrinks by 2r+1).</summary>
    internal const int CompareRadius = 1;

    /// <summary>
    /// Low-resolution trust of one neighbour: flow confidence × agreement of the 3×3 local mean radiance of the warped
    /// neighbour with the reference's (where neither is clipped), then box-blurred. <paramref name="absTolerance"/> is
    /// in reference raw units for one working pixel; the local mean divides its noise part by 2r+1.
    /// </summary>
    internal static float[] BlockTrust(FlowFeatures refF, double refEv, FlowFeatures nbF, double nbEv, float[] u, float[] v, float[]? confidence, float absTolerance, MergeOptions m)
    {
        int w = refF.Width, h = refF.Height, n = w * h;
        var t = Scratch.Rent(n);
        var wy = Scratch.Rent(n);
        var wc = Scratch.Rent(n);
        var ra = Scratch.Rent(n);
        var tmp = Scratch.Rent(n);
        try
        {
            float ratio = (float)Math.Pow(2, refEv - nbEv); // neighbour raw → reference raw units
            float abs = m.AbsFloor + (absTolerance - m.AbsFloor) / (2 * CompareRadius + 1), rel = m.RelTolerance;
            ParallelRange.ForRows(h, w * 20, new WarpedLuminanceRows(nbF, u, v, wy, wc, ratio, w, h));
            Filters.BoxMean(wy, wy, tmp, w, h, CompareRadius);
            Filters.BoxMean(refF.Y, ra, tmp, w, h, CompareRadius);
            ParallelRange.ForRows(h, w * 20, new TrustRows(refF, u, v, confidence, t, wy, wc, ra, abs, rel, w, h));
            if (m.TrustBlurRadius > 0) Filters.BoxMean(t, t, tmp, w, h, m.TrustBlurRadius);
            return t;
        }
        finally
        {
            Scratch.Return(wy); Scratch.Return(wc); Scratch.Return(ra); Scratch.Return(tmp);
        }
    }

    private readonly struct WarpedLuminanceRows(FlowFeatures nbF, float[] u, float[] v, float[] wy, float[] wc, float ratio, int w, int h) : IRangeOperation
    {
        public void Invoke(int y0, int y1)
        {
            for (int y = y0; y < y1; y++)
                for (int x = 0; x < w; x++)
                {
                    int i = y * w + x;
                    float sx = x + u[i], sy = y + v[i];
                    wy[i] = Filters.SampleClamped(nbF.Y, w, h, sx, sy) * ratio;
                    wc[i] = Filters.SampleClamped(nbF.ClipFraction, w, h, sx, sy);
                }
        }
    }

    private readonly struct TrustRows(FlowFeatures refF, float[] u, float[] v, float[]? confidence, float[] t, float[] wy, float[] wc, float[] ra, float abs, float rel, int w, int h) : IRangeOperation
    {
        public void Invoke(int y0, int y1)
        {
            for (int y = y0; y < y1; y++)
            {
                for (int x = 0; x < w; x++)
                {
                    int i = y * w + x;
                    float sx = x + u[i], sy = y + v[i];
                    if (!BilinearTaps.Inside(sx, sy, w, h)) { t[i] = 0f; continue; }
                    float c = confidence is null ? 1f : confidence[i];
                    float g = 1f;
                    if (refF.ClipFraction[i] < 0.02f && wc[i] < 0.02f)
                    {
                        float a = ra[i], b = wy[i];
                        float d = MathF.Abs(b - a) / (abs + rel * MathF.Max(a, b));
                        g = Ghost(d);
                    }
                    t[i] = c * g;
                }
            }
        }
    }

    /// <summary>
    /// Robust noise σ of a linear frame (raw units) from its dark, unclipped pixels: the 20th percentile of the
    /// absolute Immerkær (1996) Laplacian-difference response over a sparse sample (≤ ~256 × 170 points), divided by 0.2533·6
    /// (half-normal quantile, white noise). A low quantile keeps texture from inflating the estimate. Falls back to 0.003 when too few dark pixels exist.
    /// </summary>
    public static float EstimateNoise(ImageF lin)
    {
        int w = lin.Width, h = lin.Height, n = w * h;
        if (w < 3 || h < 3) return 0.003f;
        const int bins = 4096;
        const float top = 0.05f;
        var hist = new int[bins];
        int count = 0;
        float[] d = lin.Data;
        // About 256 rows × 170 columns at most: a 20th percentile of ~40k samples is stable to well under 1 %, and
        // frames up to 512 wide keep every third column (the benchmark clips' estimates are unchanged).
        int step = Math.Max(1, h / 256), xStep = Math.Max(3, w / 170);
        for (int y = 1; y < h - 1; y += step)
        {
            for (int x = 1; x < w - 1; x += xStep)
            {
                // Immerkær's 3×3 mask [1 −2 1; −2 4 −2; 1 −2 1] on luminance: cancels constant and linear structure;
                // for white noise its response has σ·6.
                float acc = 0f, lo = float.MaxValue, hi = 0f;
                for (int dy = -1; dy <= 1; dy++)
                {
                    int r = (y + dy) * w;
                    for (int dx = -1; dx <= 1; dx++)
                    {
                        int i = r + x + dx;
                        float yv = 0.2126f * d[i] + 0.7152f * d[n + i] + 0.0722f * d[2 * n + i];
                        lo = MathF.Min(lo, yv); hi = MathF.Max(hi, yv);
                        int wgt = (dx == 0 ? 2 : 1) * (dy == 0 ? 2 : 1) * ((dx + dy) % 2 == 0 ? 1 : -1);
                        acc += wgt * yv;
                    }
                }
                // Dark but off the black clamp (clamping at 0 hides noise) and away from the clip.
                if (!(lo > 0.005f && hi < 0.15f)) continue;
                hist[Math.Min((int)(MathF.Abs(acc) / top * bins), bins - 1)]++;
                count++;
            }
        }
        if (count < 200) return 0.003f;
        // The 20th percentile, not the median: texture only inflates the upper quantiles (half-normal: 0.2533σ').
        int q20 = count / 5, seen = 0;
        for (int b = 0; b < bins; b++)
        {
            seen += hist[b];
            if (seen >= q20) return (b + 0.5f) * top / bins / (0.2533f * 6f);
        }
        return 0.003f;
    }

    /// <summary>Agreement → weight: 1 up to one tolerance, then a Gaussian fall-off.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Ghost(float d)
    {
        float e = MathF.Max(0f, d - 1f);
        return MathF.Exp(-2f * e * e);
    }

    /// <summary>
    /// Fused warp + merge at full resolution. <paramref name="workW"/>×<paramref name="workH"/> is the trust grid.
    /// The 8-wide AVX2 kernel runs where the CPU has it (and <paramref name="allowVector"/>); the scalar kernel is the
    /// reference, the fallback and the row tail (<see cref="MergeKernel"/>).
    /// </summary>
    internal static ReconstructResult Merge(FrameInput reference, float refSigma, IReadOnlyList<AlignedNeighbour> neighbours, int workW, int workH, MergeOptions m, bool diagnostics, bool allowVector = true)
    {
        var L = reference.Linear;
        int W = L.Width, H = L.Height;
        // Every sample of the output planes is written by the kernels: pooled, uninitialized buffers.
        var hdr = ImageF.Rent(W, H, 3);
        ImageF? sat = diagnostics ? ImageF.Rent(W, H, 1) : null;
        ImageF? conf = diagnostics ? ImageF.Rent(W, H, 1) : null;
        using var kernel = new MergeKernel(reference, refSigma, neighbours, workW, workH, m, hdr, sat, conf);
        bool vector = allowVector && MergeKernel.VectorSupported;
        ParallelRange.ForRows(H, W * (40 + 60 * neighbours.Count), new MergeRows(kernel, vector, W));
        return new ReconstructResult(hdr, sat, conf);
    }

    private readonly struct MergeRows(MergeKernel kernel, bool vector, int W) : IRangeOperation
    {
        public void Invoke(int y0, int y1)
        {
            var rows = kernel.NewRowBuffers();
            for (int y = y0; y < y1; y++)
            {
                kernel.PrepareRow(y, rows);
                int x = vector ? kernel.RowVector(y, rows) : 0;
                for (; x < W; x++) kernel.Pixel(y, x, rows);
            }
        }
    }
}
