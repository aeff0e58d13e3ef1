using HdrOfx.Engine.Parallelism;

namespace HdrOfx.Cli.Batch;

/// <summary>
/// What a pipeline worker thread (decode ahead, write behind) does first: it keeps its work on itself
/// (<see cref="ParallelRange.Inline"/>) and lowers its own priority (nice +10), so that on a machine with few cores the
/// reconstruction's threads keep the cores they can use and the codecs run in the time the reconstruction leaves idle
/// (its per-neighbour flow jobs wait for each other). HDROFX_BATCH_WORKER_NICE=0 keeps the normal priority (for A/B
/// benchmarks; docs/benchmarks.md).
/// </summary>
internal static class PipelineWorker
{
    public const int Nice = 10;

    public static ParallelRange.InlineScope Enter()
    {
        // A failure leaves the thread at normal priority, which is correct, only slower on a busy machine.
        if (Environment.GetEnvironmentVariable("HDROFX_BATCH_WORKER_NICE") is not "0") WorkerPriority.SetNice(Nice);
        return ParallelRange.Inline();
    }
}
