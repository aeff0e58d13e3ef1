namespace HdrOfx.Engine.Tensors.Cpu;

/// <summary>A range of work items; a struct so the JIT specializes the loop body (no delegate per item).</summary>
internal interface IRangeBody
{
    void Run(int start, int end);
}

/// <summary>
/// Splits [0, n) into at most <see cref="MaxThreads"/> contiguous chunks of at least <c>grain</c> items.
/// One chunk runs inline, skipping the thread pool (ImageSharp's ParallelRowIterator does the same).
/// </summary>
public static class CpuParallel
{
    private static int _maxThreads = Environment.ProcessorCount;

    /// <summary>Threads the CPU kernels may use (default: processor count).</summary>
    public static int MaxThreads
    {
        get => _maxThreads;
        set => _maxThreads = value < 1 ? throw new ArgumentOutOfRangeException(nameof(value), $"{value} < 1") : value;
    }

    internal static void For<T>(int n, int grain, T body) where T : struct, IRangeBody
    {
        if (n <= 0) return;
        int chunks = Math.Min(_maxThreads, Math.Max(1, n / Math.Max(grain, 1)));
        if (chunks <= 1) { body.Run(0, n); return; }
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = chunks }, c =>
        {
            long s = (long)n * c / chunks, e = (long)n * (c + 1) / chunks;
            body.Run((int)s, (int)e);
        });
    }
}
