using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace HdrOfx.Engine.Metrics;

/// <summary>
/// The flicker terms of one frame pair (<see cref="TemporalStability.FlickerOfTonemapped"/>): on pixels where every
/// channel of the μ-law truth moved less than the threshold, Σ |ΔT(result)| over the channels, eight pixels in vector
/// lanes. Callers validate; nothing here checks bounds.
/// </summary>
internal static class FlickerKernel
{
    /// <param name="tn">Truth now, planar, <paramref name="channels"/> planes of <paramref name="plane"/> samples; tb before; rn, rb the result's.</param>
    public static (double Sum, long Count) Pair(float[] tn, float[] tb, float[] rn, float[] rb, int plane, int channels, float threshold)
    {
        ref float tnr = ref MemoryMarshal.GetArrayDataReference(tn);
        ref float tbr = ref MemoryMarshal.GetArrayDataReference(tb);
        ref float rnr = ref MemoryMarshal.GetArrayDataReference(rn);
        ref float rbr = ref MemoryMarshal.GetArrayDataReference(rb);
        double sum = 0;
        long n = 0;
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var thr = Vector256.Create(threshold);
            Vector256<double> lo = default, hi = default;
            for (; i + 8 <= plane; i += 8)
            {
                var still = Vector256<float>.AllBitsSet;
                for (int c = 0; c < channels; c++)
                {
                    nuint at = (nuint)(c * plane + i);
                    still &= Vector256.LessThan(Vector256.Abs(Vector256.LoadUnsafe(ref tnr, at) - Vector256.LoadUnsafe(ref tbr, at)), thr);
                }
                uint bits = still.ExtractMostSignificantBits();
                if (bits == 0) continue;
                for (int c = 0; c < channels; c++)
                {
                    nuint at = (nuint)(c * plane + i);
                    var d = Vector256.Abs(Vector256.LoadUnsafe(ref rnr, at) - Vector256.LoadUnsafe(ref rbr, at)) & still;
                    var (a, b) = Vector256.Widen(d);
                    lo += a;
                    hi += b;
                }
                n += (long)BitOperations.PopCount(bits) * channels;
            }
            sum = Vector256.Sum(lo + hi);
        }
        for (; i < plane; i++)
        {
            bool still = true;
            for (int c = 0; c < channels && still; c++)
                still = MathF.Abs(Unsafe.Add(ref tnr, c * plane + i) - Unsafe.Add(ref tbr, c * plane + i)) < threshold;
            if (!still) continue;
            for (int c = 0; c < channels; c++)
                sum += MathF.Abs(Unsafe.Add(ref rnr, c * plane + i) - Unsafe.Add(ref rbr, c * plane + i));
            n += channels;
        }
        return (sum, n);
    }
}
