using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using HdrOfx.Engine.Reconstruction;

namespace HdrOfx.Cli.Batch;

/// <summary>
/// Encodes and writes reconstructed frames on worker threads while the reconstruction goes on. At most <c>capacity</c>
/// frames wait; <see cref="Post"/> blocks beyond that. With one worker, frames are written in the order posted (a video).
/// The first failure stops the workers and is rethrown by the next <see cref="Post"/> or by <see cref="Complete"/>.
/// </summary>
public sealed class WriteBehind : IDisposable
{
    private readonly BlockingCollection<(int Frame, ReconstructResult Result)> _queue;
    private readonly Action<int, ReconstructResult> _write;
    private readonly CancellationTokenSource _stop;
    private readonly Thread[] _workers;
    private ExceptionDispatchInfo? _error;

    /// <param name="write">Writes one result; it runs on several threads at once when <paramref name="workers"/> &gt; 1.</param>
    public WriteBehind(Action<int, ReconstructResult> write, int workers, int capacity, CancellationToken cancel)
    {
        if (workers < 1 || capacity < 1) throw new ArgumentException("write-behind needs at least one worker and room for one frame");
        _write = write;
        _queue = new BlockingCollection<(int, ReconstructResult)>(capacity);
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        _workers = new Thread[workers];
        for (int i = 0; i < workers; i++)
        {
            _workers[i] = new Thread(Work) { IsBackground = true, Name = $"hdrofx write {i}" };
            _workers[i].Start();
        }
    }

    public void Post(int frame, ReconstructResult result)
    {
        ThrowIfFailed();
        try { _queue.Add((frame, result), _stop.Token); }
        catch (OperationCanceledException) { ThrowIfFailed(); throw; }
    }

    /// <summary>Waits until every posted frame is written; rethrows the first failure.</summary>
    public void Complete()
    {
        _queue.CompleteAdding();
        foreach (var w in _workers) w.Join();
        ThrowIfFailed();
        _stop.Token.ThrowIfCancellationRequested();
    }

    private void Work()
    {
        using var worker = PipelineWorker.Enter();
        try
        {
            foreach (var (frame, result) in _queue.GetConsumingEnumerable(_stop.Token))
            {
                _write(frame, result);
                result.Dispose();
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested) { }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref _error, ExceptionDispatchInfo.Capture(e), null);
            _stop.Cancel();
        }
    }

    private void ThrowIfFailed() => Volatile.Read(ref _error)?.Throw();

    /// <summary>Stops the workers (frames being written are finished) and waits for them.</summary>
    public void Dispose()
    {
        if (!_queue.IsAddingCompleted) _queue.CompleteAdding();
        _stop.Cancel();
        foreach (var w in _workers) w.Join();
        _stop.Dispose();
        _queue.Dispose();
    }
}
