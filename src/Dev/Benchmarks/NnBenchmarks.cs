using System.Diagnostics;
using HdrOfx.Dev.Nn;
using HdrOfx.Engine.Nn;
using HdrOfx.Engine.Tensors.Cpu;

namespace HdrOfx.Dev.Benchmarks;

/// <summary>Result of <see cref="NnBenchmarks.UNetTrainStep"/>.</summary>
public sealed record TrainStepBenchmark(
    int Size, int Batch, int BaseChannels, long Parameters, int Steps, int Threads,
    double MedianMs, double MinMs, double MeanMs, double ForwardMedianMs, double BackwardMedianMs, double OptimizerMedianMs,
    long ManagedBytesPerStep, long ArenaBytesPerStep, float FirstLoss, float LastLoss)
{
    public override string ToString() =>
        $"U-Net train step {Batch}x3x{Size}x{Size}, base {BaseChannels} ch, {Parameters} params, {Threads} threads: " +
        $"median {MedianMs:F1} ms (min {MinMs:F1}, mean {MeanMs:F1}) over {Steps} steps " +
        $"[forward {ForwardMedianMs:F1}, backward {BackwardMedianMs:F1}, AdamW {OptimizerMedianMs:F1}]; " +
        $"managed alloc {ManagedBytesPerStep / 1024.0:F1} KiB/step, arena fresh {ArenaBytesPerStep / 1024.0:F1} KiB/step; loss {FirstLoss:G4} → {LastLoss:G4}";
}

/// <summary>Stopwatch-based measurements for <c>hdrofx bench</c> (plain methods, no benchmark framework).</summary>
public static class NnBenchmarks
{
    /// <summary>
    /// Times one training step — forward, MSE loss, backward, AdamW — of <see cref="SmallUNet"/> on a fixed random
    /// batch [batch, 3, size, size]. <paramref name="warmup"/> steps fill the tensor arena first; the timed steps then
    /// report wall time and the bytes allocated per step, both on the managed heap (all threads,
    /// <see cref="GC.GetTotalAllocatedBytes(bool)"/>) and as fresh arena arrays (<see cref="TensorArena.BytesAllocated"/>).
    /// </summary>
    public static TrainStepBenchmark UNetTrainStep(int size = 128, int batch = 4, int baseChannels = 16, int warmup = 2, int steps = 5, ulong seed = 1)
    {
        if (size <= 0 || size % 4 != 0) throw new ArgumentOutOfRangeException(nameof(size), $"size {size} must be a positive multiple of 4");
        if (steps <= 0 || warmup < 0) throw new ArgumentOutOfRangeException(nameof(steps), "steps must be positive and warmup non-negative");
        var rng = new Rng(seed);
        using var net = new SmallUNet(3, 3, baseChannels, rng);
        using var x = TensorScope.Detach(Tensor.Randn(rng, batch, 3, size, size));
        using var target = TensorScope.Detach(Tensor.Randn(rng, batch, 3, size, size));
        var opt = new AdamW(net.NamedParameters(), lr: 1e-3);
        float first = float.NaN, last = float.NaN;
        var fwd = new double[steps]; var bwd = new double[steps]; var upd = new double[steps];
        int timed = -1;
        float Step()
        {
            using var scope = new TensorScope();
            long t0 = Stopwatch.GetTimestamp();
            var loss = Tensor.MseLoss(net.Forward(x), target);
            float l = loss.Item();
            long t1 = Stopwatch.GetTimestamp();
            loss.Backward();
            long t2 = Stopwatch.GetTimestamp();
            opt.Step();
            net.ZeroGrad();
            long t3 = Stopwatch.GetTimestamp();
            if (timed >= 0)
            {
                fwd[timed] = Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds;
                bwd[timed] = Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds;
                upd[timed] = Stopwatch.GetElapsedTime(t2, t3).TotalMilliseconds;
            }
            return l;
        }
        for (int i = 0; i < warmup; i++) { float l = Step(); if (i == 0) first = l; }
        var times = new double[steps];
        long managed0 = GC.GetTotalAllocatedBytes(true);
        long arena0 = TensorArena.BytesAllocated;
        for (int i = 0; i < steps; i++)
        {
            timed = i;
            long t0 = Stopwatch.GetTimestamp();
            last = Step();
            times[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            if (warmup == 0 && i == 0) first = last;
        }
        long managed = GC.GetTotalAllocatedBytes(true) - managed0;
        long arena = TensorArena.BytesAllocated - arena0;
        var sorted = times.OrderBy(t => t).ToArray();
        return new TrainStepBenchmark(size, batch, baseChannels, net.ParameterCount(), steps, ParallelRange.MaxThreads,
            sorted[steps / 2], sorted[0], times.Average(), Median(fwd), Median(bwd), Median(upd), managed / steps, arena / steps, first, last);
    }

    private static double Median(double[] v) => v.OrderBy(t => t).ElementAt(v.Length / 2);
}
