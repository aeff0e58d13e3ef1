using HdrOfx.Engine.Parallelism;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Parallelism;

[NonParallelizable]
public class ParallelRangeTests
{
    /// <summary>Runs bands in reverse order on the calling thread and records how many it was given.</summary>
    private sealed class RecordingExecutor(int concurrency) : IParallelExecutor
    {
        public readonly List<int> Calls = [];
        public int Concurrency => concurrency;

        public void Run(int count, Action<int> band)
        {
            Calls.Add(count);
            for (int i = count - 1; i >= 0; i--) band(i);
        }
    }

    /// <summary>Counts how often each item is visited; records the ranges it was given.</summary>
    private readonly struct Visit(int[] hits, List<(int, int)> ranges) : IRangeOperation
    {
        public void Invoke(int start, int end)
        {
            lock (ranges) ranges.Add((start, end));
            for (int i = start; i < end; i++) Interlocked.Increment(ref hits[i]);
        }
    }

    private readonly struct Throw : IRangeOperation
    {
        public void Invoke(int start, int end)
        {
            if (start <= 5 && 5 < end) throw new InvalidOperationException("item 5");
        }
    }

    [Test]
    public void For_visits_every_item_once_in_contiguous_bands_of_at_least_a_grain()
    {
        foreach (int n in new[] { 1, 2, 7, 16, 100, 257, 1000 })
        foreach (int grain in new[] { 1, 3, 16, 1000 })
        foreach (int threads in new[] { 1, 2, 5 })
        {
            var ex = new RecordingExecutor(threads);
            var hits = new int[n];
            var ranges = new List<(int, int)>();
            ParallelRange.For(n, grain, new Visit(hits, ranges), ex);
            string what = $"n {n}, grain {grain}, threads {threads}";
            Assert.That(hits, Has.All.EqualTo(1), what);
            int bands = Math.Min(threads, Math.Max(1, n / grain));
            Assert.That(ranges, Has.Count.EqualTo(bands), what);
            Assert.That(ex.Calls, Is.EqualTo(bands == 1 ? Array.Empty<int>() : new[] { bands }), what + ": one band runs inline, without the executor");
            if (bands > 1) Assert.That(ranges.Min(r => r.Item2 - r.Item1), Is.GreaterThanOrEqualTo(Math.Min(grain, n) / 2), what);
        }
    }

    [Test]
    public void ForRows_runs_small_passes_inline_and_large_ones_in_four_bands_per_thread()
    {
        var ex = new RecordingExecutor(2);
        var ranges = new List<(int, int)>();
        ParallelRange.ForRows(100, ParallelRange.MinParallelRowWork / 100 - 1, new Visit(new int[100], ranges), ex);
        Assert.That(ex.Calls, Is.Empty, "below the work threshold");
        Assert.That(ranges, Is.EqualTo(new[] { (0, 100) }));

        var hits = new int[100];
        ranges.Clear();
        ParallelRange.ForRows(100, (ParallelRange.MinParallelRowWork + 99) / 100, new Visit(hits, ranges), ex);
        Assert.That(ex.Calls, Is.EqualTo(new[] { 8 }));
        Assert.That(hits, Has.All.EqualTo(1));

        ranges.Clear();
        ParallelRange.ForRows(5, 1 << 20, new Visit(new int[5], ranges), ex);
        Assert.That(ranges, Has.Count.EqualTo(5), "never more bands than rows");
    }

    /// <summary>Every job runs its own loops inline: the recording executor is never asked, whatever the job does.</summary>
    private readonly struct NestedJob(RecordingExecutor ex, int[] hits) : IRangeOperation
    {
        public void Invoke(int start, int end)
        {
            for (int j = start; j < end; j++) ParallelRange.For(64, 1, new Visit(hits, []), ex);
        }
    }

    [Test]
    public void Loops_inside_jobs_run_inline_and_jobs_run_each_index_once()
    {
        var ex = new RecordingExecutor(4);
        var hits = new int[64];
        ParallelRange.Jobs(6, new NestedJob(ex, hits));
        Assert.That(ex.Calls, Is.Empty);
        Assert.That(hits, Has.All.EqualTo(6));
        ParallelRange.For(64, 1, new Visit(new int[64], []), ex);
        Assert.That(ex.Calls, Is.EqualTo(new[] { 4 }), "outside a job the loop is parallel again");
    }

    /// <summary>Two jobs that each wait for the other finish only when they run at the same time.</summary>
    [Test]
    public void Jobs_run_concurrently()
    {
        int threads = ParallelRange.MaxThreads;
        ParallelRange.MaxThreads = 2;
        try
        {
            using var barrier = new Barrier(2);
            var met = new bool[2];
            ParallelRange.Jobs(2, new MeetJob(barrier, met));
            Assert.That(met, Has.All.True, "each job saw the other arrive");
        }
        finally { ParallelRange.MaxThreads = threads; }
    }

    private readonly struct MeetJob(Barrier barrier, bool[] met) : IRangeOperation
    {
        public void Invoke(int start, int end)
        {
            for (int j = start; j < end; j++) met[j] = barrier.SignalAndWait(TimeSpan.FromSeconds(10));
        }
    }

    [Test]
    public void The_first_exception_comes_back_as_itself_not_wrapped()
    {
        var e1 = Assert.Throws<InvalidOperationException>(() => ParallelRange.For(64, 1, new Throw()));
        Assert.That(e1!.Message, Is.EqualTo("item 5"));
        Assert.Throws<InvalidOperationException>(() => ParallelRange.Jobs(8, new Throw()));
        Assert.Throws<InvalidOperationException>(() => ParallelRange.ForRows(64, 1 << 20, new Throw()));
    }

    [Test]
    public void MaxThreads_caps_the_default_executor_and_rejects_nonsense()
    {
        int was = ParallelRange.MaxThreads;
        try
        {
            ParallelRange.MaxThreads = 1;
            Assert.That(ThreadPoolExecutor.Instance.Concurrency, Is.EqualTo(1));
            var ranges = new List<(int, int)>();
            ParallelRange.For(1000, 1, new Visit(new int[1000], ranges));
            Assert.That(ranges, Is.EqualTo(new[] { (0, 1000) }), "one thread: one band, inline");
            Assert.Throws<ArgumentOutOfRangeException>(() => ParallelRange.MaxThreads = 0);
        }
        finally
        {
            ParallelRange.MaxThreads = was;
        }
    }

    /// <summary>Records the managed thread of every band it runs.</summary>
    private readonly struct Threads(HashSet<int> ids) : IRangeOperation
    {
        public void Invoke(int start, int end)
        {
            Thread.Sleep(1);
            lock (ids) ids.Add(Environment.CurrentManagedThreadId);
        }
    }

    [Test]
    public void InsideAnInlineScopeEveryLoopAndJobRunsOnTheCallingThread()
    {
        if (ParallelRange.MaxThreads < 2) Assert.Ignore("needs two threads to tell");
        var outside = new HashSet<int>();
        for (int k = 0; k < 20 && outside.Count < 2; k++) ParallelRange.Jobs(8, new Threads(outside));
        Assert.That(outside, Has.Count.GreaterThan(1), "without the scope the jobs should spread over the pool");

        var inside = new HashSet<int>();
        using (ParallelRange.Inline())
        {
            ParallelRange.Jobs(8, new Threads(inside));
            ParallelRange.ForRows(64, 1_000_000, new Threads(inside));
            ParallelRange.For(64, 1, new Threads(inside));
        }
        Assert.That(inside, Is.EquivalentTo(new[] { Environment.CurrentManagedThreadId }));

        var after = new HashSet<int>();
        for (int k = 0; k < 20 && after.Count < 2; k++) ParallelRange.Jobs(8, new Threads(after));
        Assert.That(after, Has.Count.GreaterThan(1), "the scope ended with its Dispose");
    }

    [Test]
    public void A_worker_thread_can_lower_its_own_priority_and_only_its_own()
    {
        if (!OperatingSystem.IsLinux()) Assert.Ignore("per-thread nice is Linux only");
        int? before = WorkerPriority.CurrentNice();
        Assert.That(before, Is.Not.Null);
        int? inWorker = null;
        bool set = false;
        var t = new Thread(() => { set = WorkerPriority.SetNice(before!.Value + 5); inWorker = WorkerPriority.CurrentNice(); });
        t.Start();
        t.Join();
        Assert.That(set, Is.True);
        Assert.That(inWorker, Is.EqualTo(Math.Min(19, before!.Value + 5)));
        Assert.That(WorkerPriority.CurrentNice(), Is.EqualTo(before), "the calling thread keeps its priority");
    }
}
