namespace HdrOfx.Engine.Parallelism;

/// <summary>
/// Where the bands of a <see cref="ParallelRange"/> loop run: the .NET thread pool (<see cref="ThreadPoolExecutor"/>)
/// by default, the host's threads in the plug-in (its multithread suite adapter).
/// </summary>
public interface IParallelExecutor
{
    /// <summary>How many bands may usefully run at once from the calling thread (1: run everything here).</summary>
    int Concurrency { get; }

    /// <summary>Runs <paramref name="band"/>(i) for every i in [0, <paramref name="count"/>), possibly concurrently,
    /// and returns when all have finished. The first exception is rethrown as itself.</summary>
    void Run(int count, Action<int> band);
}
