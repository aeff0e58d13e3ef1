using System.Diagnostics;

namespace HdrOfx.Dev.Benchmarks;

/// <summary>The wall and process CPU time of one call, as every `hdrofx bench` row reports them, and their median.</summary>
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

    /// <summary>The median (the mean of the middle two for an even count).</summary>
    public static double Median(double[] v)
    {
        var s = v.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : 0.5 * (s[s.Length / 2 - 1] + s[s.Length / 2]);
    }
}
