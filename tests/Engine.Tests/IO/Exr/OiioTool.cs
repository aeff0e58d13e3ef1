using System.Diagnostics;

namespace HdrOfx.Engine.Tests.IO.Exr;

/// <summary>Runs oiiotool (OpenImageIO, built on the OpenEXR C++ library) as the independent codec.</summary>
internal static class OiioTool
{
    private static readonly Lazy<bool> s_available = new(() =>
    {
        try { Run("--version"); return true; }
        catch (Exception) { return false; }
    });

    public static bool Available => s_available.Value;

    public static void RequireOrIgnore()
    {
        if (!Available) Prerequisite.Missing("oiiotool is not installed");
    }

    public static string Run(params string[] args)
    {
        var psi = new ProcessStartInfo("oiiotool")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start oiiotool");
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(120_000)) { p.Kill(); throw new TimeoutException("oiiotool hung: " + string.Join(' ', args)); }
        if (p.ExitCode != 0)
            {
            string cmd = string.Join(' ', args), err = stderr.Result + stdout;
            throw new InvalidOperationException($"oiiotool {(cmd.Length > 300 ? cmd[..300] + "..." : cmd)} exited {p.ExitCode}: {(err.Length > 600 ? err[..600] : err)}");
        }
        return stdout;
    }

    /// <summary>One oiiotool run that decodes every input to an uncompressed float scanline EXR (the
    /// paired output path): oiiotool starts slowly, so batch.</summary>
    public static void DecodeAllToFloat(IEnumerable<(string Input, string Output)> pairs)
    {
        var args = new List<string>();
        foreach (var (i, o) in pairs) args.AddRange([i, "-d", "float", "--compression", "none", "--scanline", "-o", o, "--pop"]);
        Run([.. args]);
    }

    /// <summary>Decodes <paramref name="path"/> with oiiotool into an uncompressed float EXR and parses that.</summary>
    public static RawExr DecodeToFloat(string path, string workDir)
    {
        string outPath = Path.Combine(workDir, "oiio-" + Guid.NewGuid().ToString("N") + ".exr");
        try
        {
            Run(path, "-d", "float", "--compression", "none", "--scanline", "-o", outPath);
            return RawExr.Read(outPath);
        }
        finally
        {
            File.Delete(outPath);
        }
    }
}
