using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using HdrOfx.Engine.Tensors.Cuda;

namespace HdrOfx.Engine.Tests.Tensors.Cuda.Emulator;

/// <summary>
/// Builds the backend's CUDA C (<see cref="CudaKernelSource"/>) with g++ against cuda_emu.h into a shared library, once
/// per source version (cached under the system temp folder), and loads it. Tests that need it call
/// <see cref="TryGet"/> and report themselves skipped when g++ is missing.
/// </summary>
public static unsafe class CudaEmulator
{
    private static readonly Lazy<(nint Lib, string Reason)> Built = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);
    private static readonly object LaunchGate = new();

    /// <summary>The built library's path (after a successful <see cref="TryGet"/>).</summary>
    public static string? LibraryPath { get; private set; }

    public static bool TryGet(out nint lib, out string reason)
    {
        (lib, reason) = Built.Value;
        return lib != 0;
    }

    private static string Here => Path.Combine(AppContext.BaseDirectory, "Tensors", "Cuda", "Emulator");

    /// <summary>The C++ translation unit: prelude, the kernels, a table of launch wrappers, the fiber launcher.</summary>
    public static string TranslationUnit()
    {
        var sb = new StringBuilder();
        sb.Append("#include \"cuda_emu.h\"\n");
        sb.Append(CudaKernelSource.Text).Append('\n');
        sb.Append("struct EmuKernel { const char* name; void (*fn)(void**); bool syncs; };\n");
        var kernels = CudaKernelSource.Kernels();
        var text = CudaKernelSource.Text;
        foreach (var (name, parameters) in kernels)
        {
            var types = SplitParameters(parameters).Select(ParameterType).ToArray();
            sb.Append($"static void emu_{name}(void** p) {{ {name}(");
            sb.Append(string.Join(", ", types.Select((t, i) => $"*({t}*)p[{i}]")));
            sb.Append("); }\n");
        }
        sb.Append("static const EmuKernel emu_kernels[] = {\n");
        foreach (var (name, _) in kernels)
            sb.Append($"    {{ \"{name}\", emu_{name}, {(Synchronizes(KernelBody(text, name)) ? "true" : "false")} }},\n");
        sb.Append("};\nstatic const int emu_kernel_count = ").Append(kernels.Count).Append(";\n");
        sb.Append(File.ReadAllText(Path.Combine(Here, "cuda_emu_runtime.inc")));
        return sb.ToString();
    }

    private static IEnumerable<string> SplitParameters(string p) => p.Split(',').Select(s => s.Trim()).Where(s => s.Length > 0);

    /// <summary>"const float* __restrict__ x" → "const float*": the declaration without its name and qualifiers the cast does not need.</summary>
    private static string ParameterType(string declaration)
    {
        var d = declaration.Replace("__restrict__", "").Trim();
        var m = Regex.Match(d, @"^(.*?)(\w+)$");
        return Regex.Replace(m.Groups[1].Value, @"\s+", " ").Trim();
    }

    /// <summary>
    /// Whether a kernel must run its threads as fibers: it synchronizes itself or uses shared memory (which every
    /// block-level helper of common.cuh does, so a call to one counts).
    /// </summary>
    private static bool Synchronizes(string body) => body.Contains("__syncthreads") || body.Contains("__shared__");

    /// <summary>The text of kernel <paramref name="name"/>'s body (to see whether it synchronizes).</summary>
    private static string KernelBody(string text, string name)
    {
        int start = text.IndexOf($"void {name}(", StringComparison.Ordinal);
        int open = text.IndexOf('{', start);
        int depth = 0;
        for (int i = open; i < text.Length; i++)
        {
            if (text[i] == '{') depth++;
            else if (text[i] == '}' && --depth == 0) return text[open..(i + 1)];
        }
        return text[open..];
    }

    private static (nint, string) Build()
    {
        string unit = TranslationUnit();
        string header = File.ReadAllText(Path.Combine(Here, "cuda_emu.h"));
        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(unit + header)))[..16];
        string dir = Path.Combine(Path.GetTempPath(), "hdrofx-cuda-emu", hash);
        string so = Path.Combine(dir, "libcudaemu.so");
        if (!File.Exists(so))
        {
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "cuda_emu.h"), header);
            string cpp = Path.Combine(dir, "kernels.cpp");
            File.WriteAllText(cpp, unit);
            string tmp = so + "." + Guid.NewGuid().ToString("N");
            var psi = new ProcessStartInfo("g++", ["-std=c++17", "-O1", "-fPIC", "-shared", "-Wall", "-Wno-unused-function", "-o", tmp, cpp])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            };
            Process? proc;
            try { proc = Process.Start(psi); }
            catch (System.ComponentModel.Win32Exception e) { return (0, "g++ is not available: " + e.Message); }
            if (proc is null) return (0, "g++ did not start");
            string err = proc.StandardError.ReadToEnd();
            proc.WaitForExit();
            if (proc.ExitCode != 0) throw new InvalidOperationException($"the kernels do not compile as C++ under the emulator ({cpp}):\n{err}");
            File.Move(tmp, so, overwrite: true);
        }
        LibraryPath = so;
        return (NativeLibrary.Load(so), "");
    }

    public static int Launch(nint lib, string name, int grid, int block, void** args)
    {
        var fn = (delegate* unmanaged[Cdecl]<byte*, uint, uint, void**, int>)NativeLibrary.GetExport(lib, "emu_launch");
        var bytes = Encoding.ASCII.GetBytes(name + "\0");
        lock (LaunchGate)
            fixed (byte* p = bytes) return fn(p, (uint)grid, (uint)block, args);
    }
}
