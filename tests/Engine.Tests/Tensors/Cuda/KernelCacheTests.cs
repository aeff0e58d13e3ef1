using HdrOfx.Engine.Tensors.Cuda;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Tensors.Cuda;

public class KernelCacheTests
{
    private static string TempFolder() => Path.Combine(Path.GetTempPath(), "hdrofx-kcache-" + Guid.NewGuid().ToString("N"));

    [Test]
    public void The_second_build_comes_from_disk()
    {
        var dir = TempFolder();
        int compiles = 0;
        byte[] Compile() { compiles++; return [1, 2, 3]; }
        int? Load(byte[] b) => b.Length == 3 ? b[2] : null;
        string key = KernelCache.Key("abc", "sm_90", "nvrtc 13.0", ["--std=c++17"]);
        Assert.That(new KernelCache(dir).GetOrCompile(key, Compile, Load), Is.EqualTo(3));
        var again = new KernelCache(dir);
        Assert.That(again.GetOrCompile(key, Compile, Load), Is.EqualTo(3));
        Assert.That(compiles, Is.EqualTo(1));
        Assert.That(again.Hits, Is.EqualTo(1));
        Assert.That(Directory.GetFiles(dir), Has.Length.EqualTo(1), "no temporary file left behind");
        Directory.Delete(dir, true);
    }

    [Test]
    public void The_key_changes_with_source_architecture_compiler_and_options()
    {
        string k = KernelCache.Key("abc", "sm_90", "nvrtc 13.0", ["-a"]);
        Assert.That(KernelCache.Key("abd", "sm_90", "nvrtc 13.0", ["-a"]), Is.Not.EqualTo(k));
        Assert.That(KernelCache.Key("abc", "sm_89", "nvrtc 13.0", ["-a"]), Is.Not.EqualTo(k));
        Assert.That(KernelCache.Key("abc", "sm_90", "nvrtc 12.8", ["-a"]), Is.Not.EqualTo(k));
        Assert.That(KernelCache.Key("abc", "sm_90", "nvrtc 13.0", ["-b"]), Is.Not.EqualTo(k));
        Assert.That(k, Does.Match("^[0-9a-f]{64}$"));
    }

    [Test]
    public void An_image_the_loader_refuses_is_rebuilt_and_replaced()
    {
        var dir = TempFolder();
        string key = KernelCache.Key("abc", "sm_90", "v", []);
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, key + ".bin"), [0xde, 0xad]); // truncated or from a broken run
        var cache = new KernelCache(dir);
        int v = cache.GetOrCompile<int>(key, () => [7, 7, 7], b => b.Length == 3 ? 42 : null);
        Assert.That(v, Is.EqualTo(42));
        Assert.That(cache.Compiles, Is.EqualTo(1));
        Assert.That(File.ReadAllBytes(Path.Combine(dir, key + ".bin")), Is.EqualTo(new byte[] { 7, 7, 7 }));
        Directory.Delete(dir, true);
    }

    [Test]
    public void An_unwritable_folder_only_costs_a_compile()
    {
        var file = Path.GetTempFileName(); // a file where the folder should be
        var cache = new KernelCache(Path.Combine(file, "sub"));
        Assert.That(cache.GetOrCompile<int>("k", () => [1], b => 5), Is.EqualTo(5));
        File.Delete(file);
    }

    [Test]
    public void The_default_folder_follows_the_environment()
    {
        Assert.That(KernelCache.DefaultFolder(n => n == "HDROFX_KERNEL_CACHE" ? "/x/y" : null), Is.EqualTo("/x/y"));
        if (!OperatingSystem.IsWindows())
            Assert.That(KernelCache.DefaultFolder(n => n == "XDG_CACHE_HOME" ? "/c" : null), Is.EqualTo(Path.Combine("/c", "hdrofx", "kernels")));
    }
}
