using System.Diagnostics;
using NUnit.Framework;

namespace HdrOfx.Cli.Tests;

/// <summary>Runs the built hdrofx (src/Cli/bin/&lt;config&gt;/net9.0/hdrofx.dll) as a child process.</summary>
internal static class CliProcess
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr)
    {
        public string[] ErrLines => StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>The repository root (the folder holding HdrOfx.sln above the test directory).</summary>
    public static string RepoRoot()
    {
        string? dir = TestContext.CurrentContext.TestDirectory;
        while (dir != null && !File.Exists(Path.Combine(dir, "HdrOfx.sln"))) dir = Path.GetDirectoryName(dir);
        return dir ?? throw new InvalidOperationException("repository root (HdrOfx.sln) not found above the test directory");
    }

    /// <summary>The built hdrofx.dll of this configuration.</summary>
    public static string Dll()
    {
        string config = TestContext.CurrentContext.TestDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}") ? "Debug" : "Release";
        string dll = Path.Combine(RepoRoot(), "src", "Cli", "bin", config, "net9.0", "hdrofx.dll");
        if (!File.Exists(dll)) throw new InvalidOperationException($"{dll} is not built");
        return dll;
    }

    /// <summary>Starts hdrofx with stdout and stderr redirected; the caller reads them and waits.</summary>
    public static Process Start(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Dll());
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["HDROFX_DEBUG"] = null;
        return Process.Start(psi)!;
    }

    public static Result Run(params string[] args)
    {
        using var p = Start(args);
        var err = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(120_000))
        {
            p.Kill(true);
            Assert.Fail($"hdrofx {string.Join(' ', args)} did not finish in 120 s");
        }
        return new Result(p.ExitCode, stdout, err.Result);
    }
}
