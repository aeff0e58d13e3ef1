using System.Runtime.ExceptionServices;

namespace HdrOfx.Engine.Parallelism;

/// <summary>Bands on the .NET thread pool, at most <see cref="ParallelRange.MaxThreads"/> at once.</summary>
public sealed class ThreadPoolExecutor : IParallelExecutor
{
    public static ThreadPoolExecutor Instance { get; } = new();

    private ThreadPoolExecutor() { }

    public int Concurrency => ParallelRange.MaxThreads;

    public void Run(int count, Action<int> band) =>
        RunUnwrapped(count, Math.Min(count, Concurrency), band);

    /// <summary>Parallel.For that rethrows the first exception itself instead of an <see cref="AggregateException"/>.</summary>
    internal static void RunUnwrapped(int count, int maxDegree, Action<int> body)
    {
        try
        {
            Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, maxDegree) }, body);
        }
        catch (AggregateException e) when (e.InnerExceptions.Count >= 1)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
    }
}
