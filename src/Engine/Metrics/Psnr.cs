using HdrOfx.Engine.Imaging;

namespace HdrOfx.Engine.Metrics;

/// <summary>PSNR variants on one frame. <c>peak</c> is the clip peak of the ground truth (<see cref="ClipPeak"/>).</summary>
public static class Psnr
{
    /// <summary>PSNR after μ-law tonemapping of H/peak (clamped to [0,1]); the metric of HDR video papers.</summary>
    public static double Mu(ImageF result, ImageF truth, float peak)
    {
        int channels = MetricGuard.CheckPair(result, truth);
        MetricGuard.CheckPeak(peak);
        float inv = 1f / peak;
        double sum = 0;
        for (int c = 0; c < channels; c++)
        {
            var r = result.Plane(c);
            var t = truth.Plane(c);
            for (int i = 0; i < r.Length; i++)
            {
                double d = MuLaw.Apply(r[i] * inv) - MuLaw.Apply(t[i] * inv);
                sum += d * d;
            }
        }
        return MetricGuard.PsnrFromMse(sum / ((double)channels * result.PlaneSize), 1.0);
    }

    /// <summary><see cref="Mu"/> of frames already tonemapped by <see cref="MuLaw.Tonemap"/> with the same peak: the same value.</summary>
    public static double MuOfTonemapped(ImageF result, ImageF truth)
    {
        int channels = MetricGuard.CheckPair(result, truth);
        double sum = 0;
        for (int c = 0; c < channels; c++)
        {
            var r = result.Plane(c);
            var t = truth.Plane(c);
            for (int i = 0; i < r.Length; i++)
            {
                double d = r[i] - t[i];
                sum += d * d;
            }
        }
        return MetricGuard.PsnrFromMse(sum / ((double)channels * result.PlaneSize), 1.0);
    }

    /// <summary>PSNR on linear values normalized by the clip peak (result clamped to [0,1] like the truth).</summary>
    public static double Linear(ImageF result, ImageF truth, float peak)
    {
        int channels = MetricGuard.CheckPair(result, truth);
        MetricGuard.CheckPeak(peak);
        double inv = 1.0 / peak;
        double sum = 0;
        for (int c = 0; c < channels; c++)
        {
            var r = result.Plane(c);
            var t = truth.Plane(c);
            for (int i = 0; i < r.Length; i++)
            {
                double d = Math.Clamp(r[i] * inv, 0, 1) - Math.Clamp(t[i] * inv, 0, 1);
                sum += d * d;
            }
        }
        return MetricGuard.PsnrFromMse(sum / ((double)channels * result.PlaneSize), 1.0);
    }

    /// <summary>
    /// PU21-encoded PSNR: H/peak is mapped to [0, <see cref="Pu21.DisplayPeak"/>] cd/m², each channel is PU21-encoded,
    /// and PSNR is taken against the PU21 code of 10000 cd/m².
    /// </summary>
    public static double Pu21Encoded(ImageF result, ImageF truth, float peak)
    {
        int channels = MetricGuard.CheckPair(result, truth);
        MetricGuard.CheckPeak(peak);
        var codes = new Pu21Codes(peak, Pu21.DisplayPeak / peak);
        double sum = 0;
        for (int c = 0; c < channels; c++)
        {
            var r = result.Plane(c);
            var t = truth.Plane(c);
            for (int i = 0; i < r.Length; i++)
            {
                double d = codes.Of(r[i]) - codes.Of(t[i]);
                sum += d * d;
            }
        }
        return MetricGuard.PsnrFromMse(sum / ((double)channels * result.PlaneSize), Pu21.PeakCode);
    }

    /// <summary>
    /// PU21 codes of min(v, peak)·scale, remembered by v's half bits when v is exactly a half (EXR frames are, mostly): the
    /// same values as computing each, with at most 65536 pairs of <see cref="Math.Pow"/> instead of two a sample.
    /// </summary>
    private sealed class Pu21Codes(float peak, double scale)
    {
        private readonly double[] _byHalf = CreateUnknown();

        private static double[] CreateUnknown()
        {
            var t = new double[65536];
            Array.Fill(t, double.NaN);
            return t;
        }

        public double Of(float v)
        {
            var h = (Half)v;
            if ((float)h != v) return Compute(v);
            ref double known = ref _byHalf[BitConverter.HalfToUInt16Bits(h)];
            if (double.IsNaN(known)) known = Compute(v);
            return known;
        }

        private double Compute(float v) => Pu21.Encode(Math.Min(v, peak) * scale);
    }
}
