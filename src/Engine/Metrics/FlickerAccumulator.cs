using HdrOfx.Engine.Imaging;

namespace HdrOfx.Engine.Metrics;

/// <summary>
/// The flicker of a clip whose frames are scored in any order, from several threads: each frame's μ-law pair
/// (<see cref="FramePairMetrics.Score"/>) is handed in once; the terms of frames t−1, t are taken as soon as both are in,
/// and a frame's μ-law images are disposed once both its neighbour terms are taken, so only the frames still waiting for
/// a neighbour stay in memory. Each pair's terms are <see cref="FlickerKernel.Pair"/>'s and they are added in frame
/// order, so <see cref="Value"/> equals <see cref="TemporalStability.FlickerOfTonemapped"/> of the same frames to the bit.
/// </summary>
public sealed class FlickerAccumulator(int frames, float staticThreshold = 1e-3f)
{
    private readonly ImageF?[] _result = new ImageF?[frames], _truth = new ImageF?[frames];
    private readonly bool[] _in = new bool[frames], _pairDone = new bool[frames];
    private readonly double[] _sums = new double[frames];
    private readonly long[] _counts = new long[frames];
    private readonly object _gate = new();

    /// <summary>Frame <paramref name="t"/>'s μ-law result and truth; the accumulator owns and disposes them.</summary>
    public void Add(int t, ImageF tonedResult, ImageF tonedTruth)
    {
        if ((uint)t >= (uint)frames) throw new ArgumentOutOfRangeException(nameof(t), $"frame {t} is outside 0..{frames - 1}");
        MetricGuard.CheckPair(tonedResult, tonedTruth);
        int before = -1, after = -1;
        lock (_gate)
        {
            if (_in[t]) throw new InvalidOperationException($"frame {t} was already added");
            (_result[t], _truth[t], _in[t]) = (tonedResult, tonedTruth, true);
            if (t > 0 && _in[t - 1]) before = t;
            if (t + 1 < frames && _in[t + 1]) after = t + 1;
        }
        // The pairs' terms outside the lock: both frames of a pair are in, and neither is disposed before its pairs are done.
        if (before > 0) Take(before);
        if (after > 0) Take(after);
        lock (_gate)
        {
            if (before > 0) _pairDone[before] = true;
            if (after > 0) _pairDone[after] = true;
            for (int k = Math.Max(0, t - 1); k <= Math.Min(frames - 1, t + 1); k++) ReleaseIfDone(k);
        }
    }

    /// <summary>Mean |ΔT(result)| over the still pixels of every consecutive pair; every frame must have been added.</summary>
    public double Value()
    {
        double sum = 0;
        long n = 0;
        lock (_gate)
        {
            for (int t = 0; t < frames; t++)
                if (!_in[t]) throw new InvalidOperationException($"frame {t} was never added");
            for (int t = 1; t < frames; t++) { sum += _sums[t]; n += _counts[t]; }
        }
        return n == 0 ? 0 : sum / n;
    }

    /// <summary>The terms of frames t−1 and t.</summary>
    private void Take(int t)
    {
        ImageF rn = _result[t]!, tn = _truth[t]!, rb = _result[t - 1]!, tb = _truth[t - 1]!;
        int channels = MetricGuard.CheckPair(rn, tn);
        if (!rn.SameSize(rb) || MetricGuard.CheckPair(rb, tb) != channels)
            throw new ArgumentException($"frame {t} differs in size or channels from frame {t - 1}");
        (_sums[t], _counts[t]) = FlickerKernel.Pair(tn.Data, tb.Data, rn.Data, rb.Data, rn.PlaneSize, channels, staticThreshold);
    }

    /// <summary>Disposes frame k's μ-law images once the pairs on both its sides are done (under the lock).</summary>
    private void ReleaseIfDone(int k)
    {
        if (_result[k] is null) return;
        bool left = k == 0 || _pairDone[k], right = k == frames - 1 || _pairDone[k + 1];
        if (!left || !right) return;
        _result[k]!.Dispose();
        _truth[k]!.Dispose();
        _result[k] = _truth[k] = null;
    }
}
