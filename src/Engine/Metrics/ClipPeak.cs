using System.Runtime.Intrinsics;
using HdrOfx.Engine.Imaging;

namespace HdrOfx.Engine.Metrics;

/// <summary>Per-clip normalization: every metric divides result and truth by the largest ground-truth value of the clip.</summary>
public static class ClipPeak
{
    public static float Of(IEnumerable<ImageF> truth) => Of(truth.Select(OfFrame).ToArray());

    /// <summary>The clip peak from each truth frame's <see cref="OfFrame"/>, so frames can be measured as they arrive.</summary>
    public static float Of(ReadOnlySpan<float> framePeaks)
    {
        float peak = 0f;
        foreach (float v in framePeaks)
            if (v > peak) peak = v;
        if (peak <= 0f) throw new ArgumentException("ground truth has no positive value; cannot normalize the clip");
        return peak;
    }

    /// <summary>The largest finite sample of every plane of <paramref name="img"/>, or 0 when none is positive.</summary>
    public static float OfFrame(ImageF img)
    {
        ReadOnlySpan<float> data = img.Data;
        float peak = 0f;
        int i = 0;
        if (Vector256.IsHardwareAccelerated && data.Length >= Vector256<float>.Count)
        {
            // Non-finite lanes (exponent all ones) become 0, which never raises the maximum.
            var acc = Vector256<float>.Zero;
            var exp = Vector256.Create(0x7F800000);
            for (; i + Vector256<float>.Count <= data.Length; i += Vector256<float>.Count)
            {
                var v = Vector256.Create(data.Slice(i, Vector256<float>.Count));
                var finite = ~Vector256.Equals(v.AsInt32() & exp, exp).AsSingle();
                acc = Vector256.Max(acc, v & finite);
            }
            for (int l = 0; l < Vector256<float>.Count; l++)
                if (acc[l] > peak) peak = acc[l];
        }
        for (; i < data.Length; i++)
            if (data[i] > peak && float.IsFinite(data[i])) peak = data[i];
        return peak;
    }
}
