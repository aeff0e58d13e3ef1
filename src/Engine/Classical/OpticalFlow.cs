using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using HdrOfx.Engine.Imaging;

namespace HdrOfx.Engine.Classical;

/// <summary>A flow at working resolution (full / Scale): U, V in working pixels; Confidence may be null.</summary>
internal sealed class LowResFlow : IDisposable
{
    public int Width { get; }
    public int Height { get; }
    public int Scale { get; }
    public float[] U { get; }
    public float[] V { get; }
    public float[]? Confidence { get; set; }

    public LowResFlow(int w, int h, int s, float[] u, float[] v)
    {
        Width = w; Height = h; Scale = s; U = u; V = v;
    }

    public void Dispose()
    {
        Scratch.Return(U); Scratch.Return(V); Scratch.Return(Confidence);
    }
}

/// <summary>
/// Exposure-invariant, coarse-to-fine dense optical flow (docs/classical.md §1).
/// Each pyramid level minimises a combined local–global (CLG, Bruhn et al. 2005) energy
///   E(u) = Σ_p K_ρ * [w (I_x du + I_y dv + I_t)²] + α̃ Σ_p Σ_{q∈N4(p)} |u_p − u_q|²,
/// where K_ρ is a (2r+1)² box (the Lucas–Kanade window), w the clip-aware data weight, I the μ-law luminance at the
/// pair's common exposure, linearised around the current flow by warping (several warps per level), solved by Jacobi
/// iterations, then 3×3-median filtered. A forward–backward check gives the per-pixel confidence.
/// </summary>
public static class OpticalFlow
{
    /// <summary>
    /// Flow from <paramref name="refLinear"/> to <paramref name="otherLinear"/> (other sampled at p + flow(p) matches ref at p).
    /// Both images are linear in [0,1] (1 = clip), not divided by exposure; EVs are their exposures in stops.
    /// Returns a full-resolution flow and, when <see cref="FlowOptions.ForwardBackward"/>, a confidence.
    /// </summary>
    public static FlowField Compute(ImageF refLinear, double refEv, ImageF otherLinear, double otherEv, FlowOptions? o = null)
    {
        ArgumentNullException.ThrowIfNull(refLinear);
        ArgumentNullException.ThrowIfNull(otherLinear);
        if (!refLinear.SameSize(otherLinear)) throw new ArgumentException($"images differ in size: {refLinear} vs {otherLinear}");
        if (refLinear.Channels < 3 || otherLinear.Channels < 3) throw new ArgumentException("flow needs RGB images");
        if (!double.IsFinite(refEv) || !double.IsFinite(otherEv)) throw new ArgumentException("EVs must be finite");
        o ??= FlowOptions.Default;
        int s = o.ResolveScale(refLinear.Width, refLinear.Height);
        var (gr, go) = PairGains(refEv, otherEv);
        using var fr = FlowFeatures.Build(refLinear, gr, s, o);
        using var fo = FlowFeatures.Build(otherLinear, go, s, o);
        using var low = ComputeLowRes(fr, fo, o);
        return ToFullRes(low, refLinear.Width, refLinear.Height);
    }

    /// <summary>Gains that bring each frame to the pair's longer exposure: g = e_max / e_i ≥ 1.</summary>
    internal static (float RefGain, float OtherGain) PairGains(double refEv, double otherEv)
    {
        double m = Math.Max(refEv, otherEv);
        return ((float)Math.Pow(2, m - refEv), (float)Math.Pow(2, m - otherEv));
    }

    internal static FlowField ToFullRes(LowResFlow low, int width, int height)
    {
        var flow = new ImageF(width, height, 2);
        int n = width * height;
        var u = Scratch.Rent(n);
        var v = Scratch.Rent(n);
        Filters.ResampleBilinear(low.U, low.Width, low.Height, u, width, height, (float)width / low.Width);
        Filters.ResampleBilinear(low.V, low.Width, low.Height, v, width, height, (float)height / low.Height);
        Array.Copy(u, 0, flow.Data, 0, n);
        Array.Copy(v, 0, flow.Data, n, n);
        Scratch.Return(u); Scratch.Return(v);
        ImageF? conf = null;
        if (low.Confidence is not null)
        {
            conf = new ImageF(width, height, 1);
            Filters.ResampleBilinear(low.Confidence, low.Width, low.Height, conf.Data, width, height, 1f);
        }
        return new FlowField(flow, conf);
    }

    internal static LowResFlow ComputeLowRes(FlowFeatures refF, FlowFeatures othF, FlowOptions o) => ComputeLowRes([(refF, othF)], o)[0];

    /// <summary>
    /// Flows for several (reference, other) pairs at once: pyramids are built once per distinct features object, and the
    /// forward and backward solves of all pairs run as parallel jobs (<see cref="ParallelRange.Jobs{T}"/>).
    /// </summary>
    internal static LowResFlow[] ComputeLowRes(IReadOnlyList<(FlowFeatures Ref, FlowFeatures Other)> pairs, FlowOptions o)
    {
        var pyramids = new Dictionary<FlowFeatures, Pyramid>(ReferenceEqualityComparer.Instance);
        int perPair = o.ForwardBackward ? 2 : 1;
        var solved = new LowResFlow?[pairs.Count * perPair];
        try
        {
            foreach (var (a, b) in pairs)
            {
                if (!pyramids.ContainsKey(a)) pyramids[a] = Pyramid.Build(a, o);
                if (!pyramids.ContainsKey(b)) pyramids[b] = Pyramid.Build(b, o);
            }
            ParallelRange.Jobs(solved.Length, new SolveJobs(pairs, pyramids, solved, perPair, o));
            var result = new LowResFlow[pairs.Count];
            for (int p = 0; p < pairs.Count; p++)
            {
                var fwd = solved[p * perPair]!;
                if (o.ForwardBackward) fwd.Confidence = ForwardBackwardConfidence(fwd, solved[p * perPair + 1]!, o.ConsistencyTolerance);
                result[p] = fwd;
                solved[p * perPair] = null;
            }
            return result;
        }
        finally
        {
            foreach (var f in solved) f?.Dispose();
            foreach (var p in pyramids.Values) p.Dispose();
        }
    }

    /// <summary>Job j solves pair j / perPair forward (even j) or backward (odd j, with forward–backward checks).</summary>
    private readonly struct SolveJobs(IReadOnlyList<(FlowFeatures Ref, FlowFeatures Other)> pairs, Dictionary<FlowFeatures, Pyramid> pyramids,
        LowResFlow?[] solved, int perPair, FlowOptions o) : IRangeOperation
    {
        public void Invoke(int j0, int j1)
        {
            for (int j = j0; j < j1; j++)
            {
                var (a, b) = pairs[j / perPair];
                solved[j] = j % perPair == 0 ? Solve(pyramids[a], pyramids[b], o) : Solve(pyramids[b], pyramids[a], o);
            }
        }
    }

    /// <summary>
    /// The working planes of one pyramid level (w×h each), rented together and returned together: the refinement's
    /// structure tensor J (J11, J12, J22) and right-hand side (J13, J23), the warped image, the flow at the start of a
    /// warp (U0, V0), the Jacobi ping-pong planes (Ua, Va) and a temporary; the integer search borrows six of them.
    /// </summary>
    private sealed class LevelBuffers : IDisposable
    {
        public readonly float[] J11, J12, J22, J13, J23, Tmp, U0, V0, Ua, Va, I1w;

        public LevelBuffers(int n)
        {
            J11 = Scratch.Rent(n); J12 = Scratch.Rent(n); J22 = Scratch.Rent(n); J13 = Scratch.Rent(n); J23 = Scratch.Rent(n);
            Tmp = Scratch.Rent(n); U0 = Scratch.Rent(n); V0 = Scratch.Rent(n); Ua = Scratch.Rent(n); Va = Scratch.Rent(n);
            I1w = Scratch.Rent(n);
        }

        public void Dispose()
        {
            foreach (var a in new[] { J11, J12, J22, J13, J23, Tmp, U0, V0, Ua, Va, I1w }) Scratch.Return(a);
        }
    }

    private sealed class Pyramid : IDisposable
    {
        public readonly List<(float[] I, float[] W, int w, int h)> Levels = new();
        private readonly List<float[]> _owned = new();
        public int Scale;

        public static Pyramid Build(FlowFeatures f, FlowOptions o)
        {
            var p = new Pyramid { Scale = f.Scale };
            int w = f.Width, h = f.Height;
            p.Levels.Add((f.I, f.Weight, w, h));
            while (p.Levels.Count < o.MaxLevels)
            {
                int w2 = (w + 1) / 2, h2 = (h + 1) / 2;
                if (Math.Min(w2, h2) < o.MinLevelSize) break;
                var (I, W, _, _) = p.Levels[^1];
                var i2 = Scratch.Rent(w2 * h2);
                var ww2 = Scratch.Rent(w2 * h2);
                p._owned.Add(i2); p._owned.Add(ww2);
                Filters.Pyramid2(I, w, h, i2, w2, h2);
                Filters.Pyramid2(W, w, h, ww2, w2, h2);
                p.Levels.Add((i2, ww2, w2, h2));
                w = w2; h = h2;
            }
            return p;
        }

        public void Dispose()
        {
            foreach (var a in _owned) Scratch.Return(a);
        }
    }

    // Search acceptance: a candidate's cost plus Penalty·mean·|d − u|² must be below Ratio × the coarse flow's cost
    // and improve on it by more than Gate × the image's mean cost.
    private const float SearchRatio = 0.5f, SearchGate = 0.5f, SearchPenalty = 0.1f;

    private static LowResFlow Solve(Pyramid p0, Pyramid p1, FlowOptions o)
    {
        int L = p0.Levels.Count;
        float[]? u = null, v = null;
        int pw = 0, ph = 0;
        for (int l = L - 1; l >= 0; l--)
        {
            var (I0, W0, w, h) = p0.Levels[l];
            var (I1, W1, _, _) = p1.Levels[l];
            int n = w * h;
            var nu = Scratch.Rent(n);
            var nv = Scratch.Rent(n);
            if (u is null)
            {
                Array.Clear(nu, 0, n); Array.Clear(nv, 0, n);
            }
            else
            {
                Filters.ResampleBilinear(u, pw, ph, nu, w, h, (float)w / pw);
                Filters.ResampleBilinear(v!, pw, ph, nv, w, h, (float)h / ph);
                Scratch.Return(u); Scratch.Return(v);
            }
            u = nu; v = nv; pw = w; ph = h;
            // Coarse levels are tiny: iterate them more (this is where large motion is found).
            int iters = l == 0 ? o.FinestWarpIterations : l == 1 ? o.WarpIterations : o.WarpIterations + 2;
            int smooth = l >= 2 ? 2 * o.SmoothIterations : o.SmoothIterations;
            int searchLevel = SearchLevel(p0.Scale, p0.Levels, o, out int radius);
            using var buffers = new LevelBuffers(n);
            if (l == searchLevel && radius > 0) SearchReplace(I0, W0, I1, w, h, u, v, radius, buffers);
            RefineLevel(I0, W0, I1, W1, w, h, u, v, iters, smooth, o, buffers);
        }
        return new LowResFlow(pw, ph, p0.Scale, u!, v!);
    }

    /// <summary>
    /// The level where the exhaustive integer search runs: the finest one where covering ±<see cref="FlowOptions.SearchRange"/>
    /// full-resolution pixels costs at most ~2 M pixel-candidates (and at most ±8 level pixels).
    /// </summary>
    private static int SearchLevel(int scale, IReadOnlyList<(float[] I, float[] W, int w, int h)> levels, FlowOptions o, out int radius)
    {
        radius = 0;
        if (o.SearchRange <= 0) return -1;
        for (int l = 0; l < levels.Count; l++)
        {
            int r = Math.Max(1, (int)MathF.Ceiling(o.SearchRange / (float)(scale << l)));
            long work = (long)levels[l].w * levels[l].h * (2 * r + 1) * (2 * r + 1);
            if (r <= 8 && work <= 2_000_000) { radius = r; return l; }
        }
        return -1;
    }

    /// <summary>
    /// DIS/block-matching style escape from the coarse-to-fine local minimum (small objects with large motion are
    /// smoothed away at coarse levels): for every integer displacement d in [−R, R]², the windowed weighted SSD
    /// C_d(p) = K * [W0 (I1(p+d) − I0(p))²]; where the best C_d beats the current flow's cost by a margin, take d,
    /// then 3×3-median the result. Returns whether anything changed.
    /// </summary>
    private static bool SearchReplace(float[] I0, float[] W0, float[] I1, int w, int h, float[] u, float[] v, int R, LevelBuffers buffers)
    {
        int n = w * h;
        float[] cost = buffers.J11, best = buffers.J12, bu = buffers.J22, bv = buffers.J13, tmp = buffers.Tmp, cur = buffers.J23;
        const int win = 2;
        ParallelRange.ForRows(h, w * 12, new CurrentCostRows(I0, W0, I1, w, h, u, v, cost));
        Filters.BoxMean(cost, best, tmp, w, h, win); // best := the current flow's cost
        Array.Copy(best, cur, n);
        Array.Copy(u, bu, n); Array.Copy(v, bv, n);
        double meanCur = 0;
        for (int i = 0; i < n; i++) meanCur += cur[i];
        float gate = (float)(meanCur / n);
        for (int dy = -R; dy <= R; dy++)
        {
            for (int dx = -R; dx <= R; dx++)
            {
                ParallelRange.ForRows(h, w * 4, new ShiftedCostRows(I0, W0, I1, w, h, dx, dy, cost));
                Filters.BoxMean(cost, cost, tmp, w, h, win);
                AcceptCandidates(cost, cur, u, v, best, bu, bv, dx, dy, gate);
            }
        }
        bool changed = false;
        for (int i = 0; i < n && !changed; i++) changed = bu[i] != u[i] || bv[i] != v[i];
        if (changed)
        {
            Filters.Median3(bu, u, w, h);
            Filters.Median3(bv, v, w, h);
        }
        return changed;
    }

    /// <summary>cost(p) = W0(p) (I1(p + u(p)) − I0(p))², bilinear: the current flow's data cost.</summary>
    private readonly struct CurrentCostRows(float[] I0, float[] W0, float[] I1, int w, int h, float[] u, float[] v, float[] cost) : IRangeOperation
    {
        public void Invoke(int y0, int y1)
        {
            for (int y = y0; y < y1; y++)
                for (int x = 0; x < w; x++)
                {
                    int i = y * w + x;
                    float d = Filters.SampleClamped(I1, w, h, x + u[i], y + v[i]) - I0[i];
                    cost[i] = W0[i] * d * d;
                }
        }
    }

    private readonly struct ShiftedCostRows(float[] I0, float[] W0, float[] I1, int w, int h, int dx, int dy, float[] cost) : IRangeOperation
    {
        public void Invoke(int y0, int y1)
        {
            for (int y = y0; y < y1; y++) ShiftedCostRow(I0, W0, I1, w, h, y, dx, dy, cost);
        }
    }

    /// <summary>cost(p) = W0(p) (I1(p + d) − I0(p))² for one row, d integer, borders clamped; the interior run is 8-wide.</summary>
    internal static void ShiftedCostRow(float[] I0, float[] W0, float[] I1, int w, int h, int y, int dx, int dy, float[] cost)
    {
        int r = y * w, sr = Math.Clamp(y + dy, 0, h - 1) * w;
        int xa = Math.Clamp(-dx, 0, w), xb = Math.Clamp(w - dx, xa, w); // x + dx in [0, w) for x in [xa, xb)
        for (int x = 0; x < xa; x++) cost[r + x] = CostAt(I0, W0, I1, r + x, sr + Math.Clamp(x + dx, 0, w - 1));
        int k = xa;
        if (Vector256.IsHardwareAccelerated)
        {
            ref float A = ref MemoryMarshal.GetArrayDataReference(I0);
            ref float Wt = ref MemoryMarshal.GetArrayDataReference(W0);
            ref float B = ref MemoryMarshal.GetArrayDataReference(I1);
            ref float C = ref MemoryMarshal.GetArrayDataReference(cost);
            for (; k + 8 <= xb; k += 8)
            {
                var d = Vector256.LoadUnsafe(ref B, (nuint)(sr + k + dx)) - Vector256.LoadUnsafe(ref A, (nuint)(r + k));
                (Vector256.LoadUnsafe(ref Wt, (nuint)(r + k)) * d * d).StoreUnsafe(ref C, (nuint)(r + k));
            }
        }
        for (; k < w; k++) cost[r + k] = CostAt(I0, W0, I1, r + k, sr + Math.Clamp(k + dx, 0, w - 1));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float CostAt(float[] I0, float[] W0, float[] I1, int i, int j)
    {
        float d = I1[j] - I0[i];
        return W0[i] * d * d;
    }

    /// <summary>
    /// Hysteresis: candidate d replaces the current best where its cost plus Penalty·gate·|d − u|² is below Ratio × the
    /// coarse flow's cost and improves on it by more than Gate·gate (the image's mean residual, so noise in flat regions
    /// never wins); the refinement that follows restores sub-pixel accuracy. Scalar and 8-wide give the same result.
    /// </summary>
    internal static void AcceptCandidates(float[] cost, float[] cur, float[] u, float[] v, float[] best, float[] bu, float[] bv, int dx, int dy, float gate)
    {
        int n = cost.Length, i = 0;
        if (cur.Length < n || u.Length < n || v.Length < n || best.Length < n || bu.Length < n || bv.Length < n)
            throw new ArgumentException("search planes differ in size");
        float pen = SearchPenalty * gate, thr = SearchGate * gate, fdx = dx, fdy = dy;
        if (Avx.IsSupported)
        {
            ref float Co = ref MemoryMarshal.GetArrayDataReference(cost);
            ref float Cu = ref MemoryMarshal.GetArrayDataReference(cur);
            ref float U = ref MemoryMarshal.GetArrayDataReference(u);
            ref float V = ref MemoryMarshal.GetArrayDataReference(v);
            ref float Be = ref MemoryMarshal.GetArrayDataReference(best);
            ref float BU = ref MemoryMarshal.GetArrayDataReference(bu);
            ref float BV = ref MemoryMarshal.GetArrayDataReference(bv);
            var vdx = Vector256.Create(fdx); var vdy = Vector256.Create(fdy);
            var vpen = Vector256.Create(pen); var vthr = Vector256.Create(thr); var vratio = Vector256.Create(SearchRatio);
            for (; i + 8 <= n; i += 8)
            {
                var eu = vdx - Vector256.LoadUnsafe(ref U, (nuint)i);
                var ev = vdy - Vector256.LoadUnsafe(ref V, (nuint)i);
                var c = Vector256.LoadUnsafe(ref Co, (nuint)i) + vpen * (eu * eu + ev * ev);
                var cu = Vector256.LoadUnsafe(ref Cu, (nuint)i);
                var b = Vector256.LoadUnsafe(ref Be, (nuint)i);
                var take = Avx.CompareLessThan(c, vratio * cu) & Avx.CompareGreaterThan(cu - c, vthr) & Avx.CompareLessThan(c, b);
                if (Avx.MoveMask(take) == 0) continue;
                Vector256.ConditionalSelect(take, c, b).StoreUnsafe(ref Be, (nuint)i);
                Vector256.ConditionalSelect(take, vdx, Vector256.LoadUnsafe(ref BU, (nuint)i)).StoreUnsafe(ref BU, (nuint)i);
                Vector256.ConditionalSelect(take, vdy, Vector256.LoadUnsafe(ref BV, (nuint)i)).StoreUnsafe(ref BV, (nuint)i);
            }
        }
        for (; i < n; i++)
        {
            float eu = fdx - u[i], ev = fdy - v[i];
            float c = cost[i] + pen * (eu * eu + ev * ev);
            if (c < SearchRatio * cur[i] && cur[i] - c > thr && c < best[i])
            {
                best[i] = c; bu[i] = fdx; bv[i] = fdy;
            }
        }
    }

    /// <summary>
    /// Row y of the warp: iw = bilinear(I1, p + u(p)) (clamped), ww = bilinear(W1, p + u(p)) where p + u(p) lies inside
    /// [−0.5, w − 0.5] × [−0.5, h − 0.5], else 0. The 8-wide path gathers the taps and computes the same expressions.
    /// </summary>
    internal static unsafe void WarpRow(float[] I1, float[] W1, int w, int h, int y, float[] u, float[] v, float[] iw, float[] ww, bool allowVector = true)
    {
        int r = y * w, x = 0;
        if (allowVector && Avx2.IsSupported && w >= 8)
        {
            var grid = new BilinearGrid8(w, h);
            var iota = Vector256.Create(0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f);
            var vy = Vector256.Create((float)y);
            ref float U = ref MemoryMarshal.GetArrayDataReference(u);
            ref float V = ref MemoryMarshal.GetArrayDataReference(v);
            ref float IW = ref MemoryMarshal.GetArrayDataReference(iw);
            ref float WW = ref MemoryMarshal.GetArrayDataReference(ww);
            fixed (float* pi = I1, pw = W1)
            {
                for (; x + 8 <= w; x += 8)
                {
                    int i = r + x;
                    var sx = Vector256.Create((float)x) + iota + Vector256.LoadUnsafe(ref U, (nuint)i);
                    var sy = vy + Vector256.LoadUnsafe(ref V, (nuint)i);
                    var taps = grid.At(sx, sy);
                    taps.Sample(pi).StoreUnsafe(ref IW, (nuint)i);
                    (grid.Inside(sx, sy) & taps.Sample(pw)).StoreUnsafe(ref WW, (nuint)i);
                }
            }
        }
        for (; x < w; x++)
        {
            int i = r + x;
            float sx = x + u[i], sy = y + v[i];
            var taps = new BilinearTaps(sx, sy, w, h);
            iw[i] = taps.Sample(I1);
            ww[i] = BilinearTaps.Inside(sx, sy, w, h) ? taps.Sample(W1) : 0f;
        }
    }

    /// <summary>Warping iterations of the CLG system at one level; u, v are updated in place.</summary>
    private static void RefineLevel(float[] I0, float[] W0, float[] I1, float[] W1, int w, int h, float[] u, float[] v, int warps, int smoothIters,
        FlowOptions o, LevelBuffers b)
    {
        int n = w * h;
        for (int it = 0; it < warps; it++)
        {
            // 1. Warp the other image (and its weight) by the current flow.
            ParallelRange.ForRows(h, w * 20, new WarpRows(I1, W1, w, h, u, v, b.I1w, b.Tmp));
            // 2. Linearised data terms (symmetric gradient of both images), weighted.
            ParallelRange.ForRows(h, w * 30, new DataTermRows(I0, W0, w, h, b));
            int rad = o.WindowRadius;
            Filters.BoxMean(b.J11, b.J11, b.Tmp, w, h, rad);
            Filters.BoxMean(b.J12, b.J12, b.Tmp, w, h, rad);
            Filters.BoxMean(b.J22, b.J22, b.Tmp, w, h, rad);
            Filters.BoxMean(b.J13, b.J13, b.Tmp, w, h, rad);
            Filters.BoxMean(b.J23, b.J23, b.Tmp, w, h, rad);
            double tr = 0;
            for (int i = 0; i < n; i++) tr += b.J11[i] + b.J22[i];
            float a = (float)(4.0 * o.Alpha * (tr / n) + 1e-9);
            // 3. Jacobi on (J + a) du = −b + a (ū − u0), with ū the 4-neighbour mean of the current total flow.
            //    J and a are fixed during the iterations: store (J + a)⁻¹ in J11/J12/J22 and −b − a u0 in J13/J23.
            Array.Copy(u, b.U0, n); Array.Copy(v, b.V0, n);
            ParallelRange.ForRows(h, w * 12, new InvertSystemRows(w, a, b));
            float[] cu = u, cv = v, nu = b.Ua, nv = b.Va;
            for (int k = 0; k < smoothIters; k++)
            {
                ParallelRange.ForRows(h, w * 25, new JacobiSweep(w, h, a, cu, cv, nu, nv, b));
                (cu, nu) = (nu, cu);
                (cv, nv) = (nv, cv);
            }
            if (!ReferenceEquals(cu, u)) { Array.Copy(cu, u, n); Array.Copy(cv, v, n); }
        }
        if (o.Median)
        {
            Filters.Median3(u, b.Tmp, w, h); Array.Copy(b.Tmp, u, n);
            Filters.Median3(v, b.Tmp, w, h); Array.Copy(b.Tmp, v, n);
        }
    }

    private readonly struct WarpRows(float[] I1, float[] W1, int w, int h, float[] u, float[] v, float[] iw, float[] ww) : IRangeOperation
    {
        public void Invoke(int y0, int y1)
        {
            for (int y = y0; y < y1; y++) WarpRow(I1, W1, w, h, y, u, v, iw, ww);
        }
    }

    /// <summary>J = W0·Ww·∇I∇Iᵀ and b = W0·Ww·∇I·It per pixel, ∇I the mean of both images' central differences.</summary>
    private readonly struct DataTermRows(float[] I0, float[] W0, int w, int h, LevelBuffers b) : IRangeOperation
    {
        public void Invoke(int y0, int y1)
        {
            float[] i1w = b.I1w, ww = b.Tmp, j11 = b.J11, j12 = b.J12, j22 = b.J22, j13 = b.J13, j23 = b.J23;
            for (int y = y0; y < y1; y++)
            {
                int ru = Math.Max(y - 1, 0) * w, rd = Math.Min(y + 1, h - 1) * w, r = y * w;
                for (int x = 0; x < w; x++)
                {
                    int i = r + x;
                    int xl = r + Math.Max(x - 1, 0), xr = r + Math.Min(x + 1, w - 1);
                    float ix = 0.25f * (I0[xr] - I0[xl] + i1w[xr] - i1w[xl]);
                    float iy = 0.25f * (I0[rd + x] - I0[ru + x] + i1w[rd + x] - i1w[ru + x]);
                    float itv = i1w[i] - I0[i];
                    float wt = W0[i] * ww[i];
                    j11[i] = wt * ix * ix; j12[i] = wt * ix * iy; j22[i] = wt * iy * iy;
                    j13[i] = wt * ix * itv; j23[i] = wt * iy * itv;
                }
            }
        }
    }

    private readonly struct InvertSystemRows(int w, float a, LevelBuffers b) : IRangeOperation
    {
        public void Invoke(int y0, int y1)
        {
            float[] j11 = b.J11, j12 = b.J12, j22 = b.J22, j13 = b.J13, j23 = b.J23, u0 = b.U0, v0 = b.V0;
            for (int i = y0 * w; i < y1 * w; i++)
            {
                float m11 = j11[i] + a, m22 = j22[i] + a, m12 = j12[i];
                float idet = 1f / (m11 * m22 - m12 * m12);
                j11[i] = m22 * idet; j22[i] = m11 * idet; j12[i] = -m12 * idet;
                j13[i] = -j13[i] - a * u0[i];
                j23[i] = -j23[i] - a * v0[i];
            }
        }
    }

    private readonly struct JacobiSweep(int w, int h, float a, float[] su, float[] sv, float[] du, float[] dv, LevelBuffers b) : IRangeOperation
    {
        public void Invoke(int y0, int y1) => JacobiRows(y0, y1, w, h, a, su, sv, du, dv, b.U0, b.V0, b.J11, b.J12, b.J22, b.J13, b.J23);
    }

    /// <summary>One Jacobi sweep over rows [y0, y1): i11, i12, i22 = (J + a)⁻¹, c1, c2 = −b − a·u0.</summary>
    internal static void JacobiRows(int y0, int y1, int w, int h, float a, float[] su, float[] sv, float[] du, float[] dv,
        float[] u0, float[] v0, float[] i11, float[] i12, float[] i22, float[] c1, float[] c2, bool allowVector = true)
    {
        var k = new JacobiKernel(0.25f * a, su, sv, du, dv, u0, v0, i11, i12, i22, c1, c2);
        bool vector = allowVector && Avx.IsSupported && w >= 10;
        for (int y = y0; y < y1; y++)
        {
            int ru = Math.Max(y - 1, 0) * w, rd = Math.Min(y + 1, h - 1) * w, r = y * w;
            k.Pixel(r, r, r + Math.Min(1, w - 1), ru, rd);
            int x = 1;
            if (vector)
                for (; x + 8 <= w - 1; x += 8) k.Vector8(r + x, ru + x, rd + x);
            for (; x < w; x++) k.Pixel(r + x, r + x - 1, r + Math.Min(x + 1, w - 1), ru + x, rd + x);
        }
    }

    /// <summary>
    /// The Jacobi update du = clamp((J + a)⁻¹ (c + a ū), ±2), ū the 4-neighbour mean: scalar and 8-wide with the same
    /// operations in the same order (no FMA contraction), so both give identical bits.
    /// </summary>
    private readonly ref struct JacobiKernel
    {
        private const float MaxStep = 2f;
        private readonly float _q;
        private readonly ref float SU, SV, DU, DV, U0, V0, A, B, C, P, Q;

        public JacobiKernel(float q, float[] su, float[] sv, float[] du, float[] dv, float[] u0, float[] v0,
            float[] i11, float[] i12, float[] i22, float[] c1, float[] c2)
        {
            _q = q;
            SU = ref MemoryMarshal.GetArrayDataReference(su); SV = ref MemoryMarshal.GetArrayDataReference(sv);
            DU = ref MemoryMarshal.GetArrayDataReference(du); DV = ref MemoryMarshal.GetArrayDataReference(dv);
            U0 = ref MemoryMarshal.GetArrayDataReference(u0); V0 = ref MemoryMarshal.GetArrayDataReference(v0);
            A = ref MemoryMarshal.GetArrayDataReference(i11); B = ref MemoryMarshal.GetArrayDataReference(i12);
            C = ref MemoryMarshal.GetArrayDataReference(i22);
            P = ref MemoryMarshal.GetArrayDataReference(c1); Q = ref MemoryMarshal.GetArrayDataReference(c2);
        }

        /// <summary>Pixel i with left, right, up and down neighbours at xl, xr, up, dn (borders replicate).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Pixel(int i, int xl, int xr, int up, int dn)
        {
            float ub = _q * (Unsafe.Add(ref SU, xl) + Unsafe.Add(ref SU, xr) + Unsafe.Add(ref SU, up) + Unsafe.Add(ref SU, dn));
            float vb = _q * (Unsafe.Add(ref SV, xl) + Unsafe.Add(ref SV, xr) + Unsafe.Add(ref SV, up) + Unsafe.Add(ref SV, dn));
            float b1 = Unsafe.Add(ref P, i) + ub, b2 = Unsafe.Add(ref Q, i) + vb;
            float m12 = Unsafe.Add(ref B, i);
            float ddu = Math.Clamp(Unsafe.Add(ref A, i) * b1 + m12 * b2, -MaxStep, MaxStep);
            float ddv = Math.Clamp(m12 * b1 + Unsafe.Add(ref C, i) * b2, -MaxStep, MaxStep);
            Unsafe.Add(ref DU, i) = Unsafe.Add(ref U0, i) + ddu;
            Unsafe.Add(ref DV, i) = Unsafe.Add(ref V0, i) + ddv;
        }

        /// <summary>Pixels i..i+7 of an interior run (x−1 and x+8 exist in the row).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Vector8(int i, int up, int dn)
        {
            var q = Vector256.Create(_q);
            var lo = Vector256.Create(-MaxStep);
            var hi = Vector256.Create(MaxStep);
            var ub = q * (Vector256.LoadUnsafe(ref SU, (nuint)(i - 1)) + Vector256.LoadUnsafe(ref SU, (nuint)(i + 1))
                + Vector256.LoadUnsafe(ref SU, (nuint)up) + Vector256.LoadUnsafe(ref SU, (nuint)dn));
            var vb = q * (Vector256.LoadUnsafe(ref SV, (nuint)(i - 1)) + Vector256.LoadUnsafe(ref SV, (nuint)(i + 1))
                + Vector256.LoadUnsafe(ref SV, (nuint)up) + Vector256.LoadUnsafe(ref SV, (nuint)dn));
            var b1 = Vector256.LoadUnsafe(ref P, (nuint)i) + ub;
            var b2 = Vector256.LoadUnsafe(ref Q, (nuint)i) + vb;
            var m12 = Vector256.LoadUnsafe(ref B, (nuint)i);
            var ddu = Avx.Min(Avx.Max(Vector256.LoadUnsafe(ref A, (nuint)i) * b1 + m12 * b2, lo), hi);
            var ddv = Avx.Min(Avx.Max(m12 * b1 + Vector256.LoadUnsafe(ref C, (nuint)i) * b2, lo), hi);
            (Vector256.LoadUnsafe(ref U0, (nuint)i) + ddu).StoreUnsafe(ref DU, (nuint)i);
            (Vector256.LoadUnsafe(ref V0, (nuint)i) + ddv).StoreUnsafe(ref DV, (nuint)i);
        }
    }

    /// <summary>
    /// c(p) = exp(−|f(p) + b(p + f(p))|² / (0.01 (|f|² + |b|²) + 0.5)) (Sundaram et al. 2010, softened), 0 when p + f(p) leaves the frame.
    /// </summary>
    private static float[] ForwardBackwardConfidence(LowResFlow f, LowResFlow b, float tol0)
    {
        int w = f.Width, h = f.Height;
        var c = Scratch.Rent(w * h);
        ParallelRange.ForRows(h, w * 30, new ConfidenceRows(f, b, c, w, h, tol0));
        return c;
    }

    private readonly struct ConfidenceRows(LowResFlow f, LowResFlow b, float[] c, int w, int h, float tol0) : IRangeOperation
    {
        public void Invoke(int y0, int y1)
        {
            for (int y = y0; y < y1; y++)
            {
                for (int x = 0; x < w; x++)
                {
                    int i = y * w + x;
                    float fu = f.U[i], fv = f.V[i];
                    float sx = x + fu, sy = y + fv;
                    if (!BilinearTaps.Inside(sx, sy, w, h)) { c[i] = 0f; continue; }
                    float bu = Filters.SampleClamped(b.U, w, h, sx, sy), bv = Filters.SampleClamped(b.V, w, h, sx, sy);
                    float eu = fu + bu, ev = fv + bv;
                    float tol = 0.01f * (fu * fu + fv * fv + bu * bu + bv * bv) + tol0;
                    c[i] = MathF.Exp(-(eu * eu + ev * ev) / tol);
                }
            }
        }
    }
}
