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
}
