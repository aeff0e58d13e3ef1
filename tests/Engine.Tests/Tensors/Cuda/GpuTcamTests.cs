using HdrOfx.Dev.Cuda;
using HdrOfx.Engine.Models;
using HdrOfx.Engine.Reconstruction;
using HdrOfx.Engine.Tests.Models;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Tensors.Cuda;

/// <summary>
/// `tcam` on a real GPU (the engine's backend, <see cref="HdrOfx.Engine.Tensors.Cuda.CudaEngine"/>) against the CPU:
/// a small window through the whole method, and the network at 1080p. Without a usable CUDA device every test here
/// reports itself skipped (never passed). The GPU machine, which has no .NET SDK, runs the same comparisons from
/// `hdrofx gpu-check` ("tcam on the device").
/// </summary>
[NonParallelizable]
public class GpuTcamTests
{
    private static TcamDevice Placement()
    {
        var gpu = GpuBackendTests.Gpu(); // skips without a GPU
        return new TcamDevice(() => (gpu, ""), m => TestContext.Out.WriteLine(m));
    }

    [Test]
    public void Gpu_tcam_on_a_small_window_matches_the_CPU()
    {
        var placement = Placement();
        using var net = TcamDeviceCheck.RandomNet(TcamConfig.Compact, 5);
        var frames = TcamTestData.Window(size: 34);
        var gpuHdr = new TcamReconstruction(net, placement).Reconstruct(frames, 1, new ReconstructOptions(), CancellationToken.None).Hdr.Data;
        Assert.That(placement.ActiveDevice, Is.Not.Null, placement.FallbackReason);
        var cpuHdr = new TcamReconstruction(net).Reconstruct(frames, 1, new ReconstructOptions(), CancellationToken.None).Hdr.Data;
        double d = 0, m = 0;
        for (int i = 0; i < cpuHdr.Length; i++)
        {
            d = Math.Max(d, Math.Abs((double)gpuHdr[i] - cpuHdr[i]));
            m = Math.Max(m, Math.Abs(cpuHdr[i]));
        }
        Assert.That(d / m, Is.LessThanOrEqualTo(TcamDeviceCheck.Tolerance));
    }

    [TestCase(64, 48, 2)]
    [TestCase(64, 48, 4)]
    [TestCase(1920, 1080, 2)]
    public void Gpu_tcam_network_matches_the_CPU(int width, int height, int neighbours)
    {
        var placement = Placement();
        using var net = TcamDeviceCheck.RandomNet(TcamConfig.Compact, 7);
        var r = TcamDeviceCheck.Run($"{width}x{height}", net, placement, width, height, neighbours);
        TestContext.Out.WriteLine($"{width}×{height} K={neighbours}: error {r.RelativeError:E2}, CPU {r.CpuSeconds * 1e3:F1} ms, GPU {r.DeviceSeconds * 1e3:F1} ms (first {r.FirstDeviceSeconds * 1e3:F1} ms)");
        Assert.That(r.Error, Is.Null);
        Assert.That(r.RelativeError, Is.LessThanOrEqualTo(r.Tolerance));
    }
}
