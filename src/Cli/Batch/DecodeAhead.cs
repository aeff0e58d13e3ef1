using System.Runtime.ExceptionServices;
using HdrOfx.Engine.Imaging;

namespace HdrOfx.Cli.Batch;

/// <summary>
/// Decodes frames first..last on worker threads while the reconstruction works, at most <c>ahead</c> frames beyond the one
/// taken next, so memory stays bounded for any length. Frames are taken in order; a frame that failed to decode throws
/// when it is taken (so errors come in frame order). With one worker, frames are decoded in order (a video).
/// </summary>
public sealed class DecodeAhead : IDisposable
{
    private readonly Func<int, ImageF> _decode;
    private readonly int _last, _ahead;
    private readonly CancellationToken _cancel;
    private readonly object _gate = new();
    private readonly Dictionary<int, ImageF> _ready = new();
    private readonly Thread[] _workers;
    private ExceptionDispatchInfo? _error;
    private int _errorFrame = int.MaxValue, _nextClaim, _nextTake;
    private bool _stopped;

    public DecodeAhead(Func<int, ImageF> decode, int first, int last, int workers, int ahead, CancellationToken cancel)
    {
        if (workers < 1 || ahead < 1) throw new ArgumentException("decode-ahead needs at least one worker and one frame ahead");
        _decode = decode;
        _last = last;
        _ahead = ahead;
        _cancel = cancel;
        _nextClaim = _nextTake = first;
        _workers = new Thread[Math.Min(workers, Math.Max(1, last - first + 1))];
        for (int i = 0; i < _workers.Length; i++)
        {
            _workers[i] = new Thread(Work) { IsBackground = true, Name = $"hdrofx decode {i}" };
            _workers[i].Start();
        }
    }

    /// <summary>The decoded frame <paramref name="frame"/>, which must be the next in order.</summary>
    public ImageF Take(int frame)
    {
        lock (_gate)
        {
            if (frame != _nextTake) throw new InvalidOperationException($"frame {frame} taken out of order (expected {_nextTake})");
            ImageF? img;
            while (!_ready.TryGetValue(frame, out img))
            {
                if (_errorFrame <= frame) _error!.Throw();
                _cancel.ThrowIfCancellationRequested();
                Monitor.Wait(_gate, 200);
            }
            _ready.Remove(frame);
            _nextTake++;
            Monitor.PulseAll(_gate);
            return img;
        }
    }

    private void Work()
    {
        using var worker = PipelineWorker.Enter();
        while (true)
        {
            int t;
            lock (_gate)
            {
                while (!_stopped && _error is null && !_cancel.IsCancellationRequested && _nextClaim <= _last && _nextClaim >= _nextTake + _ahead)
                    Monitor.Wait(_gate, 200);
                if (_stopped || _error is not null || _cancel.IsCancellationRequested || _nextClaim > _last) return;
                t = _nextClaim++;
            }
            try
            {
                var img = _decode(t);
                lock (_gate)
                {
                    _ready[t] = img;
                    Monitor.PulseAll(_gate);
                }
            }
            catch (Exception e)
            {
                lock (_gate)
                {
                    if (t < _errorFrame) { _errorFrame = t; _error = ExceptionDispatchInfo.Capture(e); }
                    Monitor.PulseAll(_gate);
                }
                return;
            }
        }
    }

    /// <summary>Stops the workers and waits for them (a frame being decoded is finished first).</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _stopped = true;
            Monitor.PulseAll(_gate);
        }
        foreach (var w in _workers) w.Join();
    }
}
