using System.Runtime.Intrinsics;

namespace HdrOfx.Engine.Imaging;

/// <summary>Counts the samples that are not finite, or would not be once multiplied by a gain.</summary>
public static class FiniteScan
{
    public static long CountNonFinite(ReadOnlySpan<float> data, float gain = 1f)
    {
        long n = 0;
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var g = Vector256.Create(gain);
            for (; i + 8 <= data.Length; i += 8)
            {
                // x − x is 0 for every finite x and NaN for ±∞ and NaN.
                var v = Vector256.Create(data.Slice(i, 8)) * g;
                if (!Vector256.EqualsAll(v - v, Vector256<float>.Zero)) n += Scalar(data.Slice(i, 8), gain);
            }
        }
        return n + Scalar(data[i..], gain);
    }

    private static long Scalar(ReadOnlySpan<float> data, float gain)
    {
        long n = 0;
        foreach (var v in data) if (!float.IsFinite(v * gain)) n++;
        return n;
    }
}
