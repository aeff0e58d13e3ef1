using System.Diagnostics;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.IO;

/// <summary>Runs the independent tools (ffmpeg, ffprobe, oiiotool, ImageMagick, libtiff's tiffcp) the media tests compare against.</summary>
internal static class ExternalTools
{
    private static readonly Dictionary<string, bool> Seen = new();

    public static string? Find(string exe)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string p = Path.Combine(dir, exe);
            if (File.Exists(p)) return p;
        }
        return null;
    }

    /// <summary>Skips the test when the tool is not installed (fails it where CI=true).</summary>
    public static void Require(string exe)
    {
        lock (Seen)
        {
            if (!Seen.TryGetValue(exe, out bool ok)) Seen[exe] = ok = Find(exe) is not null;
            if (!ok) Prerequisite.Missing($"{exe} is not installed");
        }
    }

    /// <summary>ImageMagick's real convert (not a stand-in script).</summary>
    public static string RequireImageMagick()
    {
        foreach (var p in new[] { "/usr/bin/convert", "/usr/bin/magick" })
            if (File.Exists(p)) return p;
        Prerequisite.Missing("ImageMagick is not installed");
        return "";
    }

    public static byte[] Run(string exe, params string[] args) => Run(exe, null, args);

    public static byte[] Run(string exe, byte[]? stdin, params string[] args)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin is not null, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var ms = new MemoryStream();
        var copy = p.StandardOutput.BaseStream.CopyToAsync(ms);
        if (stdin is not null) { p.StandardInput.BaseStream.Write(stdin); p.StandardInput.Close(); }
        copy.GetAwaiter().GetResult();
        p.WaitForExit();
        if (p.ExitCode != 0) Assert.Fail($"{exe} {string.Join(' ', args)} failed ({p.ExitCode}): {err.Result}");
        return ms.ToArray();
    }

    public static string RunText(string exe, params string[] args) => System.Text.Encoding.UTF8.GetString(Run(exe, args));

    /// <summary>ffmpeg's decode of an image as 16-bit RGBA, normalized to [0,1]: (r,g,b,a) per pixel, row-major.</summary>
    public static float[] FfmpegRgba(string path, out int count, bool eightBit = false)
    {
        if (eightBit)
        {
            byte[] e = Run("ffmpeg", "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgba", "-");
            count = e.Length / 4;
            return e.Select(v => v / 255f).ToArray();
        }
        byte[] b = Run("ffmpeg", "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgba64le", "-");
        count = b.Length / 8;
        var f = new float[b.Length / 2];
        for (int i = 0; i < f.Length; i++) f[i] = (b[2 * i] | (b[2 * i + 1] << 8)) / 65535f;
        return f;
    }

    public static string TempDir()
    {
        string d = Path.Combine(Path.GetTempPath(), "hdrofx-media-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(d);
        return d;
    }
}
