using System.Diagnostics;
using System.Runtime.InteropServices;
using HdrOfx.Plugin.Tests.Host;
using HdrOfx.Plugin.Testing;
using NUnit.Framework;

namespace HdrOfx.Plugin.Tests;

/// <summary>
/// Builds the bundles when they are missing or stale (packaging/build-bundle.sh), makes the built bundle's
/// Resources/models what bundle/Contents/Resources/models holds now, and loads them once per process into the one test
/// host. Skips with a reason only when the toolchain is absent (fails where CI=true).
/// </summary>
public static class BundleFixture
{
    private static readonly object Gate = new();
    private static LoadedPlugin? _hdr, _gain;
    private static string? _skip;

    public static string RepoRoot { get; } = FindRoot();

    /// <summary>The tests' flavour of the bundle: the shipped plug-in plus the test-only methods (build-bundle.sh --test-methods).</summary>
    public static string HdrBundle => Path.Combine(RepoRoot, "artifacts", "test-bundles", "HdrReconstruct.ofx.bundle");
    public static string GainBundle => Path.Combine(RepoRoot, "artifacts", "test-bundles", "GainExample.ofx.bundle");
    public static string TestHostShim => Path.Combine(RepoRoot, "artifacts", "native-shim", "linux-x64", "libofxtesthostshim.so");

    /// <summary>The weights the repository ships (what build-bundle.sh copies into the bundle and the CLI build beside hdrofx).</summary>
    public static string SourceModels => Path.Combine(RepoRoot, "bundle", "Contents", "Resources", "models");

    /// <summary>The models folder of the tests' built bundle, which the loaded plug-in reads.</summary>
    public static string BuiltModels => Path.Combine(HdrBundle, "Contents", "Resources", "models");

    private static string FindRoot()
    {
        var d = new DirectoryInfo(TestContext.CurrentContext?.TestDirectory ?? AppContext.BaseDirectory);
        while (d != null && !File.Exists(Path.Combine(d.FullName, "HdrOfx.sln"))) d = d.Parent;
        return d?.FullName ?? throw new InvalidOperationException("HdrOfx.sln not found above the test directory");
    }

    public static LoadedPlugin Hdr
    {
        get
        {
            EnsureLoaded();
            return _hdr!;
        }
    }

    public static LoadedPlugin Gain
    {
        get
        {
            EnsureLoaded();
            return _gain!;
        }
    }

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetEnv(string name, string value, int overwrite);

    private static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (_skip != null) Prerequisite.Missing(_skip);
            if (_hdr != null) return;
            if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
            {
                _skip = "the test host loads Linux x86-64 bundles only";
                Prerequisite.Missing(_skip);
            }
            EnsureBuilt();
            SyncModels();
            // The plug-in's own runtime reads the C environment, not this process's managed copy.
            SetEnv(TestMethods.EnvVar, "1", 1);
            SetEnv("HDROFX_TIMINGS", "1", 1);
            OfxTestHost.Init(TestHostShim);
            _hdr = LoadedPlugin.Load(HdrBundle);
            _gain = LoadedPlugin.Load(GainBundle);
        }
    }

    private static readonly string[] SourceDirs = ["src/Plugin", "src/Interop", "src/Engine", "native-shim", "tests/GainExample", "tests/Plugin.Tests/Methods", "bundle", "packaging"];

    private static DateTime NewestSource()
    {
        var newest = DateTime.MinValue;
        foreach (var dir in SourceDirs)
        {
            var full = Path.Combine(RepoRoot, dir);
            if (!Directory.Exists(full)) continue;
            foreach (var f in Directory.EnumerateFiles(full, "*", SearchOption.AllDirectories))
            {
                if (f.Contains("/bin/") || f.Contains("/obj/")) continue;
                var ext = Path.GetExtension(f);
                if (ext is ".cs" or ".csproj" or ".c" or ".h" or ".txt" or ".sh" or ".in" or ".py" or ".props")
                {
                    var t = File.GetLastWriteTimeUtc(f);
                    if (t > newest) newest = t;
                }
            }
        }
        foreach (var f in new[] { "Directory.Build.props", "Directory.Packages.props" })
        {
            var p = Path.Combine(RepoRoot, f);
            if (File.Exists(p) && File.GetLastWriteTimeUtc(p) > newest) newest = File.GetLastWriteTimeUtc(p);
        }
        return newest;
    }

    private static void EnsureBuilt()
    {
        var bins = new[] { LoadedPlugin.BinaryPath(HdrBundle), LoadedPlugin.BinaryPath(GainBundle), TestHostShim };
        var newest = NewestSource();
        bool fresh = bins.All(File.Exists) && bins.All(b => File.GetLastWriteTimeUtc(b) >= newest);
        if (fresh) return;
        foreach (var tool in new[] { "dotnet", "cmake", "cc" })
            if (!OnPath(tool))
            {
                _skip = $"cannot build the bundle: '{tool}' is not on PATH";
                Prerequisite.Missing(_skip);
            }
        var psi = new ProcessStartInfo("bash", $"\"{Path.Combine(RepoRoot, "packaging", "build-bundle.sh")}\" --with-examples --test-methods")
        {
            WorkingDirectory = RepoRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // Inside `dotnet test` MSBuild variables leak into the child; clear the ones that redirect a nested build.
        foreach (var v in new[] { "MSBuildExtensionsPath", "MSBUILD_EXE_PATH", "MSBuildSDKsPath", "MSBuildLoadMicrosoftTargetsReadOnly" })
            psi.Environment.Remove(v);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(20)))
        {
            p.Kill(true);
            throw new TimeoutException("packaging/build-bundle.sh took more than 20 minutes");
        }
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"packaging/build-bundle.sh failed ({p.ExitCode}):\n{stdout.Result}\n{stderr.Result}");
        TestContext.Progress.WriteLine($"built bundles: {stdout.Result.Trim()}");
    }

    /// <summary>
    /// Makes the built bundle's Resources/models hold exactly the files of <see cref="SourceModels"/>. build-bundle.sh
    /// copies them only when it runs, and weights dropped into (or removed from) bundle/ later leave the binaries fresh:
    /// without this the plug-in would read other weights than the engine side of the comparisons.
    /// </summary>
    private static void SyncModels()
    {
        Directory.CreateDirectory(BuiltModels);
        var wanted = Directory.Exists(SourceModels) ? Directory.GetFiles(SourceModels) : [];
        foreach (var f in wanted)
        {
            var dst = Path.Combine(BuiltModels, Path.GetFileName(f));
            if (File.Exists(dst) && SameBytes(f, dst)) continue;
            File.Copy(f, dst, overwrite: true);
            TestContext.Progress.WriteLine($"bundle models: copied {Path.GetFileName(f)} into {BuiltModels}");
        }
        var names = wanted.Select(Path.GetFileName).ToHashSet();
        foreach (var f in Directory.GetFiles(BuiltModels).Where(f => !names.Contains(Path.GetFileName(f))))
        {
            File.Delete(f);
            TestContext.Progress.WriteLine($"bundle models: removed {Path.GetFileName(f)}, which bundle/ no longer has");
        }
    }

    private static bool SameBytes(string a, string b) =>
        new FileInfo(a).Length == new FileInfo(b).Length && File.ReadAllBytes(a).AsSpan().SequenceEqual(File.ReadAllBytes(b));

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, tool)));
}
