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
            RowParallel.For(h, w * 16, (y0, y1) =>
            {
                for (int y = y0; y < y1; y++)
                    for (int x = 0; x < w; x++)
                    {
                        int i = y * w + x;
                        float a = refF.Y[i];
                        ef[i] = MathF.Abs(Filters.SampleClamped(nbF.Y, w, h, x + u[i], y + v[i]) * ratio - a);
                        e0[i] = MathF.Abs(nbF.Y[i] * ratio - a);
                    }
            });
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
            RowParallel.For(h, w * 20, (y0, y1) =>
            {
                for (int y = y0; y < y1; y++)
                    for (int x = 0; x < w; x++)
                    {
                        int i = y * w + x;
                        float sx = x + u[i], sy = y + v[i];
                        wy[i] = Filters.SampleClamped(nbF.Y, w, h, sx, sy) * ratio;
                        wc[i] = Filters.SampleClamped(nbF.ClipFraction, w, h, sx, sy);
                    }
            });
            Filters.BoxMean(wy, wy, tmp, w, h, CompareRadius);
            Filters.BoxMean(refF.Y, ra, tmp, w, h, CompareRadius);
            RowParallel.For(h, w * 20, (y0, y1) =>
            {
                for (int y = y0; y < y1; y++)
                {
                    for (int x = 0; x < w; x++)
                    {
                        int i = y * w + x;
                        float sx = x + u[i], sy = y + v[i];
                        if (!(sx >= -0.5f && sx <= w - 0.5f && sy >= -0.5f && sy <= h - 0.5f)) { t[i] = 0f; continue; }
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
            });
            if (m.TrustBlurRadius > 0) Filters.BoxMean(t, t, tmp, w, h, m.TrustBlurRadius);
            return t;
        }
        finally
        {
            Scratch.Return(wy); Scratch.Return(wc); Scratch.Return(ra); Scratch.Return(tmp);
        }
    }

    /// <summary>
    /// Robust noise σ of a linear frame (raw units) from its dark, unclipped pixels: the 20th percentile of the
    /// absolute Immerkær (1996) Laplacian-difference response over a sparse sample, divided by 0.2533·6
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
        int step = Math.Max(1, h / 256);
        for (int y = 1; y < h - 1; y += step)
        {
            for (int x = 1; x < w - 1; x += 3)
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
    private static float Ghost(float d)
    {
        float e = MathF.Max(0f, d - 1f);
        return MathF.Exp(-2f * e * e);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Hat(float x, float noiseKnee, float highKnee, float clip)
    {
        if (x >= clip) return 0f;
        return Filters.SmoothStep(0f, noiseKnee, x) * (1f - Filters.SmoothStep(highKnee, clip, x));
    }

    private sealed class Axis
    {
        public readonly int[] I0, I1;
        public readonly float[] F;

        public Axis(int full, int grid)
        {
            I0 = new int[full]; I1 = new int[full]; F = new float[full];
            float r = (float)grid / full;
            for (int x = 0; x < full; x++)
            {
                float s = Math.Clamp((x + 0.5f) * r - 0.5f, 0f, grid - 1);
                int a = Math.Min((int)s, grid - 1);
                I0[x] = a; I1[x] = Math.Min(a + 1, grid - 1); F[x] = s - a;
            }
        }
    }

    /// <summary>
    /// Fused warp + merge at full resolution. <paramref name="workW"/>×<paramref name="workH"/> is the trust grid.
    /// </summary>
    internal static ReconstructResult Merge(FrameInput reference, float refSigma, IReadOnlyList<AlignedNeighbour> neighbours, int workW, int workH, MergeOptions m, bool diagnostics)
    {
        float sr = MathF.Max(refSigma, m.MinNoiseSigma);
        float invVarRef = (float)(reference.Exposure * reference.Exposure / (sr * sr));
        float kappa2 = m.AlignmentError * m.AlignmentError;
        var L = reference.Linear;
        int W = L.Width, H = L.Height, n = W * H;
        var hdr = new ImageF(W, H, 3);
        ImageF? sat = diagnostics ? new ImageF(W, H, 1) : null;
        ImageF? conf = diagnostics ? new ImageF(W, H, 1) : null;
        float eRef = (float)reference.Exposure, invRef = 1f / eRef;
        int k = neighbours.Count;
        var nbData = new float[k][];
        var nbInvE = new float[k];
        var nbVar = new float[k];
        var nbLow0 = new float[k];
        var nbLowInv = new float[k];
        var nbRatio = new float[k];
        var nbPixAbs = new float[k];
        var flowAxX = new Axis?[k];
        var flowAxY = new Axis?[k];
        var flowGainX = new float[k];
        var flowGainY = new float[k];
        for (int j = 0; j < k; j++)
        {
            var nb = neighbours[j];
            nbData[j] = nb.Frame.Linear.Data;
            nbInvE[j] = (float)(1.0 / nb.Frame.Exposure);
            float sn = MathF.Max(nb.NoiseSigma, m.MinNoiseSigma);
            nbVar[j] = (float)(sn * sn / (nb.Frame.Exposure * nb.Frame.Exposure));
            nbLow0[j] = m.NeighbourNoiseFloor.Lo * sn;
            nbLowInv[j] = 1f / ((m.NeighbourNoiseFloor.Hi - m.NeighbourNoiseFloor.Lo) * sn);
            nbRatio[j] = (float)(reference.Exposure / nb.Frame.Exposure);
            nbPixAbs[j] = nb.PixelAbsTolerance;
            var g = nb.Flow;
            if (g.Width != W || g.Height != H)
            {
                flowAxX[j] = new Axis(W, g.Width);
                flowAxY[j] = new Axis(H, g.Height);
                flowGainX[j] = (float)W / g.Width;
                flowGainY[j] = (float)H / g.Height;
            }
        }
        var tAxX = new Axis(W, workW);
        var tAxY = new Axis(H, workH);
        float[] rd = L.Data, od = hdr.Data;
        float clip = m.ClipThreshold, hk = m.HighKnee, nk = m.NoiseKnee, floor = m.ReferenceFloor;
        float prel = m.PixelRelTolerance, cgr = m.ClippedGhostRatio * m.ClipThreshold, dark = m.DarkThreshold;
        int LN = n; // every input image has the same plane size

        var nbU = new float[k][];
        var nbV = new float[k][];
        var nbT = new float[k][];
        var nbGw = new int[k];
        for (int j = 0; j < k; j++)
        {
            nbU[j] = neighbours[j].Flow.U; nbV[j] = neighbours[j].Flow.V; nbT[j] = neighbours[j].Trust; nbGw[j] = neighbours[j].Flow.Width;
        }
        float[]? satD = sat?.Data, confD = conf?.Data;
        float invHk = 1f / (clip - hk), invNk = nk > 0f ? 1f / (nk * sr) : 0f;

        RowParallel.For(H, W * (40 + 60 * k), (y0, y1) =>
        {
            // Row buffers: the neighbour's flow and trust upsampled to this full-resolution row (separable bilinear).
            var fuRow = new float[k][];
            var fvRow = new float[k][];
            var trRow = new float[k][];
            var mid = new float[Math.Max(workW, nbGw.Length == 0 ? 1 : nbGw.Max())];
            for (int j = 0; j < k; j++) { fuRow[j] = new float[W]; fvRow[j] = new float[W]; trRow[j] = new float[W]; }
            ref float R = ref MemoryMarshal.GetArrayDataReference(rd);
            ref float O = ref MemoryMarshal.GetArrayDataReference(od);
            for (int y = y0; y < y1; y++)
            {
                for (int j = 0; j < k; j++)
                {
                    var ax = flowAxX[j];
                    if (ax is null)
                    {
                        Array.Copy(nbU[j], y * W, fuRow[j], 0, W);
                        Array.Copy(nbV[j], y * W, fvRow[j], 0, W);
                    }
                    else
                    {
                        UpsampleRow(nbU[j], nbGw[j], flowAxY[j]!, ax, y, mid, fuRow[j], flowGainX[j]);
                        UpsampleRow(nbV[j], nbGw[j], flowAxY[j]!, ax, y, mid, fvRow[j], flowGainY[j]);
                    }
                    UpsampleRow(nbT[j], workW, tAxY, tAxX, y, mid, trRow[j], 1f);
                }
                int row = y * W;
                for (int x = 0; x < W; x++)
                {
                    int i = row + x;
                    float r0 = Unsafe.Add(ref R, i), g0 = Unsafe.Add(ref R, LN + i), b0 = Unsafe.Add(ref R, 2 * LN + i);
                    float mx0 = MathF.Max(r0, MathF.Max(g0, b0));
                    float lum0 = 0.2126f * r0 + 0.7152f * g0 + 0.0722f * b0;
                    bool refClipped = mx0 >= clip;
                    float wr = MathF.Max(HatFast(mx0, invNk, hk, invHk, clip), floor) * invVarRef;
                    float ar = wr * r0 * invRef, ag = wr * g0 * invRef, ab = wr * b0 * invRef, ws = wr;
                    float best = 0f;
                    for (int j = 0; j < k; j++)
                    {
                        float trust = trRow[j][x];
                        if (trust <= 1e-4f) continue;
                        float sx = x + fuRow[j][x], sy = y + fvRow[j][x];
                        if (!(sx >= -0.5f && sx <= W - 0.5f && sy >= -0.5f && sy <= H - 0.5f)) continue; // also rejects NaN
                        sx = Math.Clamp(sx, 0f, W - 1);
                        sy = Math.Clamp(sy, 0f, H - 1);
                        int x0 = Math.Min((int)sx, W - 1), yy0 = Math.Min((int)sy, H - 1);
                        int dx1 = x0 + 1 < W ? 1 : 0, dy1 = yy0 + 1 < H ? W : 0;
                        float wx = sx - x0, wy = sy - yy0;
                        int p00 = yy0 * W + x0;
                        ref float D = ref MemoryMarshal.GetArrayDataReference(nbData[j]);
                        float r1 = Bilerp(ref D, p00, dx1, dy1, wx, wy);
                        float g1 = Bilerp(ref D, LN + p00, dx1, dy1, wx, wy);
                        float b1 = Bilerp(ref D, 2 * LN + p00, dx1, dy1, wx, wy);
                        float mx1 = MathF.Max(r1, MathF.Max(g1, b1));
                        // A neighbour must earn its weight: below a few σ of its own noise (where clamping at 0 also
                        // biases it upwards) it carries no information.
                        // Per channel: the darkest channel decides (a clamped, biased channel would tint the merge).
                        float mn1 = MathF.Min(r1, MathF.Min(g1, b1));
                        float lt = Math.Clamp((mn1 - nbLow0[j]) * nbLowInv[j], 0f, 1f);
                        float hat = HatFast(mx1, 0f, hk, invHk, clip) * (lt * lt * (3f - 2f * lt));
                        if (hat <= 0f) continue;
                        // Per-pixel ghost test, in reference raw units.
                        float ghost;
                        float q = nbRatio[j];
                        float l1 = 0.2126f * r1 + 0.7152f * g1 + 0.0722f * b1;
                        if (refClipped)
                        {
                            // The true value is at least the clip level in every clipped channel.
                            float lowest = float.MaxValue;
                            if (r0 >= clip) lowest = MathF.Min(lowest, r1 * q);
                            if (g0 >= clip) lowest = MathF.Min(lowest, g1 * q);
                            if (b0 >= clip) lowest = MathF.Min(lowest, b1 * q);
                            ghost = Filters.SmoothStep(0.7f * cgr, cgr, lowest);
                        }
                        else
                        {
                            float a = lum0, b = l1 * q;
                            float dd = MathF.Abs(b - a) / (nbPixAbs[j] + prel * MathF.Max(a, b));
                            ghost = Ghost(dd);
                        }
                        float tr = trust * ghost;
                        if (tr > best) best = tr;
                        float hl = l1 * nbInvE[j];
                        float wj = hat * tr / (nbVar[j] + kappa2 * hl * hl);
                        float ie = nbInvE[j] * wj;
                        ar += ie * r1; ag += ie * g1; ab += ie * b1; ws += wj;
                    }
                    float inv = 1f / ws;
                    Unsafe.Add(ref O, i) = ar * inv; Unsafe.Add(ref O, n + i) = ag * inv; Unsafe.Add(ref O, 2 * n + i) = ab * inv;
                    if (satD is not null)
                    {
                        satD[i] = refClipped || lum0 < dark ? 1f : 0f;
                        confD![i] = best;
                    }
                }
            }
        });
        return new ReconstructResult(hdr, sat, conf);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Bilerp(ref float d, int p00, int dx, int dy, float wx, float wy)
    {
        float a = Unsafe.Add(ref d, p00), b = Unsafe.Add(ref d, p00 + dx);
        float c = Unsafe.Add(ref d, p00 + dy), e = Unsafe.Add(ref d, p00 + dy + dx);
        float t = a + wx * (b - a);
        float u = c + wx * (e - c);
        return t + wy * (u - t);
    }

    /// <summary><see cref="Hat"/> with precomputed reciprocals (hot loop).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float HatFast(float x, float invNk, float hk, float invHk, float clip)
    {
        if (x >= clip) return 0f;
        float t = invNk == 0f ? 1f : Math.Clamp(x * invNk, 0f, 1f);
        float lo = t * t * (3f - 2f * t);
        float s = Math.Clamp((x - hk) * invHk, 0f, 1f);
        return lo * (1f - s * s * (3f - 2f * s));
    }

    /// <summary>One full-resolution row of a bilinearly upsampled grid plane, times gain: vertical lerp into mid, then horizontal.</summary>
    private static void UpsampleRow(float[] g, int gw, Axis ay, Axis ax, int y, float[] mid, float[] dst, float gain)
    {
        int a0 = ay.I0[y] * gw, a1 = ay.I1[y] * gw;
        float fy = ay.F[y];
        for (int i = 0; i < gw; i++) mid[i] = g[a0 + i] + fy * (g[a1 + i] - g[a0 + i]);
        int[] i0 = ax.I0, i1 = ax.I1;
        float[] f = ax.F;
        for (int x = 0; x < dst.Length; x++)
        {
            float m0 = mid[i0[x]];
            dst[x] = gain * (m0 + f[x] * (mid[i1[x]] - m0));
        }
    }
}
