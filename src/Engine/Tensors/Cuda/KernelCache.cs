using System.Security.Cryptography;
using System.Text;

namespace HdrOfx.Engine.Tensors.Cuda;

/// <summary>
/// Compiled kernel images on disk, keyed by SHA-256 of (source hash, architecture, compiler version, options), so
/// NVRTC runs once per device architecture and source version, not once per process. Files are written atomically
/// (temporary file, then rename); an image the driver refuses is deleted and rebuilt. Folder: HDROFX_KERNEL_CACHE,
/// else $XDG_CACHE_HOME/hdrofx/kernels or ~/.cache/hdrofx/kernels (%LOCALAPPDATA%\HdrOfx\kernels on Windows).
/// Any failure to read or write the cache only costs a compile.
/// </summary>
public sealed class KernelCache
{
    public KernelCache(string folder) => Folder = folder;

    public string Folder { get; }
    public int Hits { get; private set; }
    public int Compiles { get; private set; }

    public static string DefaultFolder(Func<string, string?>? env = null)
    {
        env ??= Environment.GetEnvironmentVariable;
        if (env("HDROFX_KERNEL_CACHE") is { Length: > 0 } explicitFolder) return explicitFolder;
        if (OperatingSystem.IsWindows())
            return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "HdrOfx", "kernels");
        string root = env("XDG_CACHE_HOME") is { Length: > 0 } x ? x : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(root, "hdrofx", "kernels");
    }

    public static string Key(string sourceHash, string arch, string compilerVersion, IEnumerable<string> options) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(
            $"{sourceHash}\n{arch}\n{compilerVersion}\n{string.Join('\u001f', options)}")));

    /// <summary>
    /// The cached image for <paramref name="key"/> if <paramref name="load"/> accepts it, else a fresh
    /// <paramref name="compile"/> (stored for next time) that <paramref name="load"/> must accept.
    /// </summary>
    public T GetOrCompile<T>(string key, Func<byte[]> compile, Func<byte[], T?> load) where T : struct
    {
        string path = Path.Combine(Folder, key + ".bin");
        var cached = TryRead(path);
        if (cached != null)
        {
            var loaded = load(cached);
            if (loaded.HasValue)
            {
                Hits++;
                return loaded.Value;
            }
            TryDelete(path);
        }
        var image = compile();
        Compiles++;
        var result = load(image) ?? throw new InvalidOperationException($"a freshly compiled kernel image ({image.Length} bytes) was refused by the loader");
        TryWrite(path, image);
        return result;
    }

    private static byte[]? TryRead(string path)
    {
        try { return File.Exists(path) ? File.ReadAllBytes(path) : null; }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    private static void TryWrite(string path, byte[] image)
    {
        string tmp = path + "." + Environment.ProcessId + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(tmp, image);
            File.Move(tmp, path, overwrite: true);
        }
        catch (IOException) { TryDelete(tmp); }
        catch (UnauthorizedAccessException) { TryDelete(tmp); }
    }
}
