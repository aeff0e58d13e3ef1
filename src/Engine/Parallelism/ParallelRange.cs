namespace HdrOfx.Engine.Parallelism;

/// <summary>
/// The one parallel loop of the engine (ImageSharp's ParallelRowIterator, ofxsProcessing's row bands): splits
/// [0, count) into contiguous bands, runs each through an <see cref="IRangeOperation"/> struct on an
/// <see cref="IParallelExecutor"/>, and runs a single band inline, skipping the executor. Two sizing rules:
/// <see cref="For{T}"/> (bands of at least a grain of items, at most one per thread: the tensor kernels, the
/// plug-in's pixel transfers) and <see cref="ForRows{T}"/> (an image pass with a work estimate per row: inline when
/// small, else four bands per thread for balance). Inside <see cref="Jobs{T}"/> every loop runs inline: the
/// parallelism is then across whole jobs (a flow solve per job), without a pool round trip per small pyramid level.
/// </summary>
public static class ParallelRange
{
    /// <summary>Below this much work (per-row estimate × rows) a row pass runs on the calling thread.</summary>
    public const long MinParallelRowWork = 32_768;

    [ThreadStatic] private static int t_serial;
    private static int _maxThreads = Environment.ProcessorCount;

    /// <summary>Threads the default executor may use (default: processor count).</summary>
    public static int MaxThreads
    {
        get => _maxThreads;
        set => _maxThreads = value < 1 ? throw new ArgumentOutOfRangeException(nameof(value), $"{value} < 1") : value;
    }

    /// <summary>Bands of at least <paramref name="grain"/> items, at most <see cref="IParallelExecutor.Concurrency"/> of them.</summary>
    public static void For<T>(int count, int grain, in T operation, IParallelExecutor? executor = null) where T : struct, IRangeOperation
    {
        if (count <= 0) return;
        executor ??= ThreadPoolExecutor.Instance;
        int bands = Math.Min(executor.Concurrency, Math.Max(1, count / Math.Max(grain, 1)));
        Run(count, bands, operation, executor);
    }

    /// <summary>An image pass: inline below <see cref="MinParallelRowWork"/>, else up to four bands per thread.</summary>
    public static void ForRows<T>(int rows, long workPerRow, in T operation, IParallelExecutor? executor = null) where T : struct, IRangeOperation
    {
        if (rows <= 0) return;
        executor ??= ThreadPoolExecutor.Instance;
        int threads = executor.Concurrency;
        bool small = threads == 1 || rows < 2 || workPerRow * rows < MinParallelRowWork;
        Run(rows, small ? 1 : Math.Min(rows, threads * 4), operation, executor);
    }

    /// <summary>
    /// Independent jobs 0..count−1 (operation.Invoke(j, j + 1)) in parallel on the thread pool, each with its own
    /// loops inline. One job runs on the calling thread with normal band parallelism.
    /// </summary>
    public static void Jobs<T>(int count, in T operation) where T : struct, IRangeOperation
    {
        if (count <= 0) return;
        if (count == 1 || MaxThreads == 1 || t_serial > 0)
        {
            for (int j = 0; j < count; j++) operation.Invoke(j, j + 1);
            return;
        }
        var jobs = new Serial<T>(operation);
        ThreadPoolExecutor.RunUnwrapped(count, Math.Min(count, MaxThreads), jobs.Invoke);
    }

    /// <summary>
    /// Until disposed, every loop and job started on this thread runs inline on it: for a pipeline's worker threads
    /// (decode, encode), whose work must not spread onto the pool threads the reconstruction uses.
    /// </summary>
    public static InlineScope Inline()
    {
        t_serial++;
        return new InlineScope();
    }

    public readonly struct InlineScope : IDisposable
    {
        public void Dispose() => t_serial--;
    }

    private static void Run<T>(int count, int bands, in T operation, IParallelExecutor executor) where T : struct, IRangeOperation
    {
        if (bands <= 1 || t_serial > 0)
        {
            operation.Invoke(0, count);
            return;
        }
        executor.Run(bands, new Bands<T>(operation, count, bands).Invoke);
    }

    private sealed class Bands<T>(T operation, int count, int bands) where T : struct, IRangeOperation
    {
        public void Invoke(int b)
        {
            int start = (int)((long)count * b / bands), end = (int)((long)count * (b + 1) / bands);
            if (end > start) operation.Invoke(start, end);
        }
    }

    private sealed class Serial<T>(T operation) where T : struct, IRangeOperation
    {
        public void Invoke(int j)
        {
            t_serial++;
            try { operation.Invoke(j, j + 1); }
            finally { t_serial--; }
        }
    }
}
