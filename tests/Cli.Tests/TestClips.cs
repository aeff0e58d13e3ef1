using System.Diagnostics;
using System.Security.Cryptography;
using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.IO.Exr;
using HdrOfx.Engine.IO.Png;
using NUnit.Framework;

namespace HdrOfx.Cli.Tests;

/// <summary>Small input sequences, directory snapshots and external tools for the reconstruct tests.</summary>
internal static class TestClips
{
    public const int W = 40, H = 24;

    public static string NewDir()
    {
        string d = Path.Combine(Path.GetTempPath(), "hdrofx-cli-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(d, "out")); // the output directory must exist (docs/cli.md)
        return d;
    }

    /// <summary>A smooth gradient exposed at alternating EVs −1/+1 (display-referred sRGB-ish values in [0, 1]).</summary>
    public static ImageF Frame(int t, int w = W, int h = H)
    {
        var img = new ImageF(w, h, 3);
        float gain = t % 2 == 0 ? 0.5f : 2f;
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    img[c, y, x] = Math.Clamp(gain * (0.1f + 0.6f * (x + 2 * t) / w + 0.1f * c) * (0.5f + 0.5f * y / h), 0f, 1f);
        return img;
    }

    public static string PngSequence(string dir, int count, Func<int, ImageF>? frame = null, int bits = 16)
    {
        Directory.CreateDirectory(Path.Combine(dir, "in"));
        for (int t = 0; t < count; t++) PngWriter.Write(Path.Combine(dir, "in", $"frame.{t:0000}.png"), (frame ?? (i => Frame(i)))(t), bits);
        return Path.Combine(dir, "in", "frame.%04d.png");
    }

    public static string ExrSequence(string dir, int count, Func<int, ImageF>? frame = null, string sub = "in")
    {
        Directory.CreateDirectory(Path.Combine(dir, sub));
        for (int t = 0; t < count; t++) ExrWriter.Write(Path.Combine(dir, sub, $"frame.{t:0000}.exr"), (frame ?? (i => Frame(i)))(t), ExrPixelType.Float);
        return Path.Combine(dir, sub, "frame.%04d.exr");
    }

    public static Dictionary<string, string> Snapshot(string dir) =>
        Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(dir, f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

    /// <summary>Runs reconstruct expecting failure; asserts one error line, exit 1, no stack or .NET parameter name, and an unchanged tree.</summary>
    public static string ExpectFailure(string dir, params string[] args)
    {
        var before = Snapshot(dir);
        var r = CliProcess.Run(["reconstruct", .. args]);
        Assert.That(r.ExitCode, Is.EqualTo(1), $"exit code; stderr: {r.StdErr}");
        var errors = r.ErrLines.Where(l => l.Contains("error", StringComparison.OrdinalIgnoreCase)).ToArray();
        Assert.That(errors, Has.Length.EqualTo(1), $"one error line expected; stderr: {r.StdErr}");
        Assert.That(errors[0], Does.StartWith("hdrofx reconstruct: error: "));
        Assert.That(r.StdErr, Does.Not.Contain("   at "), "no stack trace");
        Assert.That(r.StdErr, Does.Not.Contain("(Parameter '"), "no .NET parameter names");
        var after = Snapshot(dir);
        Assert.That(after, Is.EqualTo(before), "a failed run must leave every file as it was and add none");
        TestContext.Out.WriteLine(errors[0]);
        return errors[0];
    }

    public static string[] Args(string input, string output, string ev = "-1,1", string? transfer = "srgb", string method = "classical", string phase = "0")
    {
        var a = new List<string> { "--input", input, "--ev", ev, "--phase", phase, "--method", method, "--output", output };
        if (transfer is not null) a.AddRange(["--transfer", transfer]);
        return [.. a];
    }

    /// <summary>Hidden temporaries of hdrofx runs (this naming and the one before it) in a folder.</summary>
    public static string[] Temporaries(string dir) =>
        Directory.GetFiles(dir, ".*").Where(f => f.EndsWith(".tmp", StringComparison.Ordinal) || f.Contains(".tmp.", StringComparison.Ordinal) || f.EndsWith(".partial.exr", StringComparison.Ordinal)).ToArray();

    public static string RequireTool(string exe)
    {
        foreach (var d in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
            if (File.Exists(Path.Combine(d, exe))) return Path.Combine(d, exe);
        Assert.Ignore($"{exe} is not installed");
        return exe;
    }

    public static (int Code, string StdOut, string StdErr) Tool(string exe, params string[] args)
    {
        var psi = new ProcessStartInfo(RequireTool(exe)) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output, err.Result);
    }
}
