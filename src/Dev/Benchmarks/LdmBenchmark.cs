using System.Diagnostics;
using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.Models;
using HdrOfx.Engine.Models.Ldm;
using HdrOfx.Engine.Models.Zica;
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
        Action<int, int, double, double>? perFrame = null, CancellationToken cancel = default) =>
        Run(width, height, steps, frames, () =>
        {
            var model = LdmWeights.Load(weightsPath);
            return (new HdrLdmReconstruction(model), model);
        }, [MakeFrame(width, height)], HdrLdmReconstruction.MethodName, perFrame, cancel);

    /// <summary>
    /// The same runs for `hdr-v-diff` (TCAM, HDR-LDM and ZiCA from <paramref name="modelsDir"/>): the reference frame
    /// of <see cref="MakeFrame"/> at EV 0 between two at EV −2 (a 2-exposure window; the scene holds still).
    /// </summary>
    public static LdmBenchResult RunHdrVDiff(int width, int height, IReadOnlyList<int> steps, int frames, string modelsDir,
        Action<int, int, double, double>? perFrame = null, CancellationToken cancel = default) =>
        Run(width, height, steps, frames, () =>
        {
            var tcam = TcamWeights.Load(Path.Combine(modelsDir, TcamWeights.FileName));
            var ldm = LdmWeights.Load(Path.Combine(modelsDir, LdmWeights.FileName));
            var model = new HdrVDiff(tcam, ldm, ZicaWeights.Load(Path.Combine(modelsDir, ZicaWeights.FileName), tcam, ldm));
            return (new HdrVDiffReconstruction(model), new Disposables(model, ldm, tcam));
        }, [MakeFrame(width, height, -2), MakeFrame(width, height), MakeFrame(width, height, -2)], HdrVDiffReconstruction.MethodName, perFrame, cancel);

    private static LdmBenchResult Run(int width, int height, IReadOnlyList<int> steps, int frames,
        Func<(IReconstructionMethod Method, IDisposable Models)> load, FrameInput?[] window, string methodName,
        Action<int, int, double, double>? perFrame, CancellationToken cancel)
    {
        if (width < 16 || height < 16) throw new ArgumentOutOfRangeException(nameof(width), $"bench size {width}x{height} is too small");
        if (frames < 1) throw new ArgumentOutOfRangeException(nameof(frames), "need at least one frame");
        if (steps.Count == 0) throw new ArgumentException("need at least one DDIM step count", nameof(steps));
        int refIndex = window.Length / 2;
        double clipped = ClippedFraction(window[refIndex]!.Linear);
        // Earlier suites of the same run leave arrays in the arena; drop them so its count below is this suite's alone.
        TensorArena.Trim();
        long arena0 = TensorArena.BytesAllocated;
        IDisposable? models = null;
        try
        {
            IReconstructionMethod? method = null;
            var (loadSeconds, _) = Timing.Measure(() => (method, models) = load());
            double Once(int n) => Timing.Measure(() => method!.Reconstruct(window, refIndex, Options(methodName, n), cancel).Dispose()).WallSeconds;
            double warmUp = Once(1);
            var rows = new LdmStepsResult[steps.Count];
            for (int s = 0; s < steps.Count; s++)
            {
                var wall = new double[frames];
                var cpu = new double[frames];
                for (int i = 0; i < frames; i++)
                {
                    cancel.ThrowIfCancellationRequested();
                    var opts = Options(methodName, steps[s]);
                    (wall[i], cpu[i]) = Timing.Measure(() => method!.Reconstruct(window, refIndex, opts, cancel).Dispose());
                    perFrame?.Invoke(steps[s], i + 1, wall[i], cpu[i]);
                }
                rows[s] = new LdmStepsResult(steps[s], wall, cpu, TensorArena.BytesAllocated - arena0, Process.GetCurrentProcess().PeakWorkingSet64);
            }
            return new LdmBenchResult(width, height, clipped, loadSeconds, warmUp, rows, Environment.ProcessorCount);
        }
        finally
        {
            models?.Dispose();
        }
    }

    private sealed class Disposables(params IDisposable[] items) : IDisposable
    {
        public void Dispose()
        {
            foreach (var d in items) d.Dispose();
        }
    }

    private static ReconstructOptions Options(string method, int steps) =>
        new() { Method = method, DiffusionSteps = steps, HighlightRecovery = 1f, PriorStrength = 1f };

    /// <summary>
    /// One single-exposure frame at EV 0, linear values in [0, 1]: a smooth mid-grey texture (0.05 to 0.6), a bright
    /// disc (radiance up to 4) at the left third and a bright band (radiance 2.5, a sky or a window) across the top
    /// tenth to fifth, both clipped at 1 with a soft rim below the clip, so the frame has clipped, nearly clipped and
    /// unclipped pixels as real footage does. At another <paramref name="ev"/> the same radiance is scaled by 2^EV first.
    /// </summary>
    public static FrameInput MakeFrame(int width, int height, double ev = 0)
    {
        var img = new ImageF(width, height, 3);
        int n = width * height;
        float cx = width / 3f, cy = height / 2f, radius = Math.Min(width, height) / 6f;
        float bandTop = height / 10f, bandBottom = height / 5f, gain = (float)Math.Pow(2, ev);
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
                    img.Data[c * n + p] = Math.Min((tex + tint * (disc + band)) * gain, 1f);
                }
            }
        return new FrameInput(img, ev);
    }

    private static double ClippedFraction(ImageF linear)
    {
        int n = linear.PlaneSize, count = 0;
        for (int p = 0; p < n; p++)
            if (linear.Data[p] >= 1f || linear.Data[n + p] >= 1f || linear.Data[2 * n + p] >= 1f) count++;
        return count / (double)n;
    }
}
