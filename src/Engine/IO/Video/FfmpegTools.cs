using System.Diagnostics;
using System.Text;

namespace HdrOfx.Engine.IO.Video;

/// <summary>
/// Locates and runs the ffmpeg / ffprobe executables. Paths come from the environment variables HDROFX_FFMPEG and
/// HDROFX_FFPROBE when set, otherwise "ffmpeg" and "ffprobe" on PATH.
/// </summary>
public static class FfmpegTools
{
    public static string FfmpegPath { get; set; } = Environment.GetEnvironmentVariable("HDROFX_FFMPEG") is { Length: > 0 } f ? f : "ffmpeg";
    public static string FfprobePath { get; set; } = Environment.GetEnvironmentVariable("HDROFX_FFPROBE") is { Length: > 0 } p ? p : "ffprobe";

    /// <summary>True when <paramref name="exe"/> starts and exits 0 with -version.</summary>
    public static bool IsAvailable(string exe)
    {
        try
        {
            var r = Run(exe, ["-version"], TimeSpan.FromSeconds(30));
            return r.ExitCode == 0;
        }
        catch (ImageIOException) { return false; }
    }

    internal static Process Start(string exe, IEnumerable<string> args, bool redirectStdin, bool redirectStdout)
    {
        var psi = new ProcessStartInfo(exe)
        {
            UseShellExecute = false,
            RedirectStandardInput = redirectStdin,
            RedirectStandardOutput = redirectStdout,
            RedirectStandardError = true,
            CreateNoWindow = true,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var a in args) psi.ArgumentList.Add(a);
        try
        {
            return Process.Start(psi) ?? throw new ImageIOException($"could not start '{exe}'");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new ImageIOException($"could not run '{exe}': {e.Message}. Install ffmpeg (with ffprobe) or set HDROFX_FFMPEG / HDROFX_FFPROBE to its path", e);
        }
    }

    internal readonly record struct Result(int ExitCode, string Stdout, string Stderr);

    /// <summary>Runs to completion, reading stdout and stderr concurrently so neither pipe can fill and block.</summary>
    internal static Result Run(string exe, IEnumerable<string> args, TimeSpan timeout)
    {
        using var p = Start(exe, args, redirectStdin: false, redirectStdout: true);
        var outTask = p.StandardOutput.ReadToEndAsync();
        var errTask = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            throw new ImageIOException($"'{exe}' did not finish within {timeout.TotalSeconds:0} s");
        }
        p.WaitForExit();
        return new Result(p.ExitCode, outTask.GetAwaiter().GetResult(), errTask.GetAwaiter().GetResult());
    }

    /// <summary>The last non-empty line of a tool's stderr, for error messages.</summary>
    internal static string LastLine(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? "(no message)" : lines[^1];
    }
}

/// <summary>Collects a child's stderr asynchronously, keeping the last lines for error messages.</summary>
internal sealed class StderrTail
{
    private readonly Queue<string> _lines = new();
    private readonly int _keep;

    public StderrTail(Process p, int keep = 20)
    {
        _keep = keep;
        p.ErrorDataReceived += (_, e) =>
        {
            if (string.IsNullOrWhiteSpace(e.Data)) return;
            lock (_lines)
            {
                _lines.Enqueue(e.Data.Trim());
                while (_lines.Count > _keep) _lines.Dequeue();
            }
        };
        p.BeginErrorReadLine();
    }

    public string Last
    {
        get { lock (_lines) return _lines.Count == 0 ? "(no message)" : _lines.Last(); }
    }

    public string All
    {
        get { lock (_lines) return string.Join("\n", _lines); }
    }
}
