using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using HdrOfx.Engine.Imaging;

namespace HdrOfx.Engine.Metrics;

/// <summary>
/// SSIM (Wang et al. 2004) with an 11×11 Gaussian window, σ = 1.5, K1 = 0.01, K2 = 0.03, dynamic range 1,
/// computed per channel on "valid" windows (no padding) and averaged over channels.
/// </summary>
public static class Ssim
{
    public const int Radius = 5;
    public const double Sigma = 1.5, K1 = 0.01, K2 = 0.03;

    /// <summary>SSIM-μ: SSIM of the μ-law tonemapped frames (H/peak, clamped).</summary>
    public static double Mu(ImageF result, ImageF truth, float peak)
    {
        int channels = MetricGuard.CheckPair(result, truth);
        MetricGuard.CheckPeak(peak);
        var a = Scratch.Rent(result.PlaneSize);
        var b = Scratch.Rent(result.PlaneSize);
        try
        {
            double total = 0;
            for (int c = 0; c < channels; c++)
            {
                MuLaw.Apply(result.Plane(c), peak, a);
                MuLaw.Apply(truth.Plane(c), peak, b);
                total += OnPlane(a, b, result.Width, result.Height);
            }
            return total / channels;
        }
        finally
        {
            Scratch.Return(a);
            Scratch.Return(b);
        }
    }

    /// <summary><see cref="Mu"/> of frames already tonemapped by <see cref="MuLaw.Tonemap"/> with the same peak: the same value.</summary>
    public static double MuOfTonemapped(ImageF result, ImageF truth)
    {
        int channels = MetricGuard.CheckPair(result, truth);
        double total = 0;
        for (int c = 0; c < channels; c++) total += OnPlane(result.Plane(c), truth.Plane(c), result.Width, result.Height);
        return total / channels;
    }

    internal static double[] Kernel()
    {
        var k = new double[2 * Radius + 1];
        double s = 0;
        for (int i = -Radius; i <= Radius; i++) s += k[i + Radius] = Math.Exp(-(i * i) / (2 * Sigma * Sigma));
        for (int i = 0; i < k.Length; i++) k[i] /= s;
        return k;
    }

    /// <summary>Output columns per strip: the strip's ring of horizontal sums (4 × 12 rows × 72 doubles, 27 KiB) stays in L1.</summary>
    internal const int Strip = 64;

    /// <summary>
    /// Mean SSIM of two single-channel planes with values in [0,1], in float64. The 11-tap Gaussian is symmetric, so
    /// each pass adds the two samples that share a weight and takes six fused multiply-adds instead of eleven products:
    /// the rounding differs from the per-pixel formula in the last bits (tests: within 1e-10 of a float64 per-pixel
    /// reference; docs/metrics.md). Columns run in strips of <see cref="Strip"/>; within a strip, each row's horizontal
    /// pass (of x, y, x² + y², xy: the variances enter SSIM only as their sum) goes into a ring of the last 12 rows, from which the vertical pass filters two output rows at a time (they share 11 of their 12 input rows; the horizontal pass likewise takes eight columns from 15 loads).
    /// </summary>
    public static double OnPlane(ReadOnlySpan<float> x, ReadOnlySpan<float> y, int width, int height)
    {
        if (width < 2 * Radius + 1 || height < 2 * Radius + 1)
            throw new ArgumentException($"SSIM needs at least {2 * Radius + 1}x{2 * Radius + 1} pixels, got {width}x{height}");
        if (x.Length < (long)width * height || y.Length < (long)width * height)
            throw new ArgumentException($"planes hold {x.Length} and {y.Length} samples, fewer than {width}x{height}");
        var k = Kernel();
        int ow = width - 2 * Radius, oh = height - 2 * Radius;
        // A ring row holds a strip plus one cache line: rows a power of two apart would share a few L1 sets among the 48
        // rows the vertical pass reads at once, and every load would miss.
        int strip = Math.Min(Strip, ow), stride = strip + 2 * Radius, ringRow = strip + 8;
        var rows = ArrayPool<double>.Shared.Rent(4 * stride);
        var ring = ArrayPool<double>.Shared.Rent(4 * SsimRows.Taps1 * ringRow);
        Span<int> slots = stackalloc int[SsimRows.Taps1];
        double total = 0;
        try
        {
            for (int x0 = 0; x0 < ow; x0 += strip)
            {
                int sw = Math.Min(strip, ow - x0);
                for (int row = 0; row < height; row++)
                {
                    Products(x.Slice(row * width + x0, sw + 2 * Radius), y.Slice(row * width + x0, sw + 2 * Radius), rows, stride);
                    SsimRows.Horizontal(rows, stride, ring, row % SsimRows.Taps1, ringRow, sw, k);
                    // Output rows in pairs (oy, oy + 1) once their twelve input rows are in the ring; an odd last one alone.
                    int oy = row - 2 * Radius - 1;
                    if (oy >= 0 && oy % 2 == 0)
                    {
                        for (int i = 0; i < SsimRows.Taps1; i++) slots[i] = (oy + i) % SsimRows.Taps1;
                        total += SsimRows.Vertical2(ring, slots, ringRow, sw, k);
                    }
                }
                if (oh % 2 == 1)
                {
                    for (int i = 0; i < Taps; i++) slots[i] = (oh - 1 + i) % SsimRows.Taps1;
                    total += SsimRows.Vertical(ring, slots[..Taps], ringRow, sw, k);
                }
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(rows);
            ArrayPool<double>.Shared.Return(ring);
        }
        return total / ((double)ow * oh);
    }

    private const int Taps = 2 * Radius + 1;

    /// <summary>x, y, x² + y², xy of one strip row in float64, quantity q at rows[q·stride ..].</summary>
    private static void Products(ReadOnlySpan<float> x, ReadOnlySpan<float> y, double[] rows, int stride)
    {
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        ref double d = ref MemoryMarshal.GetArrayDataReference(rows);
        if (rows.Length < 3 * stride + x.Length || y.Length != x.Length) throw new ArgumentException("strip row buffers too small");
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; j + 4 <= x.Length; j += 4)
            {
                var a = Vector256.WidenLower(Vector128.LoadUnsafe(ref xr, (nuint)j).ToVector256Unsafe());
                var b = Vector256.WidenLower(Vector128.LoadUnsafe(ref yr, (nuint)j).ToVector256Unsafe());
                ref double o = ref Unsafe.Add(ref d, j);
                a.StoreUnsafe(ref o);
                b.StoreUnsafe(ref o, (nuint)stride);
                (a * a + b * b).StoreUnsafe(ref o, (nuint)(2 * stride));
                (a * b).StoreUnsafe(ref o, (nuint)(3 * stride));
            }
        for (; j < x.Length; j++)
        {
            double a = Unsafe.Add(ref xr, j), b = Unsafe.Add(ref yr, j);
            ref double o = ref Unsafe.Add(ref d, j);
            o = a;
            Unsafe.Add(ref o, stride) = b;
            Unsafe.Add(ref o, 2 * stride) = a * a + b * b;
            Unsafe.Add(ref o, 3 * stride) = a * b;
        }
    }
}
