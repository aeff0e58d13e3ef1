using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace HdrOfx.Engine.Classical;

/// <summary>
/// The four taps of a bilinear sample of a w×h plane at (sx, sy), coordinates clamped to the pixel-centre domain:
/// P00 = y0·w + x0, the right and lower neighbours at +Dx, +Dy (0 at the last column/row), weights Fx, Fy.
/// Shared by the flow warp and the merge; <see cref="Taps8"/> is the same arithmetic 8 lanes wide.
/// </summary>
internal readonly struct BilinearTaps
{
    public readonly int P00, Dx, Dy;
    public readonly float Fx, Fy;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public BilinearTaps(float sx, float sy, int w, int h)
    {
        sx = Math.Clamp(sx, 0f, w - 1);
        sy = Math.Clamp(sy, 0f, h - 1);
        int x0 = Math.Min((int)sx, w - 1), y0 = Math.Min((int)sy, h - 1);
        Dx = x0 + 1 < w ? 1 : 0;
        Dy = y0 + 1 < h ? w : 0;
        Fx = sx - x0;
        Fy = sy - y0;
        P00 = y0 * w + x0;
    }

    /// <summary>The sample of the plane starting at <paramref name="offset"/> in <paramref name="d"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Sample(ref float d, int offset = 0)
    {
        int p = offset + P00;
        float a = Unsafe.Add(ref d, p), b = Unsafe.Add(ref d, p + Dx);
        float c = Unsafe.Add(ref d, p + Dy), e = Unsafe.Add(ref d, p + Dy + Dx);
        float t = a + Fx * (b - a);
        float u = c + Fx * (e - c);
        return t + Fy * (u - t);
    }

    public float Sample(float[] plane, int offset = 0) => Sample(ref MemoryMarshal.GetArrayDataReference(plane), offset);

    /// <summary>Whether (sx, sy) lies in [−0.5, w − 0.5] × [−0.5, h − 0.5] (false for NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Inside(float sx, float sy, int w, int h) => sx >= -0.5f && sx <= w - 0.5f && sy >= -0.5f && sy <= h - 0.5f;
}

/// <summary><see cref="BilinearTaps"/> for 8 lanes (AVX2 gathers). Build one per plane size, outside the pixel loop.</summary>
internal readonly struct BilinearGrid8
{
    private readonly Vector256<float> _lo, _hiX, _hiY, _maxX, _maxY;
    private readonly Vector256<int> _maxXi, _maxYi, _w, _h;

    public BilinearGrid8(int w, int h)
    {
        _lo = Vector256.Create(-0.5f);
        _hiX = Vector256.Create(w - 0.5f); _hiY = Vector256.Create(h - 0.5f);
        _maxX = Vector256.Create((float)(w - 1)); _maxY = Vector256.Create((float)(h - 1));
        _maxXi = Vector256.Create(w - 1); _maxYi = Vector256.Create(h - 1);
        _w = Vector256.Create(w); _h = Vector256.Create(h);
    }

    /// <summary>All-ones lanes where (sx, sy) is inside (ordered compares: NaN lanes are outside).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector256<float> Inside(Vector256<float> sx, Vector256<float> sy) =>
        Avx.CompareGreaterThanOrEqual(sx, _lo) & Avx.CompareLessThanOrEqual(sx, _hiX)
        & Avx.CompareGreaterThanOrEqual(sy, _lo) & Avx.CompareLessThanOrEqual(sy, _hiY);

    /// <summary>Taps of 8 samples. A NaN coordinate clamps to 0 (maxps returns its second operand), so every index is in bounds.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Taps8 At(Vector256<float> sx, Vector256<float> sy)
    {
        var zero = Vector256<float>.Zero;
        var one = Vector256.Create(1);
        sx = Avx.Min(Avx.Max(sx, zero), _maxX);
        sy = Avx.Min(Avx.Max(sy, zero), _maxY);
        var x0 = Avx2.Min(Avx.ConvertToVector256Int32WithTruncation(sx), _maxXi);
        var y0 = Avx2.Min(Avx.ConvertToVector256Int32WithTruncation(sy), _maxYi);
        var dx = Avx2.CompareGreaterThan(_w, x0 + one) & one;
        var dy = Avx2.CompareGreaterThan(_h, y0 + one) & _w;
        var p00 = Avx2.MultiplyLow(y0, _w) + x0;
        return new Taps8(p00, p00 + dx, p00 + dy, p00 + dy + dx, sx - Avx.ConvertToVector256Single(x0), sy - Avx.ConvertToVector256Single(y0));
    }
}

internal readonly struct Taps8(Vector256<int> p00, Vector256<int> p01, Vector256<int> p10, Vector256<int> p11, Vector256<float> fx, Vector256<float> fy)
{
    /// <summary>The 8 samples of the plane at <paramref name="plane"/> (same operations as <see cref="BilinearTaps.Sample(ref float, int)"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe Vector256<float> Sample(float* plane)
    {
        var a = Avx2.GatherVector256(plane, p00, 4);
        var b = Avx2.GatherVector256(plane, p01, 4);
        var c = Avx2.GatherVector256(plane, p10, 4);
        var e = Avx2.GatherVector256(plane, p11, 4);
        var t = a + fx * (b - a);
        var u = c + fx * (e - c);
        return t + fy * (u - t);
    }
}
