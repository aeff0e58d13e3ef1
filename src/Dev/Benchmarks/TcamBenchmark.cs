using System.Diagnostics;
using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.Models;
using HdrOfx.Engine.Reconstruction;
using HdrOfx.Engine.Tensors.Cpu;

namespace HdrOfx.Dev.Benchmarks;

public sealed record TcamBenchResult(int Width, int Height, double[] WallSeconds, double[] CpuSeconds, double WarmUpSeconds,
    long ArenaBytes, long PeakResidentBytes, int ProcessorCount)
{
    public double MeanWall => WallSeconds.Average();
    public double MedianWall => Timing.Median(WallSeconds);
    public double MeanCpu => CpuSeconds.Average();
}

/// <summary>
/// Times the `tcam` method with the given weights on the classical benchmark's procedural clip (2 exposures, panning
/// texture, moving square): one warm-up frame, then <c>frames</c> timed frames, each result disposed as a render does.
/// Used by `hdrofx bench --only tcam`.
/// </summary>
public static class TcamBenchmark
{
    public static TcamBenchResult Run(int width, int height, int frames, string weightsPath, Action<int, double, double>? perFrame = null)
    {
        if (width < 16 || height < 16) throw new ArgumentOutOfRangeException(nameof(width), $"bench size {width}x{height} is too small");
        if (frames < 1) throw new ArgumentOutOfRangeException(nameof(frames), "need at least one frame");
        var pattern = new ExposurePattern([-1.5, 1.5], 0);
        int r = pattern.DefaultRadius;
        var clip = ClassicalBenchmark.MakeClip(width, height, frames + 1 + 2 * r, pattern);
        using var net = TcamWeights.Load(weightsPath);
        var tcam = new TcamReconstruction(net);
        var opts = new ReconstructOptions { Method = tcam.Name };
        var wall = new double[frames];
        var cpu = new double[frames];
        double warmUp = 0;
        for (int i = 0; i <= frames; i++)
        {
            int t = r + i;
            var window = new FrameInput?[2 * r + 1];
            for (int k = -r; k <= r; k++) window[k + r] = clip[t + k];
            var (s, c) = Timing.Measure(() => tcam.Reconstruct(window, r, opts, CancellationToken.None).Dispose());
            if (i == 0) { warmUp = s; continue; }
            wall[i - 1] = s;
            cpu[i - 1] = c;
            perFrame?.Invoke(i, s, c);
        }
        return new TcamBenchResult(width, height, wall, cpu, warmUp, TensorArena.BytesAllocated, Process.GetCurrentProcess().PeakWorkingSet64,
            Environment.ProcessorCount);
    }
}
