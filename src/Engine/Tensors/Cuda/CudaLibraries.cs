using System.Runtime.InteropServices;

namespace HdrOfx.Engine.Tensors.Cuda;

/// <summary>
/// Finds and loads the CUDA libraries at run time (NativeLibrary.TryLoad: nothing is linked, so the engine, the CLI and
/// the plug-in start on machines without CUDA). Probes the CUDA 13 and 12 file names, first by name (the loader's own
/// search: LD_LIBRARY_PATH, ldconfig, PATH on Windows), then in CUDA_PATH, the usual install and driver folders and
/// the folders the caller adds (beside the plug-in bundle).
/// </summary>
public sealed class CudaLibraries
{
    /// <summary>The handles; Cudnn is optional and may be zero.</summary>
    public nint Driver { get; private init; }
    public nint Nvrtc { get; private init; }
    public nint Cublas { get; private init; }
    public nint Cudnn { get; private init; }
    /// <summary>Which file each library came from (for logs and docs/gpu.md reports).</summary>
    public IReadOnlyDictionary<string, string> LoadedFrom { get; private init; } = new Dictionary<string, string>();

    private static readonly string[] DriverNames = OperatingSystem.IsWindows() ? ["nvcuda.dll"] : ["libcuda.so.1", "libcuda.so"];
    private static readonly string[] NvrtcNames = OperatingSystem.IsWindows()
        ? ["nvrtc64_130_0.dll", "nvrtc64_120_0.dll", "nvrtc64_112_0.dll"]
        : ["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so"];
    private static readonly string[] CublasNames = OperatingSystem.IsWindows()
        ? ["cublas64_13.dll", "cublas64_12.dll"]
        : ["libcublas.so.13", "libcublas.so.12", "libcublas.so"];
    private static readonly string[] CudnnNames = OperatingSystem.IsWindows() ? ["cudnn64_9.dll"] : ["libcudnn.so.9", "libcudnn.so"];

    /// <summary>Folders probed after the loader's own search, in order.</summary>
    public static IReadOnlyList<string> ProbeFolders(Func<string, string?> env, IEnumerable<string>? extra = null)
    {
        var dirs = new List<string>();
        if (extra is not null) dirs.AddRange(extra);
        if (env("CUDA_PATH") is { Length: > 0 } cp)
        {
            dirs.Add(Path.Combine(cp, "lib64"));
            dirs.Add(Path.Combine(cp, "lib"));
            dirs.Add(Path.Combine(cp, "bin"));
            dirs.Add(Path.Combine(cp, "bin", "x64"));
        }
        if (OperatingSystem.IsWindows())
        {
            dirs.Add(Environment.GetFolderPath(Environment.SpecialFolder.System));
        }
        else
        {
            dirs.AddRange(["/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib", "/usr/lib/x86_64-linux-gnu",
                "/usr/lib64", "/usr/lib/wsl/lib", "/usr/lib/x86_64-linux-gnu/nvidia/current"]);
            foreach (var ver in new[] { "13", "12" })
                dirs.Add($"/usr/local/cuda-{ver}/lib64");
        }
        return dirs.Distinct().ToList();
    }

    /// <summary>
    /// Loads the driver, NVRTC and cuBLAS (required) and cuDNN (optional). On failure returns null and one reason that
    /// names what is missing and where it was looked for.
    /// </summary>
    public static CudaLibraries? TryLoad(out string reason, IEnumerable<string>? extraFolders = null, Func<string, string?>? env = null)
    {
        var folders = ProbeFolders(env ?? Environment.GetEnvironmentVariable, extraFolders);
        var from = new Dictionary<string, string>();
        nint Load(string what, string[] names, bool required, ref string? missing)
        {
            foreach (var n in names)
                if (NativeLibrary.TryLoad(n, out var h)) { from[what] = n; return h; }
            foreach (var d in folders)
                foreach (var n in names)
                {
                    string p = Path.Combine(d, n);
                    if (File.Exists(p) && NativeLibrary.TryLoad(p, out var h)) { from[what] = p; return h; }
                }
            if (required) missing ??= $"{what} not found (tried {string.Join(", ", names)} by name and in {folders.Count} folders)";
            return 0;
        }
        string? why = null;
        nint drv = Load("the CUDA driver", DriverNames, true, ref why);
        nint rtc = why is null ? Load("NVRTC", NvrtcNames, true, ref why) : 0;
        nint blas = why is null ? Load("cuBLAS", CublasNames, true, ref why) : 0;
        if (why is not null)
        {
            reason = why;
            return null;
        }
        string? none = null;
        nint dnn = Load("cuDNN", CudnnNames, false, ref none);
        reason = "";
        return new CudaLibraries { Driver = drv, Nvrtc = rtc, Cublas = blas, Cudnn = dnn, LoadedFrom = from };
    }
}
