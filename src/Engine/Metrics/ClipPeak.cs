using HdrOfx.Engine.Imaging;

namespace HdrOfx.Engine.Metrics;

/// <summary>Per-clip normalization: every metric divides result and truth by the largest ground-truth value of the clip.</summary>
public static class ClipPeak
{
    public static float Of(IEnumerable<ImageF> truth)
    {
        float peak = 0f;
        foreach (var img in truth)
            foreach (float v in img.Data)
                if (v > peak && float.IsFinite(v)) peak = v;
        if (peak <= 0f) throw new ArgumentException("ground truth has no positive value; cannot normalize the clip");
        return peak;
    }
}
