using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Cpu;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Tensors;

/// <summary>The packed SGEMM against a naive float64 triple loop, over odd sizes, strides, accumulation and threads.</summary>
public class SgemmTests
{
    /// <summary>Naive reference: C[i,j] = (acc ? C0 : 0) + Σ A[i,k]·B[k,j] in float64.</summary>
    internal static double[] Naive(int m, int n, int k, float[] a, int rsA, int csA, float[] b, int rsB, int csB, float[]? c0)
    {
        var c = new double[m * n];
        for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
        {
            double s = c0 != null ? c0[i * n + j] : 0;
            for (int p = 0; p < k; p++) s += (double)a[i * rsA + p * csA] * b[p * rsB + j * csB];
            c[i * n + j] = s;
        }
        return c;
    }

    /// <summary>
    /// Error bound for a length-K fp32 dot product: |err| ≤ K·u·Σ|a||b| (Higham, Thm 3.5); we assert against
    /// 2·u·(K+2)·Σ|a_k b_k| per element, u = 2⁻²⁴, which no correct kernel exceeds and a wrong one always does.
    /// </summary>
    internal static void AssertClose(int m, int n, int k, float[] a, int rsA, int csA, float[] b, int rsB, int csB, float[]? c0, float[] c, string what)
    {
        var expect = Naive(m, n, k, a, rsA, csA, b, rsB, csB, c0);
        const double u = 1.0 / (1 << 24);
        for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
        {
            double mag = c0 != null ? Math.Abs(c0[i * n + j]) : 0;
            for (int p = 0; p < k; p++) mag += Math.Abs((double)a[i * rsA + p * csA] * b[p * rsB + j * csB]);
            double tol = 2 * u * (k + 2) * mag + 1e-30;
            double err = Math.Abs(c[i * n + j] - expect[i * n + j]);
            if (err > tol) Assert.Fail($"{what}: C[{i},{j}] = {c[i * n + j]}, expected {expect[i * n + j]} (err {err:E2} > {tol:E2})");
        }
    }

    public static IEnumerable<int[]> OddShapes()
    {
        int[] sizes = { 1, 2, 5, 6, 7, 15, 16, 17, 31, 33, 63, 97, 121, 130, 257 };
        var rng = new Rng(99);
        for (int t = 0; t < 40; t++)
            yield return new[] { sizes[rng.NextInt(sizes.Length)], sizes[rng.NextInt(sizes.Length)], sizes[rng.NextInt(sizes.Length)] };
        yield return new[] { 257, 257, 257 };
        yield return new[] { 6, 16, 300 };     // K spans two KC blocks
        yield return new[] { 125, 33, 513 };   // M spans two MC blocks, K three KC blocks
        yield return new[] { 3, 3100, 7 };     // N spans two NC panels
    }

    [TestCaseSource(nameof(OddShapes))]
    public void MatchesNaiveOnOddShapes(int[] mnk)
    {
        int m = mnk[0], n = mnk[1], k = mnk[2];
        var rng = new Rng((ulong)(m * 1000003 + n * 1009 + k));
        var a = new float[m * k]; var b = new float[k * n]; var c = new float[m * n];
        rng.FillUniform(a, -1, 1); rng.FillUniform(b, -1, 1); rng.FillUniform(c, -1, 1);
        var c0 = (float[])c.Clone();
        // plain
        Sgemm.Run(m, n, k, a, 0, k, 1, b, 0, n, 1, c, 0, n, false);
        AssertClose(m, n, k, a, k, 1, b, n, 1, null, c, $"{m}x{n}x{k}");
        // accumulate onto existing C
        var c2 = (float[])c0.Clone();
        Sgemm.Run(m, n, k, a, 0, k, 1, b, 0, n, 1, c2, 0, n, true);
        AssertClose(m, n, k, a, k, 1, b, n, 1, c0, c2, $"{m}x{n}x{k} accumulate");
        // transposed operands: the same matrices read through (col, row) strides
        var at = new float[k * m]; var bt = new float[n * k];
        for (int i = 0; i < m; i++) for (int p = 0; p < k; p++) at[p * m + i] = a[i * k + p];
        for (int p = 0; p < k; p++) for (int j = 0; j < n; j++) bt[j * k + p] = b[p * n + j];
        var c3 = new float[m * n];
        Sgemm.Run(m, n, k, at, 0, 1, m, bt, 0, 1, k, c3, 0, n, false);
        AssertClose(m, n, k, a, k, 1, b, n, 1, null, c3, $"{m}x{n}x{k} transposed");
        // single-threaded gives the same bits as the threaded run (each C element is computed by one thread, same order)
        var c4 = new float[m * n];
        Sgemm.Run(m, n, k, a, 0, k, 1, b, 0, n, 1, c4, 0, n, false, threads: 1);
        Assert.That(c4, Is.EqualTo(c));
    }

    [Test]
    public void HonoursOffsetsAndLeadingDimension()
    {
        var rng = new Rng(5);
        int m = 13, n = 29, k = 11, ldc = 40;
        var a = new float[3 + m * k]; var b = new float[7 + k * n]; var c = new float[5 + m * ldc];
        rng.FillUniform(a, -1, 1); rng.FillUniform(b, -1, 1);
        Array.Fill(c, 42f);
        Sgemm.Run(m, n, k, a, 3, k, 1, b, 7, n, 1, c, 5, ldc, false);
        var expect = Naive(m, n, k, a[3..], k, 1, b[7..], n, 1, null);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++) Assert.That(c[5 + i * ldc + j], Is.EqualTo(expect[i * n + j]).Within(1e-4));
            for (int j = n; j < ldc && 5 + i * ldc + j < c.Length; j++) Assert.That(c[5 + i * ldc + j], Is.EqualTo(42f), "wrote outside C");
        }
        Assert.That(c[..5], Is.All.EqualTo(42f));
    }

    [Test]
    public void ZeroKClearsOrKeeps()
    {
        var c = new float[] { 1, 2, 3, 4 };
        Sgemm.Run(2, 2, 0, Array.Empty<float>(), 0, 0, 1, Array.Empty<float>(), 0, 2, 1, c, 0, 2, true);
        Assert.That(c, Is.EqualTo(new float[] { 1, 2, 3, 4 }));
        Sgemm.Run(2, 2, 0, Array.Empty<float>(), 0, 0, 1, Array.Empty<float>(), 0, 2, 1, c, 0, 2, false);
        Assert.That(c, Is.All.EqualTo(0f));
    }
}
