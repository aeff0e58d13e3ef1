using System.Runtime.InteropServices;

namespace HdrOfx.Engine.Parallelism;

/// <summary>
/// The calling thread's scheduling priority (Linux nice; other platforms: not supported). Raising one's own nice value
/// needs no privilege; a pipeline's codec threads use it so that the reconstruction keeps the cores it can use.
/// </summary>
public static class WorkerPriority
{
    /// <summary>Sets the calling thread's nice value; false where unsupported or where the call failed.</summary>
    public static bool SetNice(int nice)
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            int tid = gettid();
            return tid > 0 && setpriority(PrioProcess, (uint)tid, nice) == 0;
        }
        catch (EntryPointNotFoundException) { return false; }
        catch (DllNotFoundException) { return false; }
    }

    /// <summary>The calling thread's nice value from /proc (field 19 of its stat line), or null where unavailable.</summary>
    public static int? CurrentNice()
    {
        if (!OperatingSystem.IsLinux()) return null;
        try
        {
            string stat = File.ReadAllText($"/proc/self/task/{gettid()}/stat");
            // The command name (field 2) is in parentheses and may hold spaces: fields are counted after its ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(fields[19 - 3], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException) { return null; }
        catch (EntryPointNotFoundException) { return null; }
    }

    private const int PrioProcess = 0;

    [DllImport("libc", SetLastError = true)]
    private static extern int gettid();

    [DllImport("libc", SetLastError = true)]
    private static extern int setpriority(int which, uint who, int prio);
}
