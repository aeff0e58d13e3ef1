using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace HdrOfx.Engine.IO;

/// <summary>
/// Temporary files beside their targets, hidden and named after the process that writes them
/// (<c>.NAME.hdrofx-PID-RANDOM.tmp[.EXT]</c>), so that a later run can remove what a killed run left behind
/// without touching the files of a run still going.
/// </summary>
public static partial class TempFiles
{
    /// <summary>A fresh temporary path in the folder of <paramref name="finalPath"/>, keeping its extension when asked (tools that pick a format by it).</summary>
    public static string Beside(string finalPath, bool keepExtension = false)
    {
        string full = Path.GetFullPath(finalPath);
        string dir = Path.GetDirectoryName(full) ?? ".";
        string name = Path.GetFileName(full);
        string ext = keepExtension ? Path.GetExtension(full) : "";
        return Path.Combine(dir, $".{name}.hdrofx-{Environment.ProcessId}-{Guid.NewGuid():N}.tmp{ext}");
    }

    /// <summary>
    /// Deletes the temporaries in <paramref name="dir"/> whose process is gone (this naming and the one used before it:
    /// <c>.NAME.PID.partial.exr</c>, <c>.NAME.PID.RANDOM.tmp[.EXT]</c>). Returns the paths removed.
    /// </summary>
    public static IReadOnlyList<string> RemoveOrphans(string dir)
    {
        var removed = new List<string>();
        if (!Directory.Exists(dir)) return removed;
        foreach (string file in Directory.EnumerateFiles(dir, ".*"))
        {
            var m = Orphan().Match(Path.GetFileName(file));
            if (!m.Success) continue;
            if (!int.TryParse(m.Groups["pid"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) || IsRunning(pid)) continue;
            try
            {
                File.Delete(file);
                removed.Add(file);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return removed;
    }

    private static bool IsRunning(int pid)
    {
        if (pid == Environment.ProcessId) return true;
        if (OperatingSystem.IsLinux()) return Directory.Exists($"/proc/{pid}");
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }

    [GeneratedRegex(@"^\..+\.(?:hdrofx-(?<pid>\d+)-[0-9a-f]{32}\.tmp(?:\.\w+)?|(?<pid>\d+)\.partial\.exr|(?<pid>\d+)\.[0-9a-f]{32}\.tmp(?:\.\w+)?)$")]
    private static partial Regex Orphan();
}
