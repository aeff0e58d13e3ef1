using HdrOfx.Dev.Cuda;
using HdrOfx.Engine.Models;
using HdrOfx.Engine.Reconstruction;
using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Cuda;
using HdrOfx.Engine.Tests.Tensors.Cuda.Emulator;
using HdrOfx.Tests;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Models;

/// <summary>
/// Where `tcam` runs (<see cref="TcamDevice"/>): the CPU without a device, the device when one is found (here the
/// emulated device: the real CudaBackend over the backend's CUDA C compiled for the CPU), and the CPU again, with the
/// CPU's exact output, when the device fails at any point. The real-GPU versions are GpuTcamTests (skipped without a GPU).
/// </summary>
[NonParallelizable]
public class TcamDeviceTests
{
    /// <summary>
    /// Normwise tolerance of device vs CPU on the residual on the emulated device: the per-op parity tolerance (the
    /// emulator's GEMM accumulates in double; measured 1.8e-6 on the 34×34 window). A real GPU gets
    /// <see cref="TcamDeviceCheck.Tolerance"/> (cuDNN's algorithms sum in other orders).
    /// </summary>
    private const double Tolerance = 1e-4;

    private static nint Emulator()
    {
        if (!CudaEmulator.TryGet(out var lib, out string why)) Prerequisite.Missing("no CUDA emulator: " + why);
        return lib;
    }

    private static int _nextIndex = 20; // device indices of the backends made here (others: 0, 10–15)

    private static CudaBackend Backend(ICudaApi api)
    {
        var gpu = new CudaBackend(api, index: Interlocked.Increment(ref _nextIndex));
        Backends.Register(gpu);
        return gpu;
    }

    /// <summary>A 34×34 window (not a multiple of 4: the padding path) with its classical merge and flows.</summary>
    private static TcamSample Sample(out IReadOnlyList<FrameInput?> frames)
    {
        frames = TcamTestData.Window(size: 34);
        return TcamReconstruction.Prepare(frames, 1, new ReconstructOptions(), CancellationToken.None).Sample!;
    }

    private static double RelativeError(float[] a, float[] b)
    {
        double d = 0, m = 0;
        for (int i = 0; i < a.Length; i++)
        {
            d = double.IsNaN(a[i]) || double.IsNaN(b[i]) ? double.NaN : Math.Max(d, Math.Abs((double)a[i] - b[i]));
            if (double.IsNaN(d)) return d;
            m = Math.Max(m, Math.Abs(b[i]));
        }
        return d / m;
    }

    [Test]
    public void Without_a_device_tcam_runs_on_the_CPU_with_the_CPU_result_and_says_why_once()
    {
        var logs = new List<string>();
        var placement = new TcamDevice(() => (null, "no CUDA device (test)"), logs.Add);
        using var net = TcamDeviceCheck.RandomNet(TcamConfig.Tiny, 3, std: 0.1f);
        using var sample = Sample(out var frames);
        var cpu = TcamReconstruction.Infer(net, sample);
        Assert.That(placement.Infer(net, sample), Is.EqualTo(cpu), "bit for bit");
        var viaMethod = new TcamReconstruction(net, placement).Reconstruct(frames, 1, new ReconstructOptions(), CancellationToken.None);
        var onCpu = new TcamReconstruction(net).Reconstruct(frames, 1, new ReconstructOptions(), CancellationToken.None);
        Assert.That(viaMethod.Hdr.Data, Is.EqualTo(onCpu.Hdr.Data));
        Assert.That(placement.ActiveDevice, Is.Null);
        Assert.That(placement.FallbackReason, Does.Contain("no CUDA device (test)"));
        Assert.That(logs, Has.Count.EqualTo(1), "logged once, not per frame");
        Assert.That(logs[0], Does.StartWith("tcam runs on the CPU"));
    }

    [Test]
    public void The_registered_method_uses_the_engines_device_only_when_the_probe_found_one()
    {
        var gpu = CudaEngine.TryGet(out string why);
        using var net = TcamDeviceCheck.RandomNet(TcamConfig.Tiny, 3, std: 0.1f);
        using var sample = Sample(out _);
        var cpu = TcamReconstruction.Infer(net, sample);
        var residual = TcamDevice.Shared.Infer(net, sample);
        if (gpu is null)
        {
            Assert.That(TcamDevice.Shared.ActiveDevice, Is.Null);
            Assert.That(TcamDevice.Shared.FallbackReason, Is.EqualTo("tcam runs on the CPU: " + why));
            Assert.That(residual, Is.EqualTo(cpu));
        }
        else
        {
            Assert.That(TcamDevice.Shared.ActiveDevice, Is.EqualTo(gpu.Device), TcamDevice.Shared.FallbackReason);
            Assert.That(RelativeError(residual, cpu), Is.LessThanOrEqualTo(Tolerance));
        }
    }

    [Test]
    public void On_the_emulated_device_tcam_matches_the_CPU_and_moves_its_weights_once()
    {
        var api = new EmulatedCudaApi(Emulator());
        var gpu = Backend(api);
        var logs = new List<string>();
        var placement = new TcamDevice(() => (gpu, ""), logs.Add);
        using var net = TcamDeviceCheck.RandomNet(TcamConfig.Compact, 5);
        using var sample = Sample(out var frames);
        var cpu = TcamReconstruction.Infer(net, sample);
        var dev = placement.Infer(net, sample);
        Assert.That(placement.ActiveDevice, Is.EqualTo(gpu.Device), placement.FallbackReason);
        Assert.That(api.Launches, Is.GreaterThan(100), "the forward pass ran on the device");
        double err = RelativeError(dev, cpu);
        TestContext.Out.WriteLine($"34×34, compact, random weights: max|device − cpu| / max|cpu| = {err:E2} (max |r| {cpu.Max(Math.Abs):G3})");
        Assert.That(cpu.Max(Math.Abs), Is.GreaterThan(1e-2), "the random model produces a residual");
        Assert.That(err, Is.LessThanOrEqualTo(Tolerance));

        long allocations = gpu.Pool.DeviceAllocations;
        long inUse = gpu.Pool.InUseBytes;
        int toHost = api.DeviceToHostCopies;
        Assert.That(inUse, Is.GreaterThanOrEqualTo(net.Parameters().Sum(p => p.Numel) * 4L), "the weights stay on the device");
        var again = placement.Infer(net, sample);
        Assert.That(again, Is.EqualTo(dev), "deterministic");
        Assert.That(api.DeviceToHostCopies - toHost, Is.EqualTo(1), "no host round-trip inside the forward pass: one copy back, the residual");
        Assert.That(gpu.Pool.DeviceAllocations, Is.EqualTo(allocations), "the second frame allocates nothing: the weights were moved once");
        Assert.That(gpu.Pool.InUseBytes, Is.EqualTo(inUse), "each frame's tensors are released");

        // the whole method: the same HDR as on the CPU within the tolerance (the residual is the only device part)
        var hdrDev = new TcamReconstruction(net, placement).Reconstruct(frames, 1, new ReconstructOptions(), CancellationToken.None).Hdr.Data;
        var hdrCpu = new TcamReconstruction(net).Reconstruct(frames, 1, new ReconstructOptions(), CancellationToken.None).Hdr.Data;
        Assert.That(RelativeError(hdrDev, hdrCpu), Is.LessThanOrEqualTo(Tolerance));
        Assert.That(logs, Is.EqualTo(new[] { $"tcam runs on {gpu.Device} (emulated CUDA device (CPU))" }));

        // a new shared model (TcamWeights.Directory changed) replaces the device copy
        using var other = TcamDeviceCheck.RandomNet(TcamConfig.Compact, 6);
        var cpu2 = TcamReconstruction.Infer(other, sample);
        Assert.That(RelativeError(placement.Infer(other, sample), cpu2), Is.LessThanOrEqualTo(Tolerance));
        Assert.That(RelativeError(cpu2, cpu), Is.GreaterThan(1e-2), "the other model gives another residual");
        Assert.That(gpu.Pool.InUseBytes, Is.EqualTo(inUse), "the first copy was freed");
    }

    [TestCase(CudaFailure.Allocate, 1, TestName = "Falls_back_when_moving_the_weights_fails")]
    [TestCase(CudaFailure.Launch, 40, TestName = "Falls_back_when_a_kernel_fails_mid_forward")]
    [TestCase(CudaFailure.Gemm, 3, TestName = "Falls_back_when_a_GEMM_fails_mid_forward")]
    [TestCase(CudaFailure.CopyToHost, 1, TestName = "Falls_back_when_the_copy_back_fails")]
    public void A_failing_device_falls_back_to_the_CPU_with_the_CPUs_exact_output(CudaFailure where, int after)
    {
        var api = new FailingCudaApi(new EmulatedCudaApi(Emulator()), where, after);
        var gpu = Backend(api);
        var logs = new List<string>();
        var placement = new TcamDevice(() => (gpu, ""), logs.Add);
        using var net = TcamDeviceCheck.RandomNet(TcamConfig.Compact, 5);
        using var sample = Sample(out var frames);
        var cpu = TcamReconstruction.Infer(net, sample);
        var method = new TcamReconstruction(net, placement);
        ReconstructResult first = null!;
        Assert.DoesNotThrow(() => first = method.Reconstruct(frames, 1, new ReconstructOptions(), CancellationToken.None), "no exception reaches the caller");
        Assert.That(api.Failed, Is.True, "the device did fail");
        var onCpu = new TcamReconstruction(net).Reconstruct(frames, 1, new ReconstructOptions(), CancellationToken.None);
        Assert.That(first.Hdr.Data, Is.EqualTo(onCpu.Hdr.Data), "the failed frame is the CPU's, bit for bit");
        Assert.That(placement.ActiveDevice, Is.Null);
        Assert.That(placement.FallbackReason, Does.Contain(FailingCudaApi.Message).And.Contain("CudaException"));

        int calls = api.Calls;
        Assert.That(placement.Infer(net, sample), Is.EqualTo(cpu), "later frames: the CPU's");
        Assert.That(placement.TryResidual(net, TcamDeviceCheck.RandomBatch(1, 8, 8, 2)), Is.Null);
        Assert.That(api.Calls, Is.EqualTo(calls), "sticky: the device is not touched again");
        Assert.That(logs, Has.Count.EqualTo(2), string.Join("\n", logs));
        Assert.That(logs[1], Does.StartWith("tcam: the CUDA forward pass failed, this and every later frame run on the CPU"));
    }

    [Test]
    public void An_exception_while_opening_the_device_falls_back_to_the_CPU()
    {
        var logs = new List<string>();
        var placement = new TcamDevice(() => throw new DllNotFoundException("libcuda.so.1 (test)"), logs.Add);
        using var net = TcamDeviceCheck.RandomNet(TcamConfig.Tiny, 3, std: 0.1f);
        using var sample = Sample(out _);
        Assert.That(placement.Infer(net, sample), Is.EqualTo(TcamReconstruction.Infer(net, sample)));
        Assert.That(placement.FallbackReason, Does.Contain("DllNotFoundException"));
    }

    [Test]
    public void The_gpu_check_tcam_rows_pass_on_the_emulated_device_and_fail_visibly_on_a_broken_one()
    {
        var gpu = Backend(new EmulatedCudaApi(Emulator()));
        using var net = TcamDeviceCheck.RandomNet(TcamConfig.Compact, 7);
        var ok = TcamDeviceCheck.Run("emulated", net, new TcamDevice(() => (gpu, ""), _ => { }), 24, 20, neighbours: 4, tolerance: Tolerance);
        TestContext.Out.WriteLine($"24×20, 4 neighbours: {ok.RelativeError:E2}");
        Assert.That(ok.Passed, Is.True, $"{ok.Error} {ok.RelativeError}");
        var broken = Backend(new FailingCudaApi(new EmulatedCudaApi(Emulator()), CudaFailure.Launch, 10));
        var bad = TcamDeviceCheck.Run("broken", net, new TcamDevice(() => (broken, ""), _ => { }), 24, 20);
        Assert.That(bad.Passed, Is.False);
        Assert.That(bad.Error, Does.Contain(FailingCudaApi.Message));
    }
}
