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

    /// <summary><see cref="Fold(ref double, ReadOnlySpan{nuint}, in Weights)"/> of values already loaded, the same operations.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Fold(in Weights w, Vector256<double> v0, Vector256<double> v1, Vector256<double> v2, Vector256<double> v3,
        Vector256<double> v4, Vector256<double> v5, Vector256<double> v6, Vector256<double> v7, Vector256<double> v8, Vector256<double> v9,
        Vector256<double> v10)
    {
        var u = Vector256.FusedMultiplyAdd(w.K0, v0 + v10, w.K5 * v5);
        var v = Vector256.FusedMultiplyAdd(w.K2, v2 + v8, w.K1 * (v1 + v9));
        u = Vector256.FusedMultiplyAdd(w.K3, v3 + v7, u);
        v = Vector256.FusedMultiplyAdd(w.K4, v4 + v6, v);
        return u + v;
    }

    /// <summary>Twelve consecutive taps at p + off[0..11] folded twice: taps 0–10 and taps 1–11 (two output rows).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<double> A, Vector256<double> B) Fold2(ref double p, ReadOnlySpan<nuint> off, in Weights w)
    {
        var l0 = Vector256.LoadUnsafe(ref p, off[0]); var l1 = Vector256.LoadUnsafe(ref p, off[1]); var l2 = Vector256.LoadUnsafe(ref p, off[2]);
        var l3 = Vector256.LoadUnsafe(ref p, off[3]); var l4 = Vector256.LoadUnsafe(ref p, off[4]); var l5 = Vector256.LoadUnsafe(ref p, off[5]);
        var l6 = Vector256.LoadUnsafe(ref p, off[6]); var l7 = Vector256.LoadUnsafe(ref p, off[7]); var l8 = Vector256.LoadUnsafe(ref p, off[8]);
        var l9 = Vector256.LoadUnsafe(ref p, off[9]); var l10 = Vector256.LoadUnsafe(ref p, off[10]); var l11 = Vector256.LoadUnsafe(ref p, off[11]);
        return (Fold(w, l0, l1, l2, l3, l4, l5, l6, l7, l8, l9, l10), Fold(w, l1, l2, l3, l4, l5, l6, l7, l8, l9, l10, l11));
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
        nint qs = stride, qd = Taps1 * ringRow;
        int ox = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var w = new Weights(k);
            // Eight columns: the taps of columns 0–3 (offsets 0–10) and 4–7 (offsets 4–14) share seven loads.
            for (; ox + 8 <= sw; ox += 8)
                for (int q = 0; q < Quantities; q++)
                {
                    ref double s = ref Unsafe.Add(ref src, q * qs + ox);
                    ref double d = ref Unsafe.Add(ref dst, q * qd + ox);
                    var l0 = Vector256.LoadUnsafe(ref s); var l1 = Vector256.LoadUnsafe(ref s, 1); var l2 = Vector256.LoadUnsafe(ref s, 2);
                    var l3 = Vector256.LoadUnsafe(ref s, 3); var l4 = Vector256.LoadUnsafe(ref s, 4); var l5 = Vector256.LoadUnsafe(ref s, 5);
                    var l6 = Vector256.LoadUnsafe(ref s, 6); var l7 = Vector256.LoadUnsafe(ref s, 7); var l8 = Vector256.LoadUnsafe(ref s, 8);
                    var l9 = Vector256.LoadUnsafe(ref s, 9); var l10 = Vector256.LoadUnsafe(ref s, 10); var l11 = Vector256.LoadUnsafe(ref s, 11);
                    var l12 = Vector256.LoadUnsafe(ref s, 12); var l13 = Vector256.LoadUnsafe(ref s, 13); var l14 = Vector256.LoadUnsafe(ref s, 14);
                    Fold(w, l0, l1, l2, l3, l4, l5, l6, l7, l8, l9, l10).StoreUnsafe(ref d);
                    Fold(w, l4, l5, l6, l7, l8, l9, l10, l11, l12, l13, l14).StoreUnsafe(ref d, 4);
                }
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
        nint qs = Taps1 * ringRow;
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

    /// <summary>
    /// <see cref="Vertical"/> of two consecutive output rows at once, over twelve ring rows (<paramref name="slots"/>, top to
    /// bottom): the rows share eleven of their twelve loads. The sum of both rows' SSIM maps.
    /// </summary>
    public static double Vertical2(double[] ring, ReadOnlySpan<int> slots, int ringRow, int sw, double[] k)
    {
        Span<nuint> off = stackalloc nuint[Taps + 1];
        for (int i = 0; i <= Taps; i++) off[i] = (nuint)(slots[i] * ringRow);
        ref double src = ref MemoryMarshal.GetArrayDataReference(ring);
        nint qs = Taps1 * ringRow;
        int ox = 0;
        double total = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var w = new Weights(k);
            var sum = Vector256<double>.Zero;
            for (; ox + 4 <= sw; ox += 4)
            {
                ref double s = ref Unsafe.Add(ref src, ox);
                var (mxa, mxb) = Fold2(ref s, off, w);
                var (mya, myb) = Fold2(ref Unsafe.Add(ref s, qs), off, w);
                var (e2a, e2b) = Fold2(ref Unsafe.Add(ref s, 2 * qs), off, w);
                var (exya, exyb) = Fold2(ref Unsafe.Add(ref s, 3 * qs), off, w);
                sum += Map(mxa, mya, e2a, exya) + Map(mxb, myb, e2b, exyb);
            }
            total = Vector256.Sum(sum);
        }
        for (; ox < sw; ox++)
        {
            ref double s = ref Unsafe.Add(ref src, ox);
            for (int row = 0; row < 2; row++)
            {
                var o = off.Slice(row, Taps);
                double mx = Fold(ref s, o, k), my = Fold(ref Unsafe.Add(ref s, qs), o, k);
                double e2 = Fold(ref Unsafe.Add(ref s, 2 * qs), o, k), m2 = mx * mx + my * my;
                double cxy = Fold(ref Unsafe.Add(ref s, 3 * qs), o, k) - mx * my;
                total += (2 * mx * my + C1) * (2 * cxy + C2) / ((m2 + C1) * (e2 - m2 + C2));
            }
        }
        return total;
    }

    private const double C1 = Ssim.K1 * Ssim.K1, C2 = Ssim.K2 * Ssim.K2;

    /// <summary>Rows in the ring: <see cref="Vertical2"/> reads twelve.</summary>
    public const int Taps1 = Taps + 1;

    /// <summary>The SSIM map of four columns from their local means and second moments (σx² + σy² = E[x² + y²] − μx² − μy²).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Map(Vector256<double> mx, Vector256<double> my, Vector256<double> e2, Vector256<double> exy)
    {
        var m2 = mx * mx + my * my;
        var cxy = exy - mx * my;
        return (Vector256.Create(2.0) * mx * my + Vector256.Create(C1)) * (Vector256.Create(2.0) * cxy + Vector256.Create(C2))
            / ((m2 + Vector256.Create(C1)) * (e2 - m2 + Vector256.Create(C2)));
    }
}
