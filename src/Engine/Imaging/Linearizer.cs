using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace HdrOfx.Engine.Imaging;

/// <summary>
/// The one LDR → linear rule of the plug-in and the CLI (DESIGN §3): linear = f⁻¹(clamp(v, 0, 1)), NaN → 0, +∞ → 1.
/// Linear input is already scene-linear (an EXR, a float host image): it keeps values above 1, clamped to
/// [0, <see cref="LinearMax"/>] (the largest half float) with NaN → 0.
/// Everything goes through <see cref="TransferCurve"/> (its scalar and 8-wide forms agree to the bit, within 4e-7 of the
/// exact curve); integer codes (byte, short) through tables of it (<see cref="CodeTable"/>), so that a code c gives exactly
/// what the float c / max gives: the plug-in on 8- or 16-bit host images and the CLI on the same values agree to the bit.
/// </summary>
public static class Linearizer
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Clamp01(float v) => v >= 0f ? Math.Min(v, 1f) : 0f;

    /// <summary><see cref="Clamp01(float)"/> on 8 lanes: NaN and negatives → 0 (ordered compare), then min with 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Clamp01(Vector256<float> v) =>
        Avx.Min(Avx.CompareGreaterThanOrEqual(v, Vector256<float>.Zero) & v, Vector256.Create(1f));

    public const float LinearMax = 65504f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ClampLinear(float v) => v >= 0f ? Math.Min(v, LinearMax) : 0f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ClampLinear(Vector256<float> v) =>
        Avx.Min(Avx.CompareGreaterThanOrEqual(v, Vector256<float>.Zero) & v, Vector256.Create(LinearMax));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Apply(in TransferCurve curve, float v) => curve.IsIdentity ? ClampLinear(v) : curve.Apply(Clamp01(v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Apply(in TransferCurve curve, Vector256<float> v) => curve.IsIdentity ? ClampLinear(v) : curve.Apply(Clamp01(v));

    /// <summary>Whether <see cref="Apply(in TransferCurve, Vector256{float})"/> runs here (else callers use the scalar twin).</summary>
    public static bool VectorSupported => Avx2.IsSupported && Fma.IsSupported;

    private static readonly float[]?[] ByteTables = new float[]?[4];
    private static readonly float[]?[] ShortTables = new float[]?[4];

    /// <summary>Linear value of every integer code c in 0..max (max = 255 or 65535): Apply(c / max); built once, thread-safe.</summary>
    public static float[] CodeTable(TransferFunction tf, bool isShort)
    {
        var cache = isShort ? ShortTables : ByteTables;
        var table = Volatile.Read(ref cache[(int)tf]);
        if (table != null) return table;
        int n = isShort ? 65536 : 256;
        float max = n - 1;
        var curve = TransferCurve.For(tf);
        table = new float[n];
        for (int i = 0; i < n; i++) table[i] = Apply(curve, i / max);
        Volatile.Write(ref cache[(int)tf], table);
        return table;
    }

    /// <summary>
    /// Linearizes the RGB planes of an encoded image (a single channel is used for all three) into a new 3-channel image;
    /// alpha is dropped. <paramref name="nonFinite"/> counts NaN and infinite input samples (linearized as above).
    /// </summary>
    public static ImageF ToLinear(ImageF encoded, TransferFunction tf, out long nonFinite)
    {
        var lin = new ImageF(encoded.Width, encoded.Height, 3);
        var curve = TransferCurve.For(tf);
        int n = encoded.PlaneSize;
        nonFinite = 0;
        for (int c = 0; c < 3; c++)
        {
            ReadOnlySpan<float> src = encoded.Plane(Math.Min(c, encoded.Channels - 1));
            Span<float> dst = lin.Plane(c);
            if (c < encoded.Channels) nonFinite += FiniteScan.CountNonFinite(src);
            int i = 0;
            if (VectorSupported)
                for (; i + 8 <= n; i += 8)
                    Apply(curve, Vector256.Create(src.Slice(i, 8))).CopyTo(dst.Slice(i, 8));
            for (; i < n; i++) dst[i] = Apply(curve, src[i]);
        }
        return lin;
    }
}
