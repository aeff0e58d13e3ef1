using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace HdrOfx.Engine.Tensors.Cpu;

/// <summary>
/// Single-precision GEMM, C (+)= A·B, after Goto &amp; van de Geijn (2008) / BLIS:
/// B is packed into KC×NC panels of 16-column slivers, A into MC×KC blocks of 6-row slivers, and a 6×16
/// register tile (12 ymm accumulators, FMA) runs over them. Sizes are chosen for Zen 3 (32 KiB L1d, 512 KiB L2):
/// a 16×KC B sliver (16 KiB) stays in L1, an MC×KC A block (120 KiB) in L2.
/// Any element strides for A and B (so transposed operands need no copy); C rows have stride ldc.
/// Threads split N (or M when N is narrow); each thread packs its own panels into thread-local buffers,
/// so nothing is allocated after warm-up. Without AVX2+FMA the same blocking runs a scalar micro-kernel.
/// </summary>
public static unsafe class Sgemm
{
    /// <summary>
    /// Packed-panel layout every <see cref="IPackB"/> writes: rows k0..k0+kc, columns j0..j0+nc of B, as
    /// ⌈nc/16⌉ slivers of kc×16 floats (sliver s holds columns 16s..16s+15, k-major), zero-padded past nc.
    /// Element (k0+kk, j0+q) goes to dst[(q/16)·kc·16 + kk·16 + q%16].
    /// </summary>
    public interface IPackB
    {
        void Pack(int k0, int kc, int j0, int nc, float* dst);
    }

    public const int MR = 6, NR = 16, KC = 256, MC = 120, NC = 3072;

    [ThreadStatic] private static float[]? _packA, _packB;

    /// <summary>Which micro-kernel runs: "avx2-fma" (6×16, 256-bit FMA), "v128" (2× 6×8, 128-bit) or "scalar".</summary>
    public static string KernelName => IsAccelerated ? "avx2-fma" : Vector128.IsHardwareAccelerated ? "v128" : "scalar";

    /// <summary>True when the Vector256/FMA micro-kernel is in use (false under DOTNET_EnableAVX2=0).</summary>
    public static bool IsAccelerated => Fma.IsSupported && Vector256.IsHardwareAccelerated;

    /// <summary>
    /// C[i,j] = (accumulate ? C[i,j] : 0) + Σ_k A[i,k]·B[k,j], with A[i,k] = a[aOff + i·rsA + k·csA],
    /// B[k,j] = b[bOff + k·rsB + j·csB], C[i,j] = c[cOff + i·ldc + j]. <paramref name="threads"/> ≤ 0 means
    /// <see cref="ParallelRange.MaxThreads"/>.
    /// </summary>
    public static void Run(int M, int N, int K,
        float[] a, int aOff, int rsA, int csA,
        float[] b, int bOff, int rsB, int csB,
        float[] c, int cOff, int ldc, bool accumulate, int threads = 0)
    {
        if (M <= 0 || N <= 0) return;
        if (K <= 0)
        {
            if (!accumulate) for (int i = 0; i < M; i++) c.AsSpan(cOff + i * ldc, N).Clear();
            return;
        }
        RunPacked(M, N, K, a, aOff, rsA, csA, new StridedB(b, bOff, rsB, csB), c, cOff, ldc, accumulate, threads);
    }

    /// <summary>
    /// C (+)= A·B where B is produced panel by panel by <paramref name="packB"/> (implicit GEMM: e.g. conv2d packs
    /// straight from the image, with no im2col buffer). Same threading and blocking as <see cref="Run"/>.
    /// </summary>
    internal static void RunPacked<TB>(int M, int N, int K, float[] a, int aOff, int rsA, int csA, TB packB,
        float[] c, int cOff, int ldc, bool accumulate, int threads = 0) where TB : struct, IPackB
    {
        if (M <= 0 || N <= 0) return;
        if (K <= 0)
        {
            if (!accumulate) for (int i = 0; i < M; i++) c.AsSpan(cOff + i * ldc, N).Clear();
            return;
        }
        if (threads <= 0) threads = ParallelRange.MaxThreads;
        long flops = 2L * M * N * K;
        threads = (int)Math.Min(threads, Math.Max(1, flops / (1L << 21))); // ≥ ~2 MFLOP per thread
        if (threads <= 1)
        {
            fixed (float* pa = a, pc = c)
                Serial(M, N, K, pa + aOff, rsA, csA, packB, 0, pc + cOff, ldc, accumulate);
            return;
        }
        bool splitN = N >= threads * NR * 2 || N >= M;
        int units = splitN ? (N + NR - 1) / NR : (M + MR - 1) / MR;
        threads = Math.Min(threads, units);
        var job = new Job<TB>(M, N, K, a, aOff, rsA, csA, packB, c, cOff, ldc, accumulate, splitN, units, threads);
        ParallelRange.For(threads, 1, job);
    }

    /// <summary>Thread parts [s, e) of <c>threads</c>: each a contiguous run of NR columns or MR rows.</summary>
    private readonly struct Job<TB>(int M, int N, int K, float[] a, int aOff, int rsA, int csA, TB packB,
        float[] c, int cOff, int ldc, bool accumulate, bool splitN, int units, int threads) : IRangeOperation where TB : struct, IPackB
    {
        public void Invoke(int s, int e)
        {
            for (int t = s; t < e; t++) Part(t);
        }

        private void Part(int t)
        {
            int u0 = (int)((long)units * t / threads), u1 = (int)((long)units * (t + 1) / threads);
            fixed (float* pa = a, pc = c)
            {
                if (splitN)
                {
                    int j0 = u0 * NR, j1 = Math.Min(N, u1 * NR);
                    if (j1 > j0) Serial(M, j1 - j0, K, pa + aOff, rsA, csA, packB, j0, pc + cOff + j0, ldc, accumulate);
                }
                else
                {
                    int i0 = u0 * MR, i1 = Math.Min(M, u1 * MR);
                    if (i1 > i0) Serial(i1 - i0, N, K, pa + aOff + (long)i0 * rsA, rsA, csA, packB, 0, pc + cOff + (long)i0 * ldc, ldc, accumulate);
                }
            }
        }
    }

    /// <summary>One thread's GEMM over columns [jBase, jBase + N) of the logical B.</summary>
    private static void Serial<TB>(int M, int N, int K, float* A, int rsA, int csA, TB packB, int jBase, float* C, int ldc, bool accumulate)
        where TB : struct, IPackB
    {
        var bufA = _packA ??= GC.AllocateUninitializedArray<float>(MC * KC + 64, pinned: true);
        var bufB = _packB ??= GC.AllocateUninitializedArray<float>(KC * NC + 64, pinned: true);
        bool simd = IsAccelerated;
        bool simd128 = !simd && Vector128.IsHardwareAccelerated;
        float* tile = stackalloc float[MR * NR];
        fixed (float* pA0 = bufA, pB0 = bufB)
        {
            // 32-byte align the panels
            float* pA = (float*)(((nint)pA0 + 31) & ~(nint)31);
            float* pB = (float*)(((nint)pB0 + 31) & ~(nint)31);
            for (int jc = 0; jc < N; jc += NC)
            {
                int nc = Math.Min(NC, N - jc);
                for (int pc = 0; pc < K; pc += KC)
                {
                    int kc = Math.Min(KC, K - pc);
                    bool add = accumulate || pc > 0;
                    packB.Pack(pc, kc, jBase + jc, nc, pB);
                    for (int ic = 0; ic < M; ic += MC)
                    {
                        int mc = Math.Min(MC, M - ic);
                        PackA(mc, kc, A + (long)ic * rsA + (long)pc * csA, rsA, csA, pA);
                        for (int jr = 0; jr < nc; jr += NR)
                        {
                            int nr = Math.Min(NR, nc - jr);
                            float* bp = pB + (long)jr * kc;
                            for (int ir = 0; ir < mc; ir += MR)
                            {
                                int mr = Math.Min(MR, mc - ir);
                                float* ap = pA + (long)ir * kc;
                                float* cp = C + (long)(ic + ir) * ldc + jc + jr;
                                if (mr == MR && nr == NR)
                                {
                                    if (simd) Kernel6x16(kc, ap, bp, cp, ldc, add);
                                    else if (simd128) { Kernel6x8V128(kc, ap, bp, cp, ldc, add); Kernel6x8V128(kc, ap, bp + 8, cp + 8, ldc, add); }
                                    else KernelScalar(kc, ap, bp, cp, ldc, add);
                                }
                                else
                                {
                                    // edge tile: compute the full padded tile into a scratch buffer, copy the valid part
                                    if (simd) Kernel6x16(kc, ap, bp, tile, NR, false);
                                    else if (simd128) { Kernel6x8V128(kc, ap, bp, tile, NR, false); Kernel6x8V128(kc, ap, bp + 8, tile + 8, NR, false); }
                                    else KernelScalar(kc, ap, bp, tile, NR, false);
                                    for (int i = 0; i < mr; i++)
                                    for (int j = 0; j < nr; j++)
                                        cp[(long)i * ldc + j] = add ? cp[(long)i * ldc + j] + tile[i * NR + j] : tile[i * NR + j];
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>A block [mc × kc] → slivers of MR rows, k-major inside a sliver (dst[s][k][r]), zero-padded.</summary>
    private static void PackA(int mc, int kc, float* A, int rsA, int csA, float* dst)
    {
        for (int i0 = 0; i0 < mc; i0 += MR)
        {
            int mr = Math.Min(MR, mc - i0);
            float* d = dst + (long)i0 * kc;
            if (mr == MR && csA == 1)
            {
                float* r0 = A + (long)i0 * rsA;
                float* r1 = r0 + rsA, r2 = r1 + rsA, r3 = r2 + rsA, r4 = r3 + rsA, r5 = r4 + rsA;
                for (int k = 0; k < kc; k++, d += MR)
                {
                    d[0] = r0[k]; d[1] = r1[k]; d[2] = r2[k]; d[3] = r3[k]; d[4] = r4[k]; d[5] = r5[k];
                }
            }
            else if (mr == MR && rsA == 1)
            {
                for (int k = 0; k < kc; k++, d += MR)
                {
                    float* s = A + i0 + (long)k * csA;
                    d[0] = s[0]; d[1] = s[1]; d[2] = s[2]; d[3] = s[3]; d[4] = s[4]; d[5] = s[5];
                }
            }
            else
            {
                for (int k = 0; k < kc; k++, d += MR)
                    for (int r = 0; r < MR; r++)
                        d[r] = r < mr ? A[(long)(i0 + r) * rsA + (long)k * csA] : 0f;
            }
        }
    }

    /// <summary>B read through element strides from an array.</summary>
    private readonly struct StridedB(float[] b, int off, int rs, int cs) : IPackB
    {
        public void Pack(int k0, int kc, int j0, int nc, float* dst)
        {
            fixed (float* pb = b) PackB(kc, nc, pb + off + (long)k0 * rs + (long)j0 * cs, rs, cs, dst);
        }
    }

    /// <summary>B panel [kc × nc] → slivers of NR columns, k-major inside a sliver (dst[s][k][j]), zero-padded.</summary>
    private static void PackB(int kc, int nc, float* B, int rsB, int csB, float* dst)
    {
        if (csB == 1)
        {
            // rows of B are contiguous: read each row once, sequentially, scattering 16-float pieces to the slivers
            int full = nc / NR;
            long sliver = (long)kc * NR;
            for (int k = 0; k < kc; k++)
            {
                float* s = B + (long)k * rsB;
                float* d = dst + k * NR;
                if (Vector256.IsHardwareAccelerated)
                    for (int j = 0; j < full; j++, s += NR, d += sliver)
                    {
                        Vector256.Store(Vector256.Load(s), d);
                        Vector256.Store(Vector256.Load(s + 8), d + 8);
                    }
                else
                    for (int j = 0; j < full; j++, s += NR, d += sliver)
                        for (int q = 0; q < NR; q++) d[q] = s[q];
            }
        }
        for (int j0 = 0; j0 < nc; j0 += NR)
        {
            int nr = Math.Min(NR, nc - j0);
            float* d = dst + (long)j0 * kc;
            if (nr == NR && csB == 1)
            {
                // handled below, row by row across all full slivers (sequential reads)
                continue;
            }
            else if (nr == NR && rsB == 1)
            {
                for (int j = 0; j < NR; j++)
                {
                    float* s = B + (long)(j0 + j) * csB;
                    for (int k = 0; k < kc; k++) d[k * NR + j] = s[k];
                }
            }
            else
            {
                for (int k = 0; k < kc; k++, d += NR)
                    for (int j = 0; j < NR; j++)
                        d[j] = j < nr ? B[(long)k * rsB + (long)(j0 + j) * csB] : 0f;
            }
        }
    }

    /// <summary>The 6×16 register tile: 12 accumulators, 2 B loads and 1 A broadcast per row per k.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel6x16(int kc, float* a, float* b, float* c, int ldc, bool add)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int k = 0; k < kc; k++)
        {
            var b0 = Avx.LoadAlignedVector256(b);
            var b1 = Avx.LoadAlignedVector256(b + 8);
            var av = Vector256.Create(a[0]);
            c00 = Fma.MultiplyAdd(av, b0, c00); c01 = Fma.MultiplyAdd(av, b1, c01);
            av = Vector256.Create(a[1]);
            c10 = Fma.MultiplyAdd(av, b0, c10); c11 = Fma.MultiplyAdd(av, b1, c11);
            av = Vector256.Create(a[2]);
            c20 = Fma.MultiplyAdd(av, b0, c20); c21 = Fma.MultiplyAdd(av, b1, c21);
            av = Vector256.Create(a[3]);
            c30 = Fma.MultiplyAdd(av, b0, c30); c31 = Fma.MultiplyAdd(av, b1, c31);
            av = Vector256.Create(a[4]);
            c40 = Fma.MultiplyAdd(av, b0, c40); c41 = Fma.MultiplyAdd(av, b1, c41);
            av = Vector256.Create(a[5]);
            c50 = Fma.MultiplyAdd(av, b0, c50); c51 = Fma.MultiplyAdd(av, b1, c51);
            a += MR; b += NR;
        }
        Store(c, 0, ldc, c00, c01, add);
        Store(c, 1, ldc, c10, c11, add);
        Store(c, 2, ldc, c20, c21, add);
        Store(c, 3, ldc, c30, c31, add);
        Store(c, 4, ldc, c40, c41, add);
        Store(c, 5, ldc, c50, c51, add);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, int row, int ldc, Vector256<float> v0, Vector256<float> v1, bool add)
    {
        float* p = c + (long)row * ldc;
        if (add)
        {
            v0 += Vector256.Load(p);
            v1 += Vector256.Load(p + 8);
        }
        Vector256.Store(v0, p);
        Vector256.Store(v1, p + 8);
    }

    /// <summary>
    /// 128-bit fallback (SSE without AVX2, NEON; also NativeAOT built for the default x64 baseline): half of a 16-wide
    /// sliver, 6×8 with 12 accumulators, multiply + add (no FMA assumed). Called twice per 6×16 tile.
    /// </summary>
    private static void Kernel6x8V128(int kc, float* a, float* b, float* c, int ldc, bool add)
    {
        Vector128<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector128<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int k = 0; k < kc; k++)
        {
            var b0 = Vector128.Load(b);
            var b1 = Vector128.Load(b + 4);
            var av = Vector128.Create(a[0]); c00 += av * b0; c01 += av * b1;
            av = Vector128.Create(a[1]); c10 += av * b0; c11 += av * b1;
            av = Vector128.Create(a[2]); c20 += av * b0; c21 += av * b1;
            av = Vector128.Create(a[3]); c30 += av * b0; c31 += av * b1;
            av = Vector128.Create(a[4]); c40 += av * b0; c41 += av * b1;
            av = Vector128.Create(a[5]); c50 += av * b0; c51 += av * b1;
            a += MR; b += NR;
        }
        Store128(c, 0, ldc, c00, c01, add); Store128(c, 1, ldc, c10, c11, add); Store128(c, 2, ldc, c20, c21, add);
        Store128(c, 3, ldc, c30, c31, add); Store128(c, 4, ldc, c40, c41, add); Store128(c, 5, ldc, c50, c51, add);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store128(float* c, int row, int ldc, Vector128<float> v0, Vector128<float> v1, bool add)
    {
        float* p = c + (long)row * ldc;
        if (add) { v0 += Vector128.Load(p); v1 += Vector128.Load(p + 4); }
        Vector128.Store(v0, p);
        Vector128.Store(v1, p + 4);
    }

    /// <summary>Scalar micro-kernel on the same packed layout (fallback without any SIMD).</summary>
    private static void KernelScalar(int kc, float* a, float* b, float* c, int ldc, bool add)
    {
        float* acc = stackalloc float[MR * NR];
        for (int i = 0; i < MR * NR; i++) acc[i] = 0f;
        for (int k = 0; k < kc; k++, a += MR, b += NR)
            for (int i = 0; i < MR; i++)
            {
                float av = a[i];
                float* r = acc + i * NR;
                for (int j = 0; j < NR; j++) r[j] += av * b[j];
            }
        for (int i = 0; i < MR; i++)
            for (int j = 0; j < NR; j++)
                c[(long)i * ldc + j] = add ? c[(long)i * ldc + j] + acc[i * NR + j] : acc[i * NR + j];
    }
}
