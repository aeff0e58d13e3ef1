using System.Diagnostics;
using System.Text;
using HdrOfx.Engine.Tensors.Cpu;

namespace HdrOfx.Engine.Tensors.Profiling;

/// <summary>
/// Per-op and per-stage wall time and output bytes of the CPU backend, for finding where inference spends its time.
/// While <see cref="Start"/>'s handle is alive, <see cref="Backends.For"/> hands out a <see cref="ProfilingBackend"/>
/// that times every kernel call; <see cref="Stage"/> labels the calls made inside it (labels nest with '/').
/// Off by default: then nothing is timed and <see cref="Stage"/> returns a no-op handle.
/// </summary>
public static class OpProfiler
{
    private static readonly object Gate = new();
    private static readonly Dictionary<(string Stage, string Op), Entry> Entries = new();
    private static readonly Dictionary<string, Entry> StageTotals = new();
    [ThreadStatic] private static string? _stage;
    private static volatile bool _on;

    public sealed class Entry
    {
        public long Calls;
        public long Ticks;
        public long Bytes;
        public double CpuSeconds;
    }

    private static double ProcessCpuSeconds() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

    internal static bool On => _on;

    /// <summary>Starts collecting (clearing earlier figures); disposing the handle stops.</summary>
    public static IDisposable Start()
    {
        lock (Gate) { Entries.Clear(); StageTotals.Clear(); }
        _on = true;
        Backends.SetCpuOverride(new ProfilingBackend(Backends.Cpu));
        return new Stopper();
    }

    private sealed class Stopper : IDisposable
    {
        public void Dispose()
        {
            _on = false;
            Backends.SetCpuOverride(null);
        }
    }

    /// <summary>Labels the kernel calls until the handle is disposed; the stage's own wall time is recorded too.</summary>
    public static StageHandle Stage(string name)
    {
        if (!_on) return default;
        var prev = _stage;
        _stage = prev is null ? name : prev + "/" + name;
        return new StageHandle(prev, _stage, Stopwatch.GetTimestamp(), TensorArena.BytesAllocated, ProcessCpuSeconds());
    }

    /// <summary>A stage's wall time, arena growth and the process's CPU time over it (all threads: stages that run concurrently each count the others' work).</summary>
    public readonly struct StageHandle(string? prev, string? label, long start, long arena0, double cpu0) : IDisposable
    {
        public void Dispose()
        {
            if (label is null) return;
            _stage = prev;
            lock (Gate)
            {
                if (!StageTotals.TryGetValue(label, out var e)) StageTotals[label] = e = new Entry();
                e.Calls++;
                e.Ticks += Stopwatch.GetTimestamp() - start;
                e.Bytes += TensorArena.BytesAllocated - arena0;
                e.CpuSeconds += ProcessCpuSeconds() - cpu0;
            }
        }
    }

    internal static void Record(string op, long ticks, long bytes)
    {
        var key = (_stage ?? "-", op);
        lock (Gate)
        {
            if (!Entries.TryGetValue(key, out var e)) Entries[key] = e = new Entry();
            e.Calls++;
            e.Ticks += ticks;
            e.Bytes += bytes;
        }
    }

    /// <summary>Total seconds per op name over all stages.</summary>
    public static IReadOnlyDictionary<string, double> SecondsByOp()
    {
        lock (Gate)
            return Entries.GroupBy(kv => kv.Key.Op).ToDictionary(g => g.Key, g => g.Sum(kv => kv.Value.Ticks) / (double)Stopwatch.Frequency);
    }

    /// <summary>A table: stages (wall s, arena growth), then ops by total time and the top (stage, op) pairs.</summary>
    public static string Report(int top = 40)
    {
        var sb = new StringBuilder();
        double F(long t) => t / (double)Stopwatch.Frequency;
        lock (Gate)
        {
            sb.AppendLine("stage | calls | wall s | process CPU s | arena growth MiB");
            foreach (var (k, e) in StageTotals.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                sb.AppendLine($"{k} | {e.Calls} | {F(e.Ticks):F3} | {e.CpuSeconds:F3} | {e.Bytes / 1048576.0:F1}");
            sb.AppendLine("op | calls | s | output MiB");
            foreach (var g in Entries.GroupBy(kv => kv.Key.Op).OrderByDescending(g => g.Sum(kv => kv.Value.Ticks)))
                sb.AppendLine($"{g.Key} | {g.Sum(kv => kv.Value.Calls)} | {F(g.Sum(kv => kv.Value.Ticks)):F3} | {g.Sum(kv => kv.Value.Bytes) / 1048576.0:F1}");
            sb.AppendLine("stage : op | calls | s | output MiB");
            foreach (var (k, e) in Entries.OrderByDescending(kv => kv.Value.Ticks).Take(top))
                sb.AppendLine($"{k.Stage} : {k.Op} | {e.Calls} | {F(e.Ticks):F3} | {e.Bytes / 1048576.0:F1}");
        }
        return sb.ToString();
    }
}
