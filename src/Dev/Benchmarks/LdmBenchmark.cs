using System.Diagnostics;
using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.Models.Ldm;
using HdrOfx.Engine.Reconstruction;
using HdrOfx.Engine.Tensors.Cpu;

namespace HdrOfx.Dev.Benchmarks;

/// <summary>
/// The timed runs at one DDIM step count. Memory is read once the runs are done: <see cref="ArenaBytes"/> is what the
/// tensor arena allocated fresh since the suite began (it pools what it allocates, so this is its peak footprint, or a
/// little over it), <see cref="PeakResidentBytes"/> the process's peak resident set (VmHWM on Linux) since it started.
/// </summary>
public sealed record LdmStepsResult(int Steps, double[] WallSeconds, double[] CpuSeconds, long ArenaBytes, long PeakResidentBytes)
{
    public double MeanWall => WallSeconds.Average();
    public double MedianWall => Timing.Median(WallSeconds);
    public double MeanCpu => CpuSeconds.Average();
}

/// <param name="ClippedFraction">Share of the frame's pixels with a channel at 1 (what HDR-LDM has to fill in).</param>
/// <param name="LoadSeconds">Loading the weights file.</param>
/// <param name="WarmUpSeconds">The one warm-up frame at 1 DDIM step (JIT, arena), before every timed run.</param>
public sealed record LdmBenchResult(int Width, int Height, double ClippedFraction, double LoadSeconds, double WarmUpSeconds,
    LdmStepsResult[] Rows, int ProcessorCount);

/// <summary>
/// Times the `hdr-ldm` method (single exposure, EV 0) with the given weights on one procedural frame that has clipped
/// areas (<see cref="MakeFrame"/>): one warm-up frame at 1 DDIM step, then for each step count <c>frames</c> timed
/// frames, each result disposed as a render does. Used by `hdrofx bench --only ldm`.
/// </summary>
public static class LdmBenchmark
{
    public static LdmBenchResult Run(int width, int height, IReadOnlyList<int> steps, int frames, string weightsPath,
        Action<int, int, double, double>? perFrame = null, CancellationToken cancel = default)
    {
        if (width < 16 || height < 16) throw new ArgumentOutOfRangeException(nameof(width), $"bench size {width}x{height} is too small");
        if (frames < 1) throw new ArgumentOutOfRangeException(nameof(frames), "need at least one frame");
        if (steps.Count == 0) throw new ArgumentException("need at least one DDIM step count", nameof(steps));
        var frame = MakeFrame(width, height);
        double clipped = ClippedFraction(frame.Linear);
        // Earlier suites of the same run leave arrays in the arena; drop them so its count below is this suite's alone.
        TensorArena.Trim();
        long arena0 = TensorArena.BytesAllocated;
        HdrLdm? model = null;
        try
        {
            var (load, _) = Timing.Measure(() => model = LdmWeights.Load(weightsPath));
            var method = new HdrLdmReconstruction(model!);
            var window = new FrameInput?[] { frame };
            double Once(int n) => Timing.Measure(() => method.Reconstruct(window, 0, Options(n), cancel).Dispose()).WallSeconds;
            double warmUp = Once(1);
            var rows = new LdmStepsResult[steps.Count];
            for (int s = 0; s < steps.Count; s++)
            {
                var wall = new double[frames];
                var cpu = new double[frames];
                for (int i = 0; i < frames; i++)
                {
                    cancel.ThrowIfCancellationRequested();
                    var opts = Options(steps[s]);
                    (wall[i], cpu[i]) = Timing.Measure(() => method.Reconstruct(window, 0, opts, cancel).Dispose());
                    perFrame?.Invoke(steps[s], i + 1, wall[i], cpu[i]);
                }
                rows[s] = new LdmStepsResult(steps[s], wall, cpu, TensorArena.BytesAllocated - arena0, Process.GetCurrentProcess().PeakWorkingSet64);
            }
            return new LdmBenchResult(width, height, clipped, load, warmUp, rows, Environment.ProcessorCount);
        }
        finally
        {
            model?.Dispose();
        }
    }

    private static ReconstructOptions Options(int steps) =>
        new() { Method = HdrLdmReconstruction.MethodName, DiffusionSteps = steps, HighlightRecovery = 1f };

    /// <summary>
    /// One single-exposure frame at EV 0, linear values in [0, 1]: a smooth mid-grey texture (0.05 to 0.6), a bright
    /// disc (radiance up to 4) at the left third and a bright band (radiance 2.5, a sky or a window) across the top
    /// tenth to fifth, both clipped at 1 with a soft rim below the clip, so the frame has clipped, nearly clipped and
    /// unclipped pixels as real footage does.
    /// </summary>
    public static FrameInput MakeFrame(int width, int height)
    {
        var img = new ImageF(width, height, 3);
        int n = width * height;
        float cx = width / 3f, cy = height / 2f, radius = Math.Min(width, height) / 6f;
        float bandTop = height / 10f, bandBottom = height / 5f;
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int p = y * width + x;
                float u = x / (float)width, v = y / (float)height;
                float d = MathF.Sqrt((x - cx) * (x - cx) + (y - cy) * (y - cy)) / radius;
                // Disc: 4 at the centre falling to 0 at 1.5 radii, so its edge crosses the clip; band: 2.5 with 2-px ramps.
                float disc = 4f * Math.Clamp(1.5f - d, 0f, 1f);
                float band = 2.5f * Math.Clamp(Math.Min(y - bandTop, bandBottom - y) / 2f, 0f, 1f);
                for (int c = 0; c < 3; c++)
                {
                    float tex = 0.325f + 0.275f * MathF.Sin(6.283f * (1.7f * u + 0.9f * v + 0.21f * c)) * MathF.Cos(6.283f * 1.3f * v);
                    float tint = c == 2 ? 0.9f : 1f; // not quite grey: one channel clips later than the others
                    img.Data[c * n + p] = Math.Min(tex + tint * (disc + band), 1f);
                }
            }
        return new FrameInput(img, 0);
    }

    private static double ClippedFraction(ImageF linear)
    {
        int n = linear.PlaneSize, count = 0;
        for (int p = 0; p < n; p++)
            if (linear.Data[p] >= 1f || linear.Data[n + p] >= 1f || linear.Data[2 * n + p] >= 1f) count++;
        return count / (double)n;
    }
}
