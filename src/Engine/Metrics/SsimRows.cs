using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace HdrOfx.Engine.Metrics;

/// <summary>
/// The two hot loops of <see cref="Ssim.OnPlane"/>, four columns in Vector256 lanes and a scalar tail that does the
/// same operations (fused multiply-adds are exact in both), so a column's value does not depend on its lane.
/// Callers validate; nothing here checks bounds.
/// </summary>
internal static class SsimRows
{
    private const int R = Ssim.Radius, Taps = 2 * R + 1, Quantities = 4;

    /// <summary>
    /// Σ k[i]·v[i] over the 11 taps at p + off[i], as (k5·v5 + k0·(v0+v10) + k3·(v3+v7)) + (k1·(v1+v9) + k2·(v2+v8) + k4·(v4+v6)):
    /// two short chains of fused multiply-adds, so four of these (x, y, x² + y², xy) keep the FMA units busy.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Fold(ref double p, ReadOnlySpan<nuint> off, in Weights w)
    {
        var u = Vector256.FusedMultiplyAdd(w.K0, Vector256.LoadUnsafe(ref p, off[0]) + Vector256.LoadUnsafe(ref p, off[10]), w.K5 * Vector256.LoadUnsafe(ref p, off[5]));
        var v = Vector256.FusedMultiplyAdd(w.K2, Vector256.LoadUnsafe(ref p, off[2]) + Vector256.LoadUnsafe(ref p, off[8]), w.K1 * (Vector256.LoadUnsafe(ref p, off[1]) + Vector256.LoadUnsafe(ref p, off[9])));
        u = Vector256.FusedMultiplyAdd(w.K3, Vector256.LoadUnsafe(ref p, off[3]) + Vector256.LoadUnsafe(ref p, off[7]), u);
        v = Vector256.FusedMultiplyAdd(w.K4, Vector256.LoadUnsafe(ref p, off[4]) + Vector256.LoadUnsafe(ref p, off[6]), v);
        return u + v;
    }

    /// <summary><see cref="Fold(ref double, ReadOnlySpan{nuint}, in Weights)"/> of one column, the same operations.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Fold(ref double p, ReadOnlySpan<nuint> off, double[] k)
    {
        double v0 = Unsafe.Add(ref p, off[0]), v1 = Unsafe.Add(ref p, off[1]), v2 = Unsafe.Add(ref p, off[2]), v3 = Unsafe.Add(ref p, off[3]),
            v4 = Unsafe.Add(ref p, off[4]), v5 = Unsafe.Add(ref p, off[5]), v6 = Unsafe.Add(ref p, off[6]), v7 = Unsafe.Add(ref p, off[7]),
            v8 = Unsafe.Add(ref p, off[8]), v9 = Unsafe.Add(ref p, off[9]), v10 = Unsafe.Add(ref p, off[10]);
        double u = Math.FusedMultiplyAdd(k[0], v0 + v10, k[5] * v5);
        double v = Math.FusedMultiplyAdd(k[2], v2 + v8, k[1] * (v1 + v9));
        u = Math.FusedMultiplyAdd(k[3], v3 + v7, u);
        v = Math.FusedMultiplyAdd(k[4], v4 + v6, v);
        return u + v;
    }

    private readonly struct Weights(double[] k)
    {
        public readonly Vector256<double> K0 = Vector256.Create(k[0]), K1 = Vector256.Create(k[1]), K2 = Vector256.Create(k[2]),
            K3 = Vector256.Create(k[3]), K4 = Vector256.Create(k[4]), K5 = Vector256.Create(k[5]);
    }

    /// <summary>Horizontal Gaussian of each quantity's strip row (rows[q·stride ..]) into ring slot <paramref name="slot"/>.</summary>
    public static void Horizontal(double[] rows, int stride, double[] ring, int slot, int ringRow, int sw, double[] k)
    {
        Span<nuint> off = stackalloc nuint[Taps];
        for (int i = 0; i < Taps; i++) off[i] = (nuint)i;
        ref double src = ref MemoryMarshal.GetArrayDataReference(rows);
        ref double dst = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(ring), slot * ringRow);
        nint qs = stride, qd = Taps * ringRow;
        int ox = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var w = new Weights(k);
            for (; ox + 4 <= sw; ox += 4)
            {
                ref double s = ref Unsafe.Add(ref src, ox);
                ref double d = ref Unsafe.Add(ref dst, ox);
                var a0 = Fold(ref s, off, w);
                var a1 = Fold(ref Unsafe.Add(ref s, qs), off, w);
                var a2 = Fold(ref Unsafe.Add(ref s, 2 * qs), off, w);
                var a3 = Fold(ref Unsafe.Add(ref s, 3 * qs), off, w);
                a0.StoreUnsafe(ref d);
                a1.StoreUnsafe(ref Unsafe.Add(ref d, qd));
                a2.StoreUnsafe(ref Unsafe.Add(ref d, 2 * qd));
                a3.StoreUnsafe(ref Unsafe.Add(ref d, 3 * qd));
            }
        }
        for (; ox < sw; ox++)
            for (int q = 0; q < Quantities; q++)
                Unsafe.Add(ref dst, q * qd + ox) = Fold(ref Unsafe.Add(ref src, q * qs + ox), off, k);
    }

    /// <summary>Vertical Gaussian over the ring rows <paramref name="slots"/> (top to bottom) and the sum of the row's SSIM map.</summary>
    public static double Vertical(double[] ring, ReadOnlySpan<int> slots, int ringRow, int sw, double[] k)
    {
        Span<nuint> off = stackalloc nuint[Taps];
        for (int i = 0; i < Taps; i++) off[i] = (nuint)(slots[i] * ringRow);
        ref double src = ref MemoryMarshal.GetArrayDataReference(ring);
        nint qs = Taps * ringRow;
        const double c1 = Ssim.K1 * Ssim.K1, c2 = Ssim.K2 * Ssim.K2;
        double total = 0;
        int ox = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var w = new Weights(k);
            var sum = Vector256<double>.Zero;
            var two = Vector256.Create(2.0);
            var vc1 = Vector256.Create(c1);
            var vc2 = Vector256.Create(c2);
            for (; ox + 4 <= sw; ox += 4)
            {
                ref double s = ref Unsafe.Add(ref src, ox);
                var mx = Fold(ref s, off, w);
                var my = Fold(ref Unsafe.Add(ref s, qs), off, w);
                var e2 = Fold(ref Unsafe.Add(ref s, 2 * qs), off, w);
                var exy = Fold(ref Unsafe.Add(ref s, 3 * qs), off, w);
                var m2 = mx * mx + my * my;
                var cxy = exy - mx * my;
                // σx² + σy² = E[x² + y²] − (μx² + μy²).
                sum += (two * mx * my + vc1) * (two * cxy + vc2) / ((m2 + vc1) * (e2 - m2 + vc2));
            }
            total = Vector256.Sum(sum);
        }
        for (; ox < sw; ox++)
        {
            ref double s = ref Unsafe.Add(ref src, ox);
            double mx = Fold(ref s, off, k), my = Fold(ref Unsafe.Add(ref s, qs), off, k);
            double e2 = Fold(ref Unsafe.Add(ref s, 2 * qs), off, k), m2 = mx * mx + my * my;
            double cxy = Fold(ref Unsafe.Add(ref s, 3 * qs), off, k) - mx * my;
            total += (2 * mx * my + c1) * (2 * cxy + c2) / ((m2 + c1) * (e2 - m2 + c2));
        }
        return total;
    }
}
