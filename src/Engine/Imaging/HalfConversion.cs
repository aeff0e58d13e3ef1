using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace HdrOfx.Engine.Imaging;

/// <summary>
/// float → IEEE half bits, rounded to nearest even, exactly as the <see cref="Half"/> cast (NaN stays NaN with its top
/// fraction bits; above 65520 → infinity). The vector path is the runtime's own scalar algorithm (exponent rebias by a
/// float addition that does the rounding) applied to 8 lanes at once; <see cref="ToHalfScalar"/> is the reference.
/// </summary>
public static class HalfConversion
{
    private const uint SignMask = 0x8000_0000u, BiasedExponentMask = 0x7F80_0000u, HalfExponentMask = 0x7C00u;
    private const uint MinExp = 0x3880_0000u, Exponent13 = 0x0680_0000u, Exponent126 = 0x3F00_0000u;
    private const float MaxBelowInfinity = 65520f;

    public static ushort ToHalfScalar(float v) => BitConverter.HalfToUInt16Bits((Half)v);

    public static void ToHalf(ReadOnlySpan<float> src, Span<ushort> dst)
    {
        if (dst.Length < src.Length) throw new ArgumentException($"destination holds {dst.Length} values, the source {src.Length}", nameof(dst));
        int n = src.Length, i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref float s = ref MemoryMarshal.GetReference(src);
            ref ushort d = ref MemoryMarshal.GetReference(dst);
            for (; i + 16 <= n; i += 16)
            {
                var lo = Convert8(Vector256.LoadUnsafe(ref s, (nuint)i));
                var hi = Convert8(Vector256.LoadUnsafe(ref s, (nuint)(i + 8)));
                Vector256.Narrow(lo, hi).StoreUnsafe(ref d, (nuint)i);
            }
        }
        for (; i < n; i++) dst[i] = ToHalfScalar(src[i]);
    }

    /// <summary>Eight floats to half bits, in the low 16 bits of each lane (the high bits are not cleared: the narrowing drops them).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> Convert8(Vector256<float> value)
    {
        var bits = value.AsUInt32();
        var sign = Vector256.ShiftRightLogical(bits & Vector256.Create(SignMask), 16);
        var real = Vector256.Equals(value, value).AsUInt32();
        value = Vector256.Min(Vector256.Create(MaxBelowInfinity), Vector256.Abs(value));
        var exponentOffset = Vector256.Max(value, Vector256.Create(MinExp).AsSingle()).AsUInt32() & Vector256.Create(BiasedExponentMask);
        exponentOffset += Vector256.Create(Exponent13);
        value += exponentOffset.AsSingle();
        bits = value.AsUInt32();
        var nanExponent = ~real & Vector256.Create(HalfExponentMask);
        bits -= Vector256.Create(Exponent126);
        var newExponent = Vector256.ShiftRightLogical(bits, 13);
        bits &= real;
        bits += newExponent;
        bits &= ~nanExponent;
        return bits | nanExponent | sign;
    }
}
