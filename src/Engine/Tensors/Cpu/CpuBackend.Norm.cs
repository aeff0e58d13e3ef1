using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace HdrOfx.Engine.Tensors.Cpu;

/// <summary>
/// Group norm (Wu &amp; He 2018) and layer norm over channels. Statistics accumulate in float64 (two passes:
/// mean, then Σ(x−μ)²), so the fp32 result is within a few ulp of a float64 reference.
/// Backward, with x̂ = (x−μ)·rstd and g = dy·γ over one normalized set of L elements:
/// dx = rstd·(g − mean(g) − x̂·mean(g·x̂)); dγ = Σ dy·x̂; dβ = Σ dy.
/// Parameter gradients are summed per fixed chunk and the chunks added in order, so results do not depend on
/// thread timing.
/// </summary>
public sealed partial class CpuBackend
{
    // ------------------------------------------------------------------ group norm

    public void GroupNorm(Tensor x, Tensor? gamma, Tensor? beta, Tensor y, Tensor mean, Tensor rstd, int groups, float eps)
    {
        int n = x.Shape[0], c = x.Shape[1], s = x.Numel / Math.Max(1, n * c);
        var body = new GroupNormFwd(BufferView.Of(x), BufferView.OfOptional(gamma), BufferView.OfOptional(beta),
            BufferView.Of(y), BufferView.Of(mean), BufferView.Of(rstd), c, s, groups, eps);
        ParallelRange.For(n * groups, Math.Max(1, 16384 / Math.Max(1, c / groups * s)), body);
    }

    private readonly record struct GroupNormFwd(BufferView X, BufferView G, BufferView B, BufferView Y,
        BufferView M, BufferView R, int C, int S, int Groups, float Eps) : IRangeOperation
    {
        public void Invoke(int start, int end)
        {
            int cg = C / Groups, len = cg * S;
            for (int seg = start; seg < end; seg++)
            {
                int o = seg * len, grp = seg % Groups;
                double mu = SumRowDouble(X.Array, X.Offset + o, 1, len) / len;
                double v = SumSqDevDouble(X.Array, X.Offset + o, len, mu) / len;
                float rs = (float)(1.0 / Math.Sqrt(v + Eps));
                M[seg] = (float)mu; R[seg] = rs;
                if (S == 1)
                {
                    // channel-last layer norm: one row, γ/β indexed along it
                    int c0 = grp * cg;
                    NormRowAffine(X.Span(o, len), Y.Span(o, len), (float)mu, rs,
                        G.Has ? G.Span(c0, cg) : default, B.Has ? B.Span(c0, cg) : default);
                    continue;
                }
                for (int ci = 0; ci < cg; ci++)
                {
                    int ch = grp * cg + ci;
                    float a = rs * (G.Has ? G[ch] : 1f);
                    float b = (B.Has ? B[ch] : 0f) - (float)mu * a;
                    AxpbSpan(X.Span(o + ci * S, S), Y.Span(o + ci * S, S), a, b);
                }
            }
        }
    }

    public void GroupNormBackward(Tensor x, Tensor? gamma, Tensor mean, Tensor rstd, Tensor dy, Tensor dx, Tensor? dgamma, Tensor? dbeta, int groups)
    {
        int n = x.Shape[0], c = x.Shape[1], s = x.Numel / Math.Max(1, n * c);
        int segs = n * groups;
        int chunks = Math.Max(1, Math.Min(ParallelRange.MaxThreads, segs));
        var partial = ArrayPool<double>.Shared.Rent(chunks * 2 * c);
        try
        {
            Array.Clear(partial, 0, chunks * 2 * c);
            var body = new GroupNormBwd(BufferView.Of(x), BufferView.OfOptional(gamma), BufferView.Of(mean), BufferView.Of(rstd),
                BufferView.Of(dy), BufferView.Of(dx), partial, c, s, groups, segs, chunks);
            ParallelRange.For(chunks, 1, body);
            ReduceParamGrads(partial, chunks, c, dgamma, dbeta);
        }
        finally { ArrayPool<double>.Shared.Return(partial); }
    }

    /// <summary>dγ = Σ over chunks of partial[t, 0, c], dβ of partial[t, 1, c], added in chunk order.</summary>
    private static void ReduceParamGrads(double[] partial, int chunks, int c, Tensor? dgamma, Tensor? dbeta)
    {
        for (int ch = 0; ch < c; ch++)
        {
            double sg = 0, sb = 0;
            for (int t = 0; t < chunks; t++) { sg += partial[t * 2 * c + ch]; sb += partial[t * 2 * c + c + ch]; }
            if (dgamma != null) dgamma.CpuArray[dgamma.Offset + ch] = (float)sg;
            if (dbeta != null) dbeta.CpuArray[dbeta.Offset + ch] = (float)sb;
        }
    }

    private readonly record struct GroupNormBwd(BufferView X, BufferView G, BufferView M, BufferView R,
        BufferView Dy, BufferView Dx, double[] Partial, int C, int S, int Groups, int Segs, int Chunks) : IRangeOperation
    {
        public void Invoke(int start, int end)
        {
            int cg = C / Groups, len = cg * S;
            Span<double> sdy = cg <= 256 ? stackalloc double[cg] : new double[cg];
            Span<double> sdyx = cg <= 256 ? stackalloc double[cg] : new double[cg];
            for (int t = start; t < end; t++)
            {
                int pg = t * 2 * C;
                int s0 = (int)((long)Segs * t / Chunks), s1 = (int)((long)Segs * (t + 1) / Chunks);
                for (int seg = s0; seg < s1; seg++)
                {
                    int o = seg * len, grp = seg % Groups;
                    double mu = M[seg], rs = R[seg];
                    double sumG = 0, sumGx = 0; // Σ g and Σ g·x̂ over the group
                    if (S == 1)
                    {
                        RowBackward(seg, o, grp * cg, cg, mu, rs, pg);
                        continue;
                    }
                    for (int ci = 0; ci < cg; ci++)
                    {
                        int ch = grp * cg + ci;
                        DotSums(Dy.Array, Dy.Offset + o + ci * S, X.Array, X.Offset + o + ci * S, S, out double a, out double b);
                        sdy[ci] = a; sdyx[ci] = b;
                        double gm = G.Has ? G[ch] : 1.0;
                        double xs = rs * (b - mu * a); // Σ dy·x̂
                        sumG += gm * a; sumGx += gm * xs;
                        Partial[pg + ch] += xs;
                        Partial[pg + C + ch] += a;
                    }
                    double m1 = sumG / len, m2 = sumGx / len;
                    // dx = γ·rstd·dy + x·(−rstd²·m2) + (−rstd·m1 + μ·rstd²·m2)
                    float bx = (float)(-rs * rs * m2), cst = (float)(-rs * m1 + mu * rs * rs * m2);
                    for (int ci = 0; ci < cg; ci++)
                    {
                        int ch = grp * cg + ci;
                        float a = (float)(rs * (G.Has ? G[ch] : 1.0));
                        Axpbypc(Dy.Span(o + ci * S, S), X.Span(o + ci * S, S), Dx.Span(o + ci * S, S), a, bx, cst);
                    }
                }
            }
        }

        /// <summary>S = 1 (channel-last rows): the normalized set is one contiguous row whose elements are channels.</summary>
        private void RowBackward(int seg, int o, int c0, int len, double mu, double rs, int pg)
        {
            double sumG = 0, sumGx = 0;
            for (int j = 0; j < len; j++)
            {
                double d = Dy[o + j], xh = (X[o + j] - mu) * rs, gm = G.Has ? G[c0 + j] : 1.0;
                sumG += gm * d; sumGx += gm * d * xh;
                Partial[pg + c0 + j] += d * xh;
                Partial[pg + C + c0 + j] += d;
            }
            double m1 = sumG / len, m2 = sumGx / len;
            for (int j = 0; j < len; j++)
            {
                double d = Dy[o + j], xh = (X[o + j] - mu) * rs, gm = G.Has ? G[c0 + j] : 1.0;
                Dx[o + j] = (float)(rs * (gm * d - m1 - xh * m2));
            }
        }
    }

    // ------------------------------------------------------------------ layer norm over channels (NCHW)

    private const int ChannelNormBlock = 256;

    public void ChannelNorm(Tensor x, Tensor? gamma, Tensor? beta, Tensor y, Tensor mean, Tensor rstd, float eps)
    {
        int n = x.Shape[0], c = x.Shape[1], s = x.Numel / Math.Max(1, n * c);
        int blocks = (s + ChannelNormBlock - 1) / ChannelNormBlock;
        var body = new ChannelNormFwd(BufferView.Of(x), BufferView.OfOptional(gamma), BufferView.OfOptional(beta),
            BufferView.Of(y), BufferView.Of(mean), BufferView.Of(rstd), c, s, blocks, eps);
        ParallelRange.For(n * blocks, Math.Max(1, 64 / Math.Max(1, c)), body);
    }

    private readonly record struct ChannelNormFwd(BufferView X, BufferView G, BufferView B, BufferView Y,
        BufferView M, BufferView R, int C, int S, int Blocks, float Eps) : IRangeOperation
    {
        public void Invoke(int start, int end)
        {
            Span<double> acc = stackalloc double[ChannelNormBlock];
            Span<double> v = stackalloc double[ChannelNormBlock];
            Span<float> muHi = stackalloc float[ChannelNormBlock];
            Span<float> muLo = stackalloc float[ChannelNormBlock];
            Span<float> rsv = stackalloc float[ChannelNormBlock];
            for (int t = start; t < end; t++)
            {
                int n = t / Blocks, p0 = (t % Blocks) * ChannelNormBlock, pc = Math.Min(ChannelNormBlock, S - p0);
                int bx = n * C * S + p0;
                var a = acc[..pc]; var vv = v[..pc];
                a.Clear(); vv.Clear();
                for (int ch = 0; ch < C; ch++) AccumulateWiden(X.Span(bx + ch * S, pc), a);
                for (int p = 0; p < pc; p++) a[p] /= C;
                for (int ch = 0; ch < C; ch++) AccumulateSqDev(X.Span(bx + ch * S, pc), a, vv);
                for (int p = 0; p < pc; p++)
                {
                    // μ as a float pair hi + lo: (x − hi) − lo keeps float64 accuracy where x ≈ μ
                    muHi[p] = (float)a[p]; muLo[p] = (float)(a[p] - muHi[p]);
                    rsv[p] = (float)(1.0 / Math.Sqrt(vv[p] / C + Eps));
                    M[n * S + p0 + p] = muHi[p]; R[n * S + p0 + p] = rsv[p];
                }
                for (int ch = 0; ch < C; ch++)
                {
                    float gm = G.Has ? G[ch] : 1f, bt = B.Has ? B[ch] : 0f;
                    NormColumns(X.Span(bx + ch * S, pc), muHi[..pc], muLo[..pc], rsv[..pc], Y.Span(bx + ch * S, pc), gm, bt);
                }
            }
        }
    }

    /// <summary>acc[p] += x[p] in float64.</summary>
    internal static void AccumulateWiden(ReadOnlySpan<float> x, Span<double> acc)
    {
        int i = 0, n = x.Length;
        if (Vector256.IsHardwareAccelerated)
            for (; i <= n - 8; i += 8)
            {
                var (lo, hi) = Vector256.Widen(Vector256.Create(x.Slice(i, 8)));
                (Vector256.Create((ReadOnlySpan<double>)acc.Slice(i, 4)) + lo).CopyTo(acc.Slice(i, 4));
                (Vector256.Create((ReadOnlySpan<double>)acc.Slice(i + 4, 4)) + hi).CopyTo(acc.Slice(i + 4, 4));
            }
        for (; i < n; i++) acc[i] += x[i];
    }

    /// <summary>acc[p] += (x[p] − mu[p])² in float64.</summary>
    internal static void AccumulateSqDev(ReadOnlySpan<float> x, ReadOnlySpan<double> mu, Span<double> acc)
    {
        int i = 0, n = x.Length;
        if (Vector256.IsHardwareAccelerated)
            for (; i <= n - 8; i += 8)
            {
                var (lo, hi) = Vector256.Widen(Vector256.Create(x.Slice(i, 8)));
                lo -= Vector256.Create(mu.Slice(i, 4)); hi -= Vector256.Create(mu.Slice(i + 4, 4));
                (Vector256.Create((ReadOnlySpan<double>)acc.Slice(i, 4)) + lo * lo).CopyTo(acc.Slice(i, 4));
                (Vector256.Create((ReadOnlySpan<double>)acc.Slice(i + 4, 4)) + hi * hi).CopyTo(acc.Slice(i + 4, 4));
            }
        for (; i < n; i++) { double d = x[i] - mu[i]; acc[i] += d * d; }
    }

    /// <summary>y[p] = ((x[p] − hi[p]) − lo[p])·rs[p]·γ + β.</summary>
    internal static void NormColumns(ReadOnlySpan<float> x, ReadOnlySpan<float> hi, ReadOnlySpan<float> lo, ReadOnlySpan<float> rs, Span<float> y, float gm, float bt)
    {
        int i = 0, n = x.Length;
        if (Vector256.IsHardwareAccelerated)
        {
            var vg = Vector256.Create(gm); var vb = Vector256.Create(bt);
            for (; i <= n - 8; i += 8)
                (((Vector256.Create(x.Slice(i, 8)) - Vector256.Create(hi.Slice(i, 8))) - Vector256.Create(lo.Slice(i, 8))) * Vector256.Create(rs.Slice(i, 8)) * vg + vb).CopyTo(y.Slice(i, 8));
        }
        for (; i < n; i++) y[i] = ((x[i] - hi[i]) - lo[i]) * rs[i] * gm + bt;
    }

    public void ChannelNormBackward(Tensor x, Tensor? gamma, Tensor mean, Tensor rstd, Tensor dy, Tensor dx, Tensor? dgamma, Tensor? dbeta)
    {
        int n = x.Shape[0], c = x.Shape[1], s = x.Numel / Math.Max(1, n * c);
        int blocks = (s + ChannelNormBlock - 1) / ChannelNormBlock;
        int tasks = n * blocks;
        int chunks = Math.Max(1, Math.Min(ParallelRange.MaxThreads, tasks));
        var partial = ArrayPool<double>.Shared.Rent(chunks * 2 * c);
        try
        {
            Array.Clear(partial, 0, chunks * 2 * c);
            var body = new ChannelNormBwd(BufferView.Of(x), BufferView.OfOptional(gamma), BufferView.Of(mean), BufferView.Of(rstd),
                BufferView.Of(dy), BufferView.Of(dx), partial, c, s, blocks, tasks, chunks);
            ParallelRange.For(chunks, 1, body);
            ReduceParamGrads(partial, chunks, c, dgamma, dbeta);
        }
        finally { ArrayPool<double>.Shared.Return(partial); }
    }

    private readonly record struct ChannelNormBwd(BufferView X, BufferView G, BufferView M, BufferView R,
        BufferView Dy, BufferView Dx, double[] Partial, int C, int S, int Blocks, int Tasks, int Chunks) : IRangeOperation
    {
        public void Invoke(int start, int end)
        {
            Span<double> m1 = stackalloc double[ChannelNormBlock];
            Span<double> m2 = stackalloc double[ChannelNormBlock];
            Span<double> mu = stackalloc double[ChannelNormBlock];
            Span<double> rs = stackalloc double[ChannelNormBlock];
            Span<float> a1 = stackalloc float[ChannelNormBlock];
            Span<float> a2 = stackalloc float[ChannelNormBlock];
            for (int ck = start; ck < end; ck++)
            {
                int pg = ck * 2 * C;
                int t0 = (int)((long)Tasks * ck / Chunks), t1 = (int)((long)Tasks * (ck + 1) / Chunks);
                for (int t = t0; t < t1; t++)
                {
                    int n = t / Blocks, p0 = (t % Blocks) * ChannelNormBlock, pc = Math.Min(ChannelNormBlock, S - p0);
                    int bx = n * C * S + p0, bs = n * S + p0;
                    var vm1 = m1[..pc]; var vm2 = m2[..pc]; var vmu = mu[..pc]; var vrs = rs[..pc];
                    vm1.Clear(); vm2.Clear();
                    for (int p = 0; p < pc; p++) { vmu[p] = M[bs + p]; vrs[p] = R[bs + p]; }
                    for (int ch = 0; ch < C; ch++)
                    {
                        double gm = G.Has ? G[ch] : 1.0;
                        ChannelNormBwdSums(Dy.Span(bx + ch * S, pc), X.Span(bx + ch * S, pc), vmu, vrs, vm1, vm2, gm, out double sx, out double sd);
                        Partial[pg + ch] += sx; Partial[pg + C + ch] += sd;
                    }
                    for (int p = 0; p < pc; p++) { a1[p] = (float)(vm1[p] / C); a2[p] = (float)(vm2[p] / C); }
                    for (int ch = 0; ch < C; ch++)
                    {
                        float gm = G.Has ? G[ch] : 1f;
                        var d = Dy.Span(bx + ch * S, pc); var xs = X.Span(bx + ch * S, pc); var o = Dx.Span(bx + ch * S, pc);
                        var mf = M.Span(bs, pc); var rf = R.Span(bs, pc);
                        int p = 0;
                        if (Vector256.IsHardwareAccelerated)
                        {
                            var vg = Vector256.Create(gm);
                            for (; p <= pc - 8; p += 8)
                            {
                                var r = Vector256.Create(rf.Slice(p, 8));
                                var xh = (Vector256.Create(xs.Slice(p, 8)) - Vector256.Create(mf.Slice(p, 8))) * r;
                                (r * (vg * Vector256.Create(d.Slice(p, 8)) - Vector256.Create(a1.Slice(p, 8)) - xh * Vector256.Create(a2.Slice(p, 8)))).CopyTo(o.Slice(p, 8));
                            }
                        }
                        for (; p < pc; p++)
                        {
                            float xh = (xs[p] - mf[p]) * rf[p];
                            o[p] = rf[p] * (gm * d[p] - a1[p] - xh * a2[p]);
                        }
                    }
                }
            }
        }
    }

    /// <summary>With x̂ = (x − μ)·rstd: m1 += γ·dy, m2 += γ·dy·x̂ per pixel; sx = Σ dy·x̂, sd = Σ dy (all float64).</summary>
    internal static void ChannelNormBwdSums(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, ReadOnlySpan<double> mu, ReadOnlySpan<double> rs,
        Span<double> m1, Span<double> m2, double gm, out double sx, out double sd)
    {
        int i = 0, n = dy.Length;
        double ax = 0, ad = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var vg = Vector256.Create(gm);
            var vx = Vector256<double>.Zero; var vd = Vector256<double>.Zero;
            for (; i <= n - 8; i += 8)
            {
                var (dl, dh) = Vector256.Widen(Vector256.Create(dy.Slice(i, 8)));
                var (xl, xh) = Vector256.Widen(Vector256.Create(x.Slice(i, 8)));
                var hl = (xl - Vector256.Create(mu.Slice(i, 4))) * Vector256.Create(rs.Slice(i, 4));
                var hh = (xh - Vector256.Create(mu.Slice(i + 4, 4))) * Vector256.Create(rs.Slice(i + 4, 4));
                (Vector256.Create((ReadOnlySpan<double>)m1.Slice(i, 4)) + vg * dl).CopyTo(m1.Slice(i, 4));
                (Vector256.Create((ReadOnlySpan<double>)m1.Slice(i + 4, 4)) + vg * dh).CopyTo(m1.Slice(i + 4, 4));
                (Vector256.Create((ReadOnlySpan<double>)m2.Slice(i, 4)) + vg * dl * hl).CopyTo(m2.Slice(i, 4));
                (Vector256.Create((ReadOnlySpan<double>)m2.Slice(i + 4, 4)) + vg * dh * hh).CopyTo(m2.Slice(i + 4, 4));
                vx += dl * hl + dh * hh; vd += dl + dh;
            }
            ax = Vector256.Sum(vx); ad = Vector256.Sum(vd);
        }
        for (; i < n; i++)
        {
            double d = dy[i], h = (x[i] - mu[i]) * rs[i];
            m1[i] += gm * d; m2[i] += gm * d * h; ax += d * h; ad += d;
        }
        sx = ax; sd = ad;
    }

    // ------------------------------------------------------------------ small span helpers

    /// <summary>Σ (x − mu)² in float64.</summary>
    internal static double SumSqDevDouble(float[] x, int o, int n, double mu)
    {
        double s = 0;
        int i = 0;
        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            ref float p = ref x[o];
            var m = Vector256.Create(mu);
            var acc = Vector256<double>.Zero;
            for (; i <= n - 8; i += 8)
            {
                var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref p, (nuint)i));
                lo -= m; hi -= m;
                acc += lo * lo + hi * hi;
            }
            s = Vector256.Sum(acc);
        }
        for (; i < n; i++) { double d = x[o + i] - mu; s += d * d; }
        return s;
    }

    /// <summary>a = Σ dy, b = Σ dy·x in float64.</summary>
    internal static void DotSums(float[] dy, int dyo, float[] x, int xo, int n, out double a, out double b)
    {
        double sa = 0, sb = 0;
        int i = 0;
        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            ref float pd = ref dy[dyo];
            ref float px = ref x[xo];
            var va = Vector256<double>.Zero; var vb = Vector256<double>.Zero;
            for (; i <= n - 8; i += 8)
            {
                var (dl, dh) = Vector256.Widen(Vector256.LoadUnsafe(ref pd, (nuint)i));
                var (xl, xh) = Vector256.Widen(Vector256.LoadUnsafe(ref px, (nuint)i));
                va += dl + dh; vb += dl * xl + dh * xh;
            }
            sa = Vector256.Sum(va); sb = Vector256.Sum(vb);
        }
        for (; i < n; i++) { sa += dy[dyo + i]; sb += (double)dy[dyo + i] * x[xo + i]; }
        a = sa; b = sb;
    }

    /// <summary>y = (x − μ)·rstd·γ + β along a row; empty γ/β spans mean 1 and 0.</summary>
    internal static void NormRowAffine(ReadOnlySpan<float> x, Span<float> y, float mu, float rs, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta)
    {
        int i = 0, n = x.Length;
        bool hg = !gamma.IsEmpty, hb = !beta.IsEmpty;
        if (Vector256.IsHardwareAccelerated)
        {
            var vm = Vector256.Create(mu); var vr = Vector256.Create(rs);
            for (; i <= n - 8; i += 8)
            {
                var v = (Vector256.Create(x.Slice(i, 8)) - vm) * vr;
                if (hg) v *= Vector256.Create(gamma.Slice(i, 8));
                if (hb) v += Vector256.Create(beta.Slice(i, 8));
                v.CopyTo(y.Slice(i, 8));
            }
        }
        for (; i < n; i++) y[i] = (x[i] - mu) * rs * (hg ? gamma[i] : 1f) + (hb ? beta[i] : 0f);
    }

    /// <summary>y = a·x + b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void AxpbSpan(ReadOnlySpan<float> x, Span<float> y, float a, float b)
    {
        int i = 0, n = x.Length;
        if (Vector256.IsHardwareAccelerated)
        {
            var va = Vector256.Create(a); var vb = Vector256.Create(b);
            for (; i <= n - 8; i += 8)
                (Vector256.Create(x.Slice(i, 8)) * va + vb).CopyTo(y.Slice(i, 8));
        }
        for (; i < n; i++) y[i] = x[i] * a + b;
    }

    /// <summary>z = a·u + b·v + c.</summary>
    internal static void Axpbypc(ReadOnlySpan<float> u, ReadOnlySpan<float> v, Span<float> z, float a, float b, float c)
    {
        int i = 0, n = u.Length;
        if (Vector256.IsHardwareAccelerated)
        {
            var va = Vector256.Create(a); var vb = Vector256.Create(b); var vc = Vector256.Create(c);
            for (; i <= n - 8; i += 8)
                (Vector256.Create(u.Slice(i, 8)) * va + Vector256.Create(v.Slice(i, 8)) * vb + vc).CopyTo(z.Slice(i, 8));
        }
        for (; i < n; i++) z[i] = u[i] * a + v[i] * b + c;
    }
}
