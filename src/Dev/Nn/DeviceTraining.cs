using System.Diagnostics;
using HdrOfx.Engine.Nn;

namespace HdrOfx.Dev.Nn;

/// <summary>What <see cref="DeviceTraining.Run"/> measured: the loss of every step, the final parameters, and timings.</summary>
public sealed record DeviceTrainingRun(Device Device, float[] Losses, float[] Parameters, double MedianStepMs, double MinStepMs);

/// <summary>
/// The part 1 U-Net (<see cref="SmallUNet"/>) trained for a few AdamW steps on one device, so the same run on the CPU
/// and on a GPU can be compared loss by loss and weight by weight (issue 5: "the learning tests run on the GPU with the
/// same results within tolerance"). The network is built on the CPU from a seed and moved; AdamW runs its fused update on
/// both (the CPU's span loop, the backend's kernel, same formula), so the two runs differ only by the rounding of the ops. Losses are read after the timed
/// steps: nothing inside a step waits for the host.
/// </summary>
public static class DeviceTraining
{
    public static DeviceTrainingRun Run(Device device, int steps = 5, int size = 32, int batch = 2, int baseChannels = 8, ulong seed = 7,
        Action? synchronize = null, Action<int>? afterStep = null, bool keepLosses = true)
    {
        var rng = new Rng(seed);
        using var net = new SmallUNet(3, 3, baseChannels, rng);
        net.To(device);
        using var xHost = TensorScope.Detach(Tensor.Randn(rng, batch, 3, size, size));
        using var tHost = TensorScope.Detach(Tensor.Randn(rng, batch, 3, size, size));
        var x = device == Device.Cpu ? xHost : TensorScope.Detach(xHost.To(device));
        var target = device == Device.Cpu ? tHost : TensorScope.Detach(tHost.To(device));
        using var opt = new AdamW(net.NamedParameters(), lr: 1e-3);
        var losses = new List<Tensor>();
        var times = new double[steps];
        try
        {
            for (int s = 0; s < steps; s++)
            {
                long t0 = Stopwatch.GetTimestamp();
                using (var scope = new TensorScope())
                {
                    var loss = Tensor.MseLoss(net.Forward(x), target);
                    loss.Backward();
                    opt.Step();
                    net.ZeroGrad();
                    if (keepLosses) losses.Add(TensorScope.Detach(loss.Detach()));
                }
                synchronize?.Invoke();
                afterStep?.Invoke(s);
                times[s] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            }
            var values = losses.Select(l => l.ToArray()[0]).ToArray();
            var parameters = net.Parameters().SelectMany(p => p.ToArray()).ToArray();
            var sorted = times.Order().ToArray();
            return new DeviceTrainingRun(device, values, parameters, sorted[steps / 2], sorted[0]);
        }
        finally
        {
            foreach (var l in losses) l.Dispose();
            if (!ReferenceEquals(x, xHost)) x.Dispose();
            if (!ReferenceEquals(target, tHost)) target.Dispose();
        }
    }

    /// <summary>Largest relative difference of the losses, and the normwise relative difference of the final weights.</summary>
    public static (double Loss, double Weights) Compare(DeviceTrainingRun reference, DeviceTrainingRun other)
    {
        double loss = 0;
        for (int i = 0; i < reference.Losses.Length; i++)
            loss = Math.Max(loss, Math.Abs(other.Losses[i] - reference.Losses[i]) / Math.Max(Math.Abs(reference.Losses[i]), 1e-30));
        double diff = 0, scale = 0;
        for (int i = 0; i < reference.Parameters.Length; i++)
        {
            diff = Math.Max(diff, Math.Abs((double)other.Parameters[i] - reference.Parameters[i]));
            scale = Math.Max(scale, Math.Abs(reference.Parameters[i]));
        }
        if (reference.Losses.Concat(other.Losses).Concat(other.Parameters).Any(float.IsNaN)) return (double.NaN, double.NaN);
        return (loss, diff / Math.Max(scale, 1e-30));
    }
}
