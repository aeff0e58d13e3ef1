using System.Runtime.ExceptionServices;

namespace HdrOfx.Engine.Classical;

/// <summary>
/// Splits rows [0, height) into contiguous bands and runs them on the thread pool
/// (ofxsProcessing-style). Small jobs run inline: the pool costs more than the work.
/// One delegate per call, nothing per pixel. Inside <see cref="Tasks"/> every band loop runs inline: the parallelism
/// is then across whole jobs (a flow solve per job), which avoids a pool round trip per small pyramid-level pass.
/// </summary>
internal static class RowParallel
{
    [ThreadStatic] private static int t_serial;

    public static void For(int height, long workPerRow, Action<int, int> band)
    {
        int procs = Environment.ProcessorCount;
        long total = workPerRow * height;
        if (t_serial > 0 || procs == 1 || height < 2 || total < 32_768)
        {
            band(0, height);
            return;
        }
        int bands = Math.Min(height, procs * 4);
        Parallel.For(0, bands, b =>
        {
            int y0 = (int)((long)height * b / bands);
            int y1 = (int)((long)height * (b + 1) / bands);
            if (y1 > y0) band(y0, y1);
        });
    }

    /// <summary>
    /// Runs independent jobs 0..count−1 in parallel, each with its band loops inline. One job runs on the calling thread
    /// with normal band parallelism. An exception from a job is rethrown as itself, not wrapped.
    /// </summary>
    public static void Tasks(int count, Action<int> job)
    {
        if (count <= 0) return;
        if (count == 1 || Environment.ProcessorCount == 1)
        {
            for (int j = 0; j < count; j++) job(j);
            return;
        }
        try
        {
            Parallel.For(0, count, j =>
            {
                t_serial++;
                try { job(j); }
                finally { t_serial--; }
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.Count >= 1)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
    }
}
