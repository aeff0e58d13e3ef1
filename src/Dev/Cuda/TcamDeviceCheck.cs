using System.Diagnostics;
using HdrOfx.Engine.Models;
using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Autograd;

namespace HdrOfx.Dev.Cuda;

/// <summary>
/// One comparison of `tcam`'s forward pass on a device (<see cref="TcamDevice"/>) against the CPU: error
/// max|device − cpu| / max|cpu| over the residual, and each side's best wall time per frame. The CPU side is the
/// production CPU path (tiled, all cores); the device side is what a frame costs there: upload of the input, the
/// forward pass, the copy back (the first call, which also moves the weights, is timed apart).
/// </summary>
public sealed record TcamDeviceResult(string Name, int Width, int Height, int Neighbours, double RelativeError, double MaxAbsCpu,
    double CpuSeconds, double DeviceSeconds, double FirstDeviceSeconds, double Tolerance, string? Error)
{
    public bool Passed => Error is null && RelativeError <= Tolerance && MaxAbsCpu > 0; // NaN fails the comparison
}

/// <summary>The tcam device-vs-CPU comparison shared by `hdrofx gpu-check` and the tests (emulated and real devices).</summary>
public static class TcamDeviceCheck
{
    /// <summary>
    /// fp32 tolerance of the normwise residual error. Each op is within 1e-4 of the CPU (CudaParity); the network
    /// stacks about 40 of them, where summation-order differences grow with the random weights' gain.
    /// </summary>
    public const double Tolerance = 1e-3;

    /// <summary>A model whose every parameter is random (DCN offsets and the zero-initialized head included), so every layer moves the residual.</summary>
    public static TcamNet RandomNet(TcamConfig config, ulong seed, float std = 0.3f)
    {
        var net = new TcamNet(config, new Rng(seed));
        var rng = new Rng(seed + 100);
        using (GradMode.NoGrad())
            foreach (var p in net.Parameters())
            {
                using var r = Tensor.Randn(rng, p.Shape, std);
                p.CopyFrom(r);
            }
        net.Eval();
        return net;
    }

    /// <summary>A random CPU batch of one reference window: frames and classical merge in [0, 1), flows N(0, 3²) pixels.</summary>
    public static TcamBatch RandomBatch(ulong seed, int width, int height, int neighbours) =>
        new(Tensor.Rand(new Rng(seed), 1, 6, height, width), Tensor.Rand(new Rng(seed + 1), neighbours, 6, height, width),
            Tensor.Randn(new Rng(seed + 2), new[] { neighbours, 2, height, width }, 3f), Tensor.Rand(new Rng(seed + 3), 1, 4, height, width), neighbours);

    /// <summary>Runs <paramref name="net"/> on a random <paramref name="width"/>×<paramref name="height"/> window on the CPU and on <paramref name="device"/>.</summary>
    public static TcamDeviceResult Run(string name, TcamNet net, TcamDevice device, int width, int height, int neighbours = 2, int repetitions = 1,
        double tolerance = Tolerance)
    {
        using var scope = new TensorScope();
        var batch = RandomBatch(11, width, height, neighbours);
        float[] cpu = null!;
        double tCpu = Best(repetitions, () =>
        {
            using var s = new TensorScope();
            using var noGrad = GradMode.NoGrad();
            cpu = net.Residual(batch).ToArray();
        });
        var sw = Stopwatch.StartNew();
        var dev = device.TryResidual(net, batch);
        double first = sw.Elapsed.TotalSeconds;
        if (dev is null)
            return new(name, width, height, neighbours, double.NaN, 0, tCpu, double.NaN, first, tolerance, device.FallbackReason ?? "the device was not used");
        double tDev = Best(repetitions, () => dev = device.TryResidual(net, batch) ?? throw new InvalidOperationException(device.FallbackReason));
        double maxDiff = 0, maxCpu = 0;
        for (int i = 0; i < cpu.Length; i++)
        {
            double d = Math.Abs((double)dev![i] - cpu[i]);
            maxDiff = double.IsNaN(d) || double.IsNaN(maxDiff) ? double.NaN : Math.Max(maxDiff, d);
            maxCpu = Math.Max(maxCpu, Math.Abs(cpu[i]));
        }
        return new(name, width, height, neighbours, maxDiff / maxCpu, maxCpu, tCpu, tDev, first, tolerance, null);
    }

    private static double Best(int repetitions, Action body)
    {
        double best = double.MaxValue;
        for (int i = 0; i < Math.Max(1, repetitions); i++)
        {
            var t = Stopwatch.StartNew();
            body();
            best = Math.Min(best, t.Elapsed.TotalSeconds);
        }
        return best;
    }
}
