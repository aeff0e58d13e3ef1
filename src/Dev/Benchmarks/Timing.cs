using System.Diagnostics;

namespace HdrOfx.Dev.Benchmarks;

/// <summary>The wall and process CPU time of one call, as every `hdrofx bench` row reports them.</summary>
public static class Timing
{
    public static (double WallSeconds, double CpuSeconds) Measure(Action body)
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        body();
        double wall = sw.Elapsed.TotalSeconds;
        return (wall, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds);
    }
}
