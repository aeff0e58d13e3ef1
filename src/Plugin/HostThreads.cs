using HdrOfx.Engine.Parallelism;
using HdrOfx.Interop.Support;

namespace HdrOfx.Plugin;

/// <summary>
/// The engine's parallel loop (<see cref="ParallelRange"/>) on the host's threads through its multithread suite, as
/// ofxsProcessing splits a render window into row bands. Abort is checked before each band.
/// </summary>
internal sealed class HostThreads(Func<bool>? isAborted) : IParallelExecutor
{
    /// <summary>Fewest rows a band gets: smaller bands cost more in host thread hand-offs than they save.</summary>
    public const int MinRowsPerBand = 16;

    private int _aborted;

    public int Concurrency => HostMultiThread.Threads;

    public void Run(int count, Action<int> band) => HostMultiThread.Run(count, i =>
    {
        if (Volatile.Read(ref _aborted) != 0) return;
        if (isAborted?.Invoke() == true)
        {
            Volatile.Write(ref _aborted, 1);
            return;
        }
        band(i);
    });

    /// <summary>Rows 0..<paramref name="rows"/>−1 of <paramref name="operation"/> in bands on the host's threads; throws
    /// <see cref="OfxAbortException"/> when the host aborts the render before or during the run.</summary>
    public static void ForRows<T>(int rows, in T operation, Func<bool>? isAborted) where T : struct, IRangeOperation
    {
        if (rows <= 0) return;
        if (isAborted?.Invoke() == true) throw new OfxAbortException();
        var threads = new HostThreads(isAborted);
        ParallelRange.For(rows, MinRowsPerBand, operation, threads);
        if (threads._aborted != 0) throw new OfxAbortException();
    }
}
