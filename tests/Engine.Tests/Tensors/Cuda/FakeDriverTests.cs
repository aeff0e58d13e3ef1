using System.Runtime.InteropServices;
using HdrOfx.Dev.Cuda;
using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Cuda;
using HdrOfx.Engine.Tests.Tensors.Cuda.FakeDriver;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Tensors.Cuda;

/// <summary>
/// The real binding layer (CudaLibraries → CudaRuntime.TryOpen → CudaDriverApi: driver, NVRTC and cuBLAS entry points,
/// the kernel cache, launches with marshalled parameters) against a fake driver library that runs the emulated
/// kernels. It checks that every symbol the backend binds exists under that name and that the calls carry their
/// arguments as the C signatures say; it cannot check the real libraries' behaviour (the GPU tests do).
/// </summary>
[NonParallelizable]
public class FakeDriverTests
{
    private static bool RealDriverInstalled =>
        NativeLibrary.TryLoad("libcuda.so.1", out var h) && h != 0;

    private static (CudaLibraries Libs, CudaContext Context) Open(long budget = -1)
    {
        if (!OperatingSystem.IsLinux()) Prerequisite.Missing("the fake driver is a Linux shared library");
        if (RealDriverInstalled) Prerequisite.NoGpu("a real CUDA driver is installed: the loader would find it first; the GPU tests run instead");
        if (!FakeCudaDriver.TryGet(out string folder, out string why)) Prerequisite.Missing(why);
        var libs = CudaLibraries.TryLoad(out string reason, [folder], _ => null);
        Assert.That(libs, Is.Not.Null, reason);
        FakeCudaDriver.Configure(libs!.Driver, budget);
        var ctx = CudaRuntime.TryOpen(libs, out reason);
        Assert.That(ctx, Is.Not.Null, reason);
        return (libs, ctx!);
    }

    private static string TempCache() => Path.Combine(Path.GetTempPath(), "hdrofx-fake-kcache-" + Guid.NewGuid().ToString("N"));

    [Test]
    public void The_probe_opens_the_device_through_the_bound_entry_points()
    {
        var (libs, ctx) = Open();
        Assert.That(ctx.Device.Name, Is.EqualTo("Fake CUDA Device (CPU emulator)"));
        Assert.That(ctx.Device.Architecture, Is.EqualTo("sm_90"));
        Assert.That(ctx.Device.DriverVersion, Is.EqualTo(13000));
        Assert.That(ctx.PrimaryContext, Is.Not.Zero);
        Assert.That(libs.LoadedFrom["NVRTC"], Does.EndWith("libnvrtc.so.13"));
    }

    [Test]
    public void Every_parity_case_runs_through_the_driver_binding()
    {
        var (libs, ctx) = Open();
        using var api = CudaDriverApi.TryCreate(ctx, out string why, new KernelCache(TempCache()))
            ?? throw new AssertionException("the driver API did not open: " + why);
        using var gpu = new CudaBackend(api, index: 11);
        Backends.Register(gpu);
        long launches0 = FakeCudaDriver.Counter(libs.Driver, "launch"), gemms0 = FakeCudaDriver.Counter(libs.Driver, "gemm");
        foreach (var c in CudaParity.Cases())
        {
            var r = CudaParity.Run(c, gpu, c.UsesGemm ? GemmPrecision.Bf16 : GemmPrecision.Fp32);
            Assert.That(r.Passed, Is.True, $"{c.Name}: {r.Error} {r.RelativeError} ({r.Worst})");
        }
        Assert.That(FakeCudaDriver.Counter(libs.Driver, "launch") - launches0, Is.GreaterThan(100), "kernels went through cuLaunchKernel");
        Assert.That(FakeCudaDriver.Counter(libs.Driver, "gemm") - gemms0, Is.GreaterThan(10), "GEMMs went through cuBLAS");
        Assert.That(FakeCudaDriver.LastBlasStream(libs.Driver), Is.EqualTo(gpu.Stream), "cuBLAS runs on the backend's stream");
        Assert.That(api.FromPtx, Is.False);
        Assert.That(gpu.ConvolutionPath, Is.EqualTo("cuDNN"), "convolutions went through cuDNN and none was refused");
    }

    [Test]
    public void Convolutions_go_through_cuDNN_with_exact_fp32_math_unless_switched_off()
    {
        var (libs, ctx) = Open();
        using var api = CudaDriverApi.TryCreate(ctx, out _, new KernelCache(TempCache()))!;
        Assert.That(api.HasCudnn, Is.True, api.CudnnUnavailable);
        using var gpu = new CudaBackend(api, index: 9);
        Backends.Register(gpu);
        var conv = CudaParity.Cases().Where(c => c.Name.StartsWith("conv", StringComparison.Ordinal)).ToList();
        long before = FakeCudaDriver.CudnnConvolutions(libs.Driver);
        foreach (var c in conv) Assert.That(CudaParity.Run(c, gpu).Passed, Is.True, c.Name);
        Assert.That(FakeCudaDriver.CudnnConvolutions(libs.Driver) - before, Is.EqualTo(3 * conv.Count), "forward, data and filter gradients per case");
        Assert.That(FakeCudaDriver.CudnnLastMath(libs.Driver), Is.EqualTo(3), "CUDNN_FMA_MATH: no TF32 in fp32 mode");
        CudaParity.Run(conv[0], gpu, GemmPrecision.Tf32);
        Assert.That(FakeCudaDriver.CudnnLastMath(libs.Driver), Is.EqualTo(1), "CUDNN_TENSOR_OP_MATH for TF32");
        gpu.UseCudnn = false;
        before = FakeCudaDriver.CudnnConvolutions(libs.Driver);
        foreach (var c in conv) Assert.That(CudaParity.Run(c, gpu).Passed, Is.True, c.Name + " (im2col)");
        Assert.That(FakeCudaDriver.CudnnConvolutions(libs.Driver), Is.EqualTo(before));
        Assert.That(gpu.ConvolutionPath, Does.Contain("switched off"));
    }

    [Test]
    public void The_gpu_check_report_runs_through_the_driver_binding()
    {
        var (_, ctx) = Open();
        using var api = CudaDriverApi.TryCreate(ctx, out _, new KernelCache(TempCache()))!;
        using var gpu = new CudaBackend(api, index: 8);
        Backends.Register(gpu);
        var report = new System.Text.StringBuilder();
        int code = CudaCheck.RunOn(report, _ => { }, gpu, EmulatedBackendTests.TinyCheck);
        string text = report.ToString();
        Assert.That(code, Is.EqualTo(CudaCheck.Passed), text);
        Assert.That(text, Does.Contain("Convolution path: cuDNN.").And.Contain("fallback on the same").And.Contain("all pass"));
        Assert.That(text, Does.Contain("fails with: `CUDA out of memory"));
        Assert.That(text, Does.Contain("## tcam on the device").And.Contain("| 24×20 | 2 |"), "tcam's forward pass through the driver binding and cuDNN");
    }

    [Test]
    public void Tcam_falls_back_to_the_CPU_when_the_device_runs_out_of_memory()
    {
        var (libs, ctx) = Open(budget: 1L << 20);
        try
        {
            using var api = CudaDriverApi.TryCreate(ctx, out _, new KernelCache(TempCache()))!;
            using var gpu = new CudaBackend(api, index: 16);
            Backends.Register(gpu);
            using var net = HdrOfx.Dev.Cuda.TcamDeviceCheck.RandomNet(HdrOfx.Engine.Models.TcamConfig.Compact, 7);
            var logs = new List<string>();
            var placement = new HdrOfx.Engine.Models.TcamDevice(() => (gpu, ""), logs.Add);
            using var scope = new TensorScope();
            Assert.That(placement.TryResidual(net, HdrOfx.Dev.Cuda.TcamDeviceCheck.RandomBatch(3, 64, 48, 2)), Is.Null);
            Assert.That(placement.FallbackReason, Does.Contain("CUDA out of memory").And.Contain("Fake CUDA Device"));
            Assert.That(logs, Has.Count.EqualTo(2));
            Assert.That(placement.ActiveDevice, Is.Null);
        }
        finally { FakeCudaDriver.Configure(libs.Driver, -1); }
    }

    /// <summary>artifacts/aot/hdrofx (scripts/publish-aot.sh), found by walking up from the test binary; null if not published.</summary>
    private static string? PublishedBinary()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
        {
            string p = Path.Combine(d.FullName, "artifacts", "aot", "hdrofx");
            if (File.Exists(p)) return p;
        }
        return null;
    }

    [Test]
    public void The_published_NativeAOT_binary_passes_gpu_check_parity_through_the_fake_driver()
    {
        Open();
        var bin = PublishedBinary();
        if (bin is null) Prerequisite.Missing("artifacts/aot/hdrofx is not published here (scripts/publish-aot.sh)");
        FakeCudaDriver.TryGet(out string folder, out _);
        Emulator.CudaEmulator.TryGet(out _, out _);
        string report = Path.Combine(Path.GetTempPath(), "hdrofx-aot-gpu-check-" + Guid.NewGuid().ToString("N") + ".md");
        var psi = new System.Diagnostics.ProcessStartInfo(bin, ["gpu-check", "--parity-only", "--output", report])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment["LD_LIBRARY_PATH"] = folder;
        psi.Environment["FAKE_CUDA_EMULATOR"] = Emulator.CudaEmulator.LibraryPath!;
        psi.Environment["HDROFX_KERNEL_CACHE"] = TempCache();
        using var p = System.Diagnostics.Process.Start(psi)!;
        string stdout = p.StandardOutput.ReadToEnd(), stderr = p.StandardError.ReadToEnd();
        Assert.That(p.WaitForExit(300_000), Is.True, "gpu-check finished");
        if (!stdout.Contains($"SHA-256 {CudaKernelSource.Hash[..16]}"))
            Prerequisite.Missing("artifacts/aot/hdrofx was published from other kernel sources; run scripts/publish-aot.sh again");
        Assert.That(p.ExitCode, Is.EqualTo(0), stdout + stderr);
        string text = File.ReadAllText(report);
        Assert.That(text, Does.Contain("Fake CUDA Device").And.Contain("**All parity checks passed.**"));
        Assert.That(text, Does.Not.Contain("FAIL"));
        File.Delete(report);
    }

    [Test]
    public void The_second_process_start_loads_the_kernels_from_the_disk_cache()
    {
        var (_, ctx) = Open();
        string dir = TempCache();
        using (var first = CudaDriverApi.TryCreate(ctx, out _, new KernelCache(dir))!)
        {
            first.Function("hx_unary");
            Assert.That(first.Cache.Compiles, Is.EqualTo(1));
        }
        using var second = CudaDriverApi.TryCreate(ctx, out _, new KernelCache(dir))!;
        second.Function("hx_binary");
        Assert.That(second.Cache.Hits, Is.EqualTo(1));
        Assert.That(second.Cache.Compiles, Is.Zero);
        var e = Assert.Throws<CudaException>(() => second.Function("hx_no_such_kernel"));
        Assert.That(e!.Message, Does.Contain("cuModuleGetFunction").And.Contain("CUDA_ERROR_NOT_FOUND"));
    }

    [Test]
    public void A_full_device_gives_the_pools_clear_error_through_the_driver()
    {
        var (libs, ctx) = Open(budget: 64L << 20);
        try
        {
            using var api = CudaDriverApi.TryCreate(ctx, out _, new KernelCache(TempCache()))!;
            using var gpu = new CudaBackend(api, index: 10);
            Backends.Register(gpu);
            var e = Assert.Throws<CudaException>(() => Tensor.Empty([1 << 26], gpu.Device).Dispose());
            Assert.That(e!.IsOutOfMemory, Is.True);
            Assert.That(e.Message, Does.StartWith("CUDA out of memory").And.Contain("Fake CUDA Device"));
            using var small = Tensor.Full([1000], 2f, gpu.Device);
            Assert.That(small.ToArray(), Is.All.EqualTo(2f));
        }
        finally { FakeCudaDriver.Configure(libs.Driver, -1); }
    }
}
