using System.Runtime.InteropServices;
using HdrOfx.Engine.Tensors.Cuda;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Tensors.Cuda;

/// <summary>
/// Loading and probing CUDA. The fallback tests run where no driver is installed (CI, the CPU machines); the device
/// test runs only on a GPU machine and reports itself skipped elsewhere, never passed.
/// </summary>
public class CudaRuntimeTests
{
    private static bool DriverInstalled =>
        NativeLibrary.TryLoad(OperatingSystem.IsWindows() ? "nvcuda.dll" : "libcuda.so.1", out var h) && h != 0;

    [Test]
    public void Without_a_driver_the_probe_falls_back_with_one_reason()
    {
        if (DriverInstalled) Prerequisite.NoGpu("a CUDA driver is installed here; the fallback is checked on machines without one");
        Assert.That(CudaRuntime.IsAvailable, Is.False);
        Assert.That(CudaRuntime.Reason, Does.Contain("the CUDA driver not found"));
        Assert.That(CudaRuntime.Reason, Does.Not.Contain("\n"), "one line");
        Assert.That(CudaRuntime.Device, Is.Null);
        Assert.That(CudaRuntime.Describe(), Does.StartWith("CUDA unavailable, running on the CPU: "));
    }

    [Test]
    public void TryLoad_names_the_missing_library_and_the_search()
    {
        if (DriverInstalled) Prerequisite.NoGpu("a CUDA driver is installed here; the fallback is checked on machines without one");
        string empty = Path.Combine(Path.GetTempPath(), "hdrofx-no-cuda-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(empty);
        var libs = CudaLibraries.TryLoad(out string reason, [empty], n => n == "CUDA_PATH" ? empty : null);
        Assert.That(libs, Is.Null);
        Assert.That(reason, Does.Contain(OperatingSystem.IsWindows() ? "nvcuda.dll" : "libcuda.so.1"));
        Assert.That(reason, Does.Match(@"in \d+ folders"));
    }

    [Test]
    public void Probe_folders_put_the_callers_first_then_CUDA_PATH()
    {
        var dirs = CudaLibraries.ProbeFolders(n => n == "CUDA_PATH" ? "/opt/cuda-x" : null, ["/bundle/Contents/Linux-x86-64"]);
        Assert.That(dirs[0], Is.EqualTo("/bundle/Contents/Linux-x86-64"));
        Assert.That(dirs[1], Is.EqualTo(Path.Combine("/opt/cuda-x", "lib64")));
        Assert.That(dirs, Is.Unique);
        if (!OperatingSystem.IsWindows()) Assert.That(dirs, Does.Contain("/usr/local/cuda/lib64"));
    }

    [Test]
    public void A_failed_status_names_the_call_the_error_and_the_line()
    {
        static int FakeAlloc() => 2;
        var e = Assert.Throws<CudaException>(() => CudaStatus.Check(FakeAlloc()))!;
        Assert.That(e.Message, Does.StartWith("FakeAlloc() failed with CUDA_ERROR_OUT_OF_MEMORY (2) at CudaRuntimeTests.cs:"));
        Assert.That(e.IsOutOfMemory, Is.True);
        Assert.That(e.Status, Is.EqualTo(2));
        Assert.DoesNotThrow(() => CudaStatus.Check(0));
        Assert.That(CudaStatus.DriverErrorName(12345), Is.EqualTo("CUresult 12345"));
    }

    [Test]
    public void On_a_GPU_the_first_device_is_described()
    {
        if (!CudaRuntime.IsAvailable) Prerequisite.NoGpu($"no usable CUDA device: {CudaRuntime.Reason}");
        var d = CudaRuntime.Device!;
        Assert.That(d.Name, Is.Not.Empty);
        Assert.That(d.ComputeMajor, Is.GreaterThanOrEqualTo(5));
        Assert.That(d.TotalMemoryBytes, Is.GreaterThan(1L << 30));
        Assert.That(d.Architecture, Does.Match(@"^sm_\d+$"));
        Assert.That(CudaRuntime.PrimaryContext, Is.Not.EqualTo(0));
        Assert.That(CudaRuntime.Libraries!.Nvrtc, Is.Not.EqualTo(0));
        Assert.That(CudaRuntime.Libraries!.Cublas, Is.Not.EqualTo(0));
    }
}
