using System.Diagnostics;
using System.Runtime.InteropServices;
using HdrOfx.Engine.Tests.Tensors.Cuda.Emulator;

namespace HdrOfx.Engine.Tests.Tensors.Cuda.FakeDriver;

/// <summary>
/// Builds fake_cuda.c into one shared library and names it libcuda.so.1, libnvrtc.so.13, libcublas.so.13 and libcudnn.so.9 in a
/// folder, so <c>CudaLibraries.TryLoad</c> can be pointed at it. Configured to "compile" to the CPU emulator.
/// </summary>
public static unsafe class FakeCudaDriver
{
    private static readonly Lazy<(string? Folder, string Reason)> Built = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    private static string Source => Path.Combine(AppContext.BaseDirectory, "Tensors", "Cuda", "FakeDriver", "fake_cuda.c");

    public static bool TryGet(out string folder, out string reason)
    {
        var (f, r) = Built.Value;
        folder = f ?? "";
        reason = r;
        return f != null;
    }

    private static (string?, string) Build()
    {
        if (!CudaEmulator.TryGet(out _, out string why)) return (null, "no CUDA emulator: " + why);
        string hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(Source)))[..16];
        string dir = Path.Combine(Path.GetTempPath(), "hdrofx-fake-cuda", hash);
        if (File.Exists(Path.Combine(dir, "libcudnn.so.9"))) return (dir, "");
        if (Directory.Exists(dir)) Directory.Delete(dir, true); // a half-built folder from an interrupted run
        Directory.CreateDirectory(dir);
        string so = Path.Combine(dir, "libfakecuda.so");
        var psi = new ProcessStartInfo("gcc", ["-std=gnu11", "-O1", "-fPIC", "-shared", "-fvisibility=hidden", "-Wall", "-Werror=implicit-function-declaration", "-o", so, Source, "-ldl"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        Process? p;
        try { p = Process.Start(psi); }
        catch (System.ComponentModel.Win32Exception e) { return (null, "gcc is not available: " + e.Message); }
        if (p is null) return (null, "gcc did not start");
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"fake_cuda.c does not compile:\n{err}");
        foreach (var name in new[] { "libcuda.so.1", "libnvrtc.so.13", "libcublas.so.13", "libcudnn.so.9" })
            File.CreateSymbolicLink(Path.Combine(dir, name), so);
        return (dir, "");
    }

    /// <summary>Sets the emulator library that "compiled" modules load and the device memory limit (−1: none).</summary>
    public static void Configure(nint lib, long budgetBytes)
    {
        CudaEmulator.TryGet(out _, out _);
        string emulator = CudaEmulator.LibraryPath ?? throw new InvalidOperationException("emulator not built");
        var f = (delegate* unmanaged[Cdecl]<byte*, long, void>)NativeLibrary.GetExport(lib, "fake_cuda_configure");
        var bytes = System.Text.Encoding.UTF8.GetBytes(emulator + "\0");
        fixed (byte* b = bytes) f(b, budgetBytes);
    }

    public static long Counter(nint lib, string which)
    {
        var f = (delegate* unmanaged[Cdecl]<byte*, long>)NativeLibrary.GetExport(lib, "fake_cuda_counter");
        var bytes = System.Text.Encoding.ASCII.GetBytes(which + "\0");
        fixed (byte* b = bytes) return f(b);
    }

    public static long CudnnConvolutions(nint lib) =>
        ((delegate* unmanaged[Cdecl]<long>)NativeLibrary.GetExport(lib, "fake_cudnn_convolutions"))();

    public static int CudnnLastMath(nint lib) =>
        ((delegate* unmanaged[Cdecl]<int>)NativeLibrary.GetExport(lib, "fake_cudnn_last_math"))();

    public static nint LastBlasStream(nint lib) =>
        ((delegate* unmanaged[Cdecl]<nint>)NativeLibrary.GetExport(lib, "fake_cuda_last_blas_stream"))();
}
