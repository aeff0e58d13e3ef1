using System.Security.Cryptography;
using System.Text;

namespace HdrOfx.Engine.Tensors.Cuda;

/// <summary>
/// The CUDA C of the backend: Kernels/*.cu, embedded in the assembly (resources survive NativeAOT), with common.cuh
/// prepended. One translation unit, compiled once per device architecture by NVRTC and cached on disk.
/// </summary>
public static class CudaKernelSource
{
    public static readonly string[] Files = ["common.cuh", "elementwise.cu", "reduce.cu", "conv.cu", "norm.cu", "pool.cu", "sample.cu", "correlation.cu", "deform.cu"];

    private static readonly Lazy<string> Combined = new(() =>
    {
        var sb = new StringBuilder();
        foreach (var f in Files)
        {
            sb.Append("// ---- ").Append(f).Append('\n');
            sb.Append(Read(f)).Append('\n');
        }
        return sb.ToString();
    });

    /// <summary>The whole translation unit.</summary>
    public static string Text => Combined.Value;

    /// <summary>SHA-256 of <see cref="Text"/>, hex (part of the kernel cache key).</summary>
    public static string Hash => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Text)));

    public static string Read(string file)
    {
        var asm = typeof(CudaKernelSource).Assembly;
        string name = "HdrOfx.Engine.Tensors.Cuda.Kernels." + file;
        using var s = asm.GetManifestResourceStream(name) ?? throw new InvalidOperationException($"kernel source '{name}' is not embedded in {asm.GetName().Name}");
        using var r = new StreamReader(s, Encoding.UTF8);
        return r.ReadToEnd();
    }

    /// <summary>The extern "C" kernels of the unit with their parameter lists, in source order (for the emulator and the report).</summary>
    public static IReadOnlyList<(string Name, string Parameters)> Kernels()
    {
        var list = new List<(string, string)>();
        var rx = new System.Text.RegularExpressions.Regex(@"extern\s+""C""\s+__global__\s+void\s+(\w+)\s*\(([^)]*)\)");
        foreach (System.Text.RegularExpressions.Match m in rx.Matches(Text))
            list.Add((m.Groups[1].Value, System.Text.RegularExpressions.Regex.Replace(m.Groups[2].Value, @"\s+", " ").Trim()));
        return list;
    }
}
