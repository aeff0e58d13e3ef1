namespace HdrOfx.Engine.Classical;

/// <summary>
/// Splits rows [0, height) into contiguous bands and runs them on the thread pool
/// (ofxsProcessing-style). Small jobs run inline: the pool costs more than the work.
/// One delegate per call, nothing per pixel.
/// </summary>
internal static class RowParallel
{
    public static void For(int height, long workPerRow, Action<int, int> band)
    {
        int procs = Environment.ProcessorCount;
        long total = workPerRow * height;
        if (procs == 1 || height < 2 || total < 32_768)
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
}
