using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace HdrOfx.Engine.Classical;

/// <summary>
/// The 8-wide AVX2 merge kernel: the expressions of <see cref="Pixel"/> in the same order, lanes that the scalar
/// kernel would skip masked to zero weight, bilinear taps by gathers. Only the ghost test's exp differs from the scalar
/// kernel (Vector256.Exp vs MathF.Exp), which the tests bound.
/// </summary>
internal sealed partial class MergeKernel
{
    public static bool VectorSupported => Avx2.IsSupported;

    /// <summary>Merges row <paramref name="y"/> from x = 0 in steps of 8; returns the first x left to the scalar kernel.</summary>
    public unsafe int RowVector(int y, RowBuffers rb)
    {
        int W = _w, H = _h, LN = _n, row = y * W;
        if (W < 8) return 0;
        var zero = Vector256<float>.Zero;
        var one = Vector256.Create(1f);
        var vClip = Vector256.Create(_clip);
        var vFloor = Vector256.Create(_floor);
        var vInvVarRef = Vector256.Create(_invVarRef);
        var vInvRef = Vector256.Create(_invRef);
        var vDark = Vector256.Create(_dark);
        var vKappa2 = Vector256.Create(_kappa2);
        var vPrel = Vector256.Create(_prel);
        var vCgrLo = Vector256.Create(0.7f * _cgr);
        var vCgrSpan = Vector256.Create(_cgr - 0.7f * _cgr);
        var cR = Vector256.Create(0.2126f);
        var cG = Vector256.Create(0.7152f);
        var cB = Vector256.Create(0.0722f);
        var minTrust = Vector256.Create(1e-4f);
        var grid = new BilinearGrid8(W, H);
        var iota = Vector256.Create(0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f);
        var vy = Vector256.Create((float)y);
        var big = Vector256.Create(float.MaxValue);
        var m2 = Vector256.Create(-2f);
        ref float R = ref MemoryMarshal.GetArrayDataReference(_ref);
        ref float O = ref MemoryMarshal.GetArrayDataReference(_out);
        float** planes = stackalloc float*[Math.Max(_k, 1)];
        for (int j = 0; j < _k; j++) planes[j] = (float*)_pins[j].AddrOfPinnedObject();

        int x = 0;
        for (; x <= W - 8; x += 8)
        {
            int i = row + x;
            var r0 = Vector256.LoadUnsafe(ref R, (nuint)i);
            var g0 = Vector256.LoadUnsafe(ref R, (nuint)(LN + i));
            var b0 = Vector256.LoadUnsafe(ref R, (nuint)(2 * LN + i));
            var mx0 = Avx.Max(r0, Avx.Max(g0, b0));
            var lum0 = cR * r0 + cG * g0 + cB * b0;
            var refClipped = Avx.CompareGreaterThanOrEqual(mx0, vClip);
            var wr = Avx.Max(HatV(mx0, _invNk, _hk, _invHk, vClip), vFloor) * vInvVarRef;
            var ar = wr * r0 * vInvRef;
            var ag = wr * g0 * vInvRef;
            var ab = wr * b0 * vInvRef;
            var ws = wr;
            var best = zero;
            var rc = Avx.CompareGreaterThanOrEqual(r0, vClip);
            var gc = Avx.CompareGreaterThanOrEqual(g0, vClip);
            var bc = Avx.CompareGreaterThanOrEqual(b0, vClip);
            var fr = rc & (r0 * vInvRef);
            var fg = gc & (g0 * vInvRef);
            var fb = bc & (b0 * vInvRef);
            var vx = Vector256.Create((float)x) + iota;
            for (int j = 0; j < _k; j++)
            {
                var trust = Vector256.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(rb.Trust[j]), (nuint)x);
                var sx = vx + Vector256.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(rb.U[j]), (nuint)x);
                var sy = vy + Vector256.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(rb.V[j]), (nuint)x);
                var mask = Avx.CompareGreaterThan(trust, minTrust) & grid.Inside(sx, sy); // NaN lanes fail, as in the scalar kernel
                if (Avx.MoveMask(mask) == 0) continue;
                // Lanes outside sample the clamped edge (always in bounds) and get zero weight.
                var taps = grid.At(sx, sy);
                float* D = planes[j];
                var r1 = taps.Sample(D);
                var g1 = taps.Sample(D + LN);
                var b1 = taps.Sample(D + 2 * LN);
                var invE = Vector256.Create(_nbInvE[j]);
                fr = Avx.Max(fr, mask & rc & Avx.CompareGreaterThanOrEqual(r1, vClip) & (r1 * invE));
                fg = Avx.Max(fg, mask & gc & Avx.CompareGreaterThanOrEqual(g1, vClip) & (g1 * invE));
                fb = Avx.Max(fb, mask & bc & Avx.CompareGreaterThanOrEqual(b1, vClip) & (b1 * invE));
                var mx1 = Avx.Max(r1, Avx.Max(g1, b1));
                var mn1 = Avx.Min(r1, Avx.Min(g1, b1));
                var lt = Avx.Min(Avx.Max((mn1 - Vector256.Create(_nbLow0[j])) * Vector256.Create(_nbLowInv[j]), zero), one);
                var hat = HatV(mx1, 0f, _hk, _invHk, vClip) * (lt * lt * (Vector256.Create(3f) - Vector256.Create(2f) * lt));
                mask &= Avx.CompareGreaterThan(hat, zero);
                if (Avx.MoveMask(mask) == 0) continue;
                var q = Vector256.Create(_nbRatio[j]);
                var l1 = cR * r1 + cG * g1 + cB * b1;
                // Reference clipped: the neighbour must reach the clip level in every clipped channel.
                var lowest = big;
                lowest = Vector256.ConditionalSelect(Avx.CompareGreaterThanOrEqual(r0, vClip), Avx.Min(lowest, r1 * q), lowest);
                lowest = Vector256.ConditionalSelect(Avx.CompareGreaterThanOrEqual(g0, vClip), Avx.Min(lowest, g1 * q), lowest);
                lowest = Vector256.ConditionalSelect(Avx.CompareGreaterThanOrEqual(b0, vClip), Avx.Min(lowest, b1 * q), lowest);
                var tc = Avx.Min(Avx.Max((lowest - vCgrLo) / vCgrSpan, zero), one);
                var ghostClipped = tc * tc * (Vector256.Create(3f) - Vector256.Create(2f) * tc);
                // Otherwise the per-pixel luminance test (ExposureMerge.Ghost).
                var bq = l1 * q;
                var dd = Vector256.Abs(bq - lum0) / (Vector256.Create(_nbPixAbs[j]) + vPrel * Avx.Max(lum0, bq));
                var e = Avx.Max(dd - one, zero);
                var ghostFree = one;
                if (Avx.MoveMask(Avx.CompareGreaterThan(e, zero) & mask) != 0) ghostFree = Vector256.Exp(m2 * e * e);
                var ghost = Vector256.ConditionalSelect(refClipped, ghostClipped, ghostFree);
                var tr = trust * ghost;
                best = Vector256.ConditionalSelect(mask & Avx.CompareGreaterThan(tr, best), tr, best);
                var hl = l1 * invE;
                var wj = mask & (hat * tr / (Vector256.Create(_nbVar[j]) + vKappa2 * hl * hl));
                var ie = invE * wj;
                ar += mask & (ie * r1);
                ag += mask & (ie * g1);
                ab += mask & (ie * b1);
                ws += wj;
            }
            var inv = one / ws;
            Avx.Max(ar * inv, fr).StoreUnsafe(ref O, (nuint)i);
            Avx.Max(ag * inv, fg).StoreUnsafe(ref O, (nuint)(LN + i));
            Avx.Max(ab * inv, fb).StoreUnsafe(ref O, (nuint)(2 * LN + i));
            if (_sat is not null)
            {
                var s = (refClipped | Avx.CompareLessThan(lum0, vDark)) & one;
                s.StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(_sat), (nuint)i);
                best.StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(_conf!), (nuint)i);
            }
        }
        return x;
    }

    /// <summary>The horizontal pass of <see cref="UpsampleRow"/>, 8 lanes (gathers from mid); returns the first x left.</summary>
    private static unsafe int UpsampleRowVector(float[] mid, int[] i0, int[] i1, float[] f, float[] dst, float gain)
    {
        int n = dst.Length, x = 0;
        if (i0.Length < n || i1.Length < n || f.Length < n) throw new ArgumentException("axis shorter than the row");
        var vg = Vector256.Create(gain);
        fixed (float* m = mid)
        {
            ref int A = ref MemoryMarshal.GetArrayDataReference(i0);
            ref int B = ref MemoryMarshal.GetArrayDataReference(i1);
            ref float F = ref MemoryMarshal.GetArrayDataReference(f);
            ref float D = ref MemoryMarshal.GetArrayDataReference(dst);
            for (; x + 8 <= n; x += 8)
            {
                var m0 = Avx2.GatherVector256(m, Vector256.LoadUnsafe(ref A, (nuint)x), 4);
                var m1 = Avx2.GatherVector256(m, Vector256.LoadUnsafe(ref B, (nuint)x), 4);
                (vg * (m0 + Vector256.LoadUnsafe(ref F, (nuint)x) * (m1 - m0))).StoreUnsafe(ref D, (nuint)x);
            }
        }
        return x;
    }

    /// <summary><see cref="HatFast"/>, 8 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> HatV(Vector256<float> x, float invNk, float hk, float invHk, Vector256<float> clip)
    {
        var zero = Vector256<float>.Zero;
        var one = Vector256.Create(1f);
        var three = Vector256.Create(3f);
        var two = Vector256.Create(2f);
        var low = one;
        if (invNk != 0f)
        {
            var t = Avx.Min(Avx.Max(x * Vector256.Create(invNk), zero), one);
            low = t * t * (three - two * t);
        }
        var s = Avx.Min(Avx.Max((x - Vector256.Create(hk)) * Vector256.Create(invHk), zero), one);
        var h = low * (one - s * s * (three - two * s));
        return Vector256.AndNot(h, Avx.CompareGreaterThanOrEqual(x, clip));
    }
}
