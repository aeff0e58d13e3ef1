using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace HdrOfx.Engine.Classical;

/// <summary>
/// Elementwise row operations for the classical filters, 8-wide with a scalar tail; both compute the same
/// expression per element, so results do not depend on the vector path.
/// </summary>
internal static class RowMath
{
    /// <summary>acc[i] += a[i].</summary>
    public static void Add(Span<float> acc, ReadOnlySpan<float> a)
    {
        int n = acc.Length, i = 0;
        ref float A = ref MemoryMarshal.GetReference(acc);
        ref float X = ref MemoryMarshal.GetReference(a[..n]);
        if (Vector256.IsHardwareAccelerated)
            for (; i + 8 <= n; i += 8)
                (Vector256.LoadUnsafe(ref A, (nuint)i) + Vector256.LoadUnsafe(ref X, (nuint)i)).StoreUnsafe(ref A, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref A, i) += Unsafe.Add(ref X, i);
    }

    /// <summary>acc[i] += add[i] − sub[i].</summary>
    public static void AddSub(Span<float> acc, ReadOnlySpan<float> add, ReadOnlySpan<float> sub)
    {
        int n = acc.Length, i = 0;
        ref float A = ref MemoryMarshal.GetReference(acc);
        ref float P = ref MemoryMarshal.GetReference(add[..n]);
        ref float M = ref MemoryMarshal.GetReference(sub[..n]);
        if (Vector256.IsHardwareAccelerated)
            for (; i + 8 <= n; i += 8)
                (Vector256.LoadUnsafe(ref A, (nuint)i) + (Vector256.LoadUnsafe(ref P, (nuint)i) - Vector256.LoadUnsafe(ref M, (nuint)i))).StoreUnsafe(ref A, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref A, i) += Unsafe.Add(ref P, i) - Unsafe.Add(ref M, i);
    }

    /// <summary>dst[i] = a[i] · k.</summary>
    public static void Scale(Span<float> dst, ReadOnlySpan<float> a, float k)
    {
        int n = dst.Length, i = 0;
        ref float D = ref MemoryMarshal.GetReference(dst);
        ref float X = ref MemoryMarshal.GetReference(a[..n]);
        if (Vector256.IsHardwareAccelerated)
        {
            var vk = Vector256.Create(k);
            for (; i + 8 <= n; i += 8) (Vector256.LoadUnsafe(ref X, (nuint)i) * vk).StoreUnsafe(ref D, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref D, i) = Unsafe.Add(ref X, i) * k;
    }
}
