using HdrOfx.Dev.Cuda;
using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Cuda;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Tensors.Cuda;

/// <summary>
/// Parity and memory on a real GPU, through the real driver, NVRTC and cuBLAS. Without a usable CUDA device every test
/// here reports itself skipped (never passed). On the lent GPU machine, which has no .NET SDK, the same checks run
/// from the NativeAOT binary as `hdrofx gpu-check` (docs/gpu.md).
/// </summary>
[NonParallelizable]
public class GpuBackendTests
{
    private static CudaBackend? _gpu;

    internal static CudaBackend Gpu()
    {
        if (_gpu != null) return _gpu;
        _gpu = CudaEngine.TryGet(out string why); // the engine's backend for device 0, shared with tcam (GpuTcamTests)
        if (_gpu is null) Prerequisite.NoGpu("no usable CUDA device: " + why);
        return _gpu!;
    }

    public static IEnumerable<TestCaseData> Cases()
    {
        foreach (var c in CudaParity.Cases())
            foreach (var p in CudaParity.Precisions(c))
                yield return new TestCaseData(c.Name, p).SetName($"Gpu_parity_{c.Name}_{p}");
    }

    [TestCaseSource(nameof(Cases))]
    public void Gpu_parity(string name, GemmPrecision precision)
    {
        var gpu = Gpu();
        var r = CudaParity.Run(CudaParity.Cases().Single(x => x.Name == name), gpu, precision);
        Assert.That(r.Error, Is.Null);
        Assert.That(r.HasNaN, Is.False);
        Assert.That(r.RelativeError, Is.LessThanOrEqualTo(r.Tolerance), r.Worst);
    }

    [Test]
    public void Gpu_training_matches_the_CPU_and_memory_does_not_grow()
    {
        var gpu = Gpu();
        var cpu = HdrOfx.Dev.Nn.DeviceTraining.Run(Device.Cpu, steps: 5);
        var dev = HdrOfx.Dev.Nn.DeviceTraining.Run(gpu.Device, steps: 5, synchronize: gpu.Synchronize);
        var (loss, weights) = HdrOfx.Dev.Nn.DeviceTraining.Compare(cpu, dev);
        Assert.That(loss, Is.LessThanOrEqualTo(1e-3));
        Assert.That(weights, Is.LessThanOrEqualTo(1e-3));
        long allocs = gpu.Pool.DeviceAllocations;
        HdrOfx.Dev.Nn.DeviceTraining.Run(gpu.Device, steps: 5, synchronize: gpu.Synchronize);
        Assert.That(gpu.Pool.DeviceAllocations, Is.EqualTo(allocs), "the second run allocates nothing new");
    }

    [Test]
    public void Gpu_allocation_larger_than_the_device_is_a_clear_error()
    {
        var gpu = Gpu();
        var (_, total) = gpu.Api.MemoryInfo();
        var e = Assert.Throws<CudaException>(() => gpu.Pool.Rent(total + total / 2, gpu.Stream));
        Assert.That(e!.IsOutOfMemory, Is.True);
        Assert.That(e.Message, Does.StartWith("CUDA out of memory"));
    }
}
