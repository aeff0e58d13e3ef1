using HdrOfx.Engine.Classical;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Classical;

/// <summary>The flow's 8-wide kernels against their scalar twins and naive references.</summary>
public class FlowKernelTests
{
    private static float[] Random(int n, int seed, float lo, float hi)
    {
        var rng = new Random(seed);
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = lo + (float)rng.NextDouble() * (hi - lo);
        return a;
    }

    [TestCase(1, 1)]
    [TestCase(9, 4)]
    [TestCase(10, 3)]
    [TestCase(37, 11)]
    [TestCase(64, 2)]
    public void Median3IsTheMedianOfTheReplicatedNeighbourhood(int w, int h)
    {
        var src = Random(w * h, w + 7 * h, -3f, 3f);
        for (int i = 0; i < src.Length; i += 5) src[i] = MathF.Round(src[i]); // ties
        var dst = new float[w * h];
        var scalar = new float[w * h];
        Filters.Median3(src, dst, w, h);
        Filters.Median3(src, scalar, w, h, allowVector: false);
        var nine = new float[9];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int k = 0;
                for (int dy = -1; dy <= 1; dy++)
                    for (int dx = -1; dx <= 1; dx++)
                        nine[k++] = src[Math.Clamp(y + dy, 0, h - 1) * w + Math.Clamp(x + dx, 0, w - 1)];
                Array.Sort(nine);
                Assert.That(dst[y * w + x], Is.EqualTo(nine[4]), $"({x},{y})");
                Assert.That(scalar[y * w + x], Is.EqualTo(nine[4]), $"scalar ({x},{y})");
            }
    }

    [TestCase(10, 3)]
    [TestCase(37, 11)]
    [TestCase(129, 5)]
    public void JacobiVectorSweepEqualsScalarSweepBitForBit(int w, int h)
    {
        int n = w * h;
        float[] su = Random(n, 1, -4, 4), sv = Random(n, 2, -4, 4), u0 = Random(n, 3, -4, 4), v0 = Random(n, 4, -4, 4);
        float[] i11 = Random(n, 5, 0.1f, 2), i12 = Random(n, 6, -0.5f, 0.5f), i22 = Random(n, 7, 0.1f, 2);
        float[] c1 = Random(n, 8, -6, 6), c2 = Random(n, 9, -6, 6);
        float[] duV = new float[n], dvV = new float[n], duS = new float[n], dvS = new float[n];
        const float a = 0.7f;
        OpticalFlow.JacobiRows(0, h, w, h, a, su, sv, duV, dvV, u0, v0, i11, i12, i22, c1, c2);
        OpticalFlow.JacobiRows(0, h, w, h, a, su, sv, duS, dvS, u0, v0, i11, i12, i22, c1, c2, allowVector: false);
        Assert.That(duV, Is.EqualTo(duS));
        Assert.That(dvV, Is.EqualTo(dvS));
        // And the scalar sweep is the update it documents (float64 reference, clamped step of 2 px).
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int i = y * w + x;
                double Nb(float[] f) => f[y * w + Math.Max(x - 1, 0)] + (double)f[y * w + Math.Min(x + 1, w - 1)]
                    + f[Math.Max(y - 1, 0) * w + x] + f[Math.Min(y + 1, h - 1) * w + x];
                double b1 = c1[i] + 0.25 * a * Nb(su), b2 = c2[i] + 0.25 * a * Nb(sv);
                double du = Math.Clamp(i11[i] * b1 + i12[i] * b2, -2, 2), dv = Math.Clamp(i12[i] * b1 + i22[i] * b2, -2, 2);
                Assert.That(duS[i], Is.EqualTo(u0[i] + du).Within(1e-5), $"du ({x},{y})");
                Assert.That(dvS[i], Is.EqualTo(v0[i] + dv).Within(1e-5), $"dv ({x},{y})");
            }
    }

    [TestCase(1, 1, 1)]
    [TestCase(13, 7, 1)]
    [TestCase(40, 23, 3)]
    [TestCase(9, 30, 2)]
    [TestCase(64, 5, 4)]
    [TestCase(50, 8, 6)]   // radius above the 8-wide path's: running sums
    public void BoxMeanIsTheMeanOfTheReplicatedWindow(int w, int h, int r)
    {
        var src = Random(w * h, w * h + r, -2f, 5f);
        var dst = new float[w * h];
        Filters.BoxMean(src, dst, new float[w * h], w, h, r);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                double sum = 0;
                for (int dy = -r; dy <= r; dy++)
                    for (int dx = -r; dx <= r; dx++)
                        sum += src[Math.Clamp(y + dy, 0, h - 1) * w + Math.Clamp(x + dx, 0, w - 1)];
                Assert.That(dst[y * w + x], Is.EqualTo(sum / ((2 * r + 1) * (2 * r + 1))).Within(2e-5), $"({x},{y})");
            }
    }

    [TestCase(37, 21, 1, 1f)]
    [TestCase(37, 21, 2, 4f)]
    [TestCase(203, 45, 4, 2.83f)]
    [TestCase(77, 33, 8, 1f)]
    public void FlowFeaturesFollowTheirDefinition(int W, int H, int s, float gain)
    {
        var scene = new ProceduralTexture(8, spots: 6, spotPeak: 3f);
        var lin = Synthetic.RenderHdr(W, H, (x, y, c, t) => Math.Clamp(0.4f * scene.Radiance(x, y, c), 0f, 1f), 0);
        var o = FlowOptions.Default;
        using var f = FlowFeatures.Build(lin, gain, s, o);
        int w = FlowFeatures.WorkingSize(W, s), h = FlowFeatures.WorkingSize(H, s), n = W * H;
        Assert.That((f.Width, f.Height), Is.EqualTo((w, h)));
        for (int by = 0; by < h; by++)
            for (int bx = 0; bx < w; bx++)
            {
                double sv = 0, sy = 0, mx = 0, clip = 0;
                int cnt = 0;
                for (int y = by * s; y < Math.Min(by * s + s, H); y++)
                    for (int x = bx * s; x < Math.Min(bx * s + s, W); x++)
                    {
                        int i = y * W + x;
                        double r = lin.Data[i], g = lin.Data[n + i], b = lin.Data[2 * n + i];
                        double lum = 0.2126 * r + 0.7152 * g + 0.0722 * b, m = Math.Max(r, Math.Max(g, b));
                        sv += Math.Min(lum * gain, 1); sy += lum; mx = Math.Max(mx, m); clip += m >= o.ClipThreshold ? 1 : 0; cnt++;
                    }
                double v = Math.Clamp(sv / cnt, 0, 1), yRaw = sy / cnt;
                double I = Math.Log(1 + o.Mu * v) / Math.Log(1 + o.Mu);
                double sat = SmoothStep(o.ClipThreshold - 0.15, o.ClipThreshold, mx * gain);
                double dark = Math.Max(0.05, SmoothStep(0.1 * o.DarkThreshold, o.DarkThreshold, yRaw));
                double weight = (1 - (1 - o.SaturatedWeight) * sat) * dark;
                int k = by * w + bx;
                Assert.That(f.I[k], Is.EqualTo(I).Within(2e-5), $"I ({bx},{by})");
                Assert.That(f.Y[k], Is.EqualTo(yRaw).Within(2e-6), $"Y ({bx},{by})");
                Assert.That(f.ClipFraction[k], Is.EqualTo(clip / cnt).Within(1e-6), $"clip ({bx},{by})");
                Assert.That(f.Weight[k], Is.EqualTo(weight).Within(1e-4), $"weight ({bx},{by})");
            }
    }

    private static double SmoothStep(double e0, double e1, double x)
    {
        double t = Math.Clamp((x - e0) / (e1 - e0), 0, 1);
        return t * t * (3 - 2 * t);
    }

    [TestCase(37, 9, 3, -2)]
    [TestCase(37, 9, -5, 4)]
    [TestCase(8, 5, 9, 0)]   // shift wider than the row: all clamped
    [TestCase(130, 4, 0, 1)]
    public void ShiftedCostRowIsTheClampedWeightedSquaredDifference(int w, int h, int dx, int dy)
    {
        float[] i0 = Random(w * h, 1, 0, 1), i1 = Random(w * h, 2, 0, 1), w0 = Random(w * h, 3, 0, 1);
        var cost = new float[w * h];
        for (int y = 0; y < h; y++) OpticalFlow.ShiftedCostRow(i0, w0, i1, w, h, y, dx, dy, cost);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int i = y * w + x;
                float d = i1[Math.Clamp(y + dy, 0, h - 1) * w + Math.Clamp(x + dx, 0, w - 1)] - i0[i];
                Assert.That(cost[i], Is.EqualTo(w0[i] * d * d), $"({x},{y})");
            }
    }

    [Test]
    public void AcceptCandidatesAppliesTheHysteresisRule()
    {
        const int n = 203;
        float[] cost = Random(n, 4, 0, 1), cur = Random(n, 5, 0, 2), u = Random(n, 6, -3, 3), v = Random(n, 7, -3, 3);
        float[] best = Random(n, 8, 0, 1.5f), bu = Random(n, 9, -3, 3), bv = Random(n, 10, -3, 3);
        float[] eBest = (float[])best.Clone(), eBu = (float[])bu.Clone(), eBv = (float[])bv.Clone();
        const float gate = 0.3f;
        OpticalFlow.AcceptCandidates(cost, cur, u, v, best, bu, bv, 2, -1, gate);
        int taken = 0;
        for (int i = 0; i < n; i++)
        {
            float eu = 2 - u[i], ev = -1 - v[i];
            float c = cost[i] + 0.1f * gate * (eu * eu + ev * ev);
            if (c < 0.5f * cur[i] && cur[i] - c > 0.5f * gate && c < eBest[i]) { eBest[i] = c; eBu[i] = 2; eBv[i] = -1; taken++; }
        }
        Assert.That(taken, Is.InRange(5, n - 5), "the inputs should exercise both outcomes");
        Assert.That(best, Is.EqualTo(eBest));
        Assert.That(bu, Is.EqualTo(eBu));
        Assert.That(bv, Is.EqualTo(eBv));
    }

    [TestCase(8, 3)]
    [TestCase(45, 7)]
    public void WarpRowVectorEqualsScalarAndSamplesBilinearly(int w, int h)
    {
        float[] i1 = Random(w * h, 11, 0, 1), w1 = Random(w * h, 12, 0, 1);
        float[] u = Random(w * h, 13, -6, 6), v = Random(w * h, 14, -3, 3);
        float[] iwV = new float[w * h], wwV = new float[w * h], iwS = new float[w * h], wwS = new float[w * h];
        for (int y = 0; y < h; y++)
        {
            OpticalFlow.WarpRow(i1, w1, w, h, y, u, v, iwV, wwV);
            OpticalFlow.WarpRow(i1, w1, w, h, y, u, v, iwS, wwS, allowVector: false);
        }
        Assert.That(iwV, Is.EqualTo(iwS));
        Assert.That(wwV, Is.EqualTo(wwS));
        int outside = 0;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                int i = y * w + x;
                double sx = x + u[i], sy = y + v[i];
                bool inside = sx >= -0.5 && sx <= w - 0.5 && sy >= -0.5 && sy <= h - 0.5;
                double cx = Math.Clamp(sx, 0, w - 1), cy = Math.Clamp(sy, 0, h - 1);
                int x0 = (int)Math.Floor(cx), y0 = (int)Math.Floor(cy);
                int x1 = Math.Min(x0 + 1, w - 1), y1 = Math.Min(y0 + 1, h - 1);
                double fx = cx - x0, fy = cy - y0;
                double Bl(float[] p) => (1 - fy) * ((1 - fx) * p[y0 * w + x0] + fx * p[y0 * w + x1]) + fy * ((1 - fx) * p[y1 * w + x0] + fx * p[y1 * w + x1]);
                Assert.That(iwS[i], Is.EqualTo(Bl(i1)).Within(1e-5), $"iw ({x},{y})");
                Assert.That(wwS[i], Is.EqualTo(inside ? Bl(w1) : 0).Within(1e-5), $"ww ({x},{y})");
                if (!inside) outside++;
            }
        Assert.That(outside, Is.GreaterThan(0), "some samples should leave the frame");
    }
}
