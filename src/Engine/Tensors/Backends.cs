using HdrOfx.Engine.Tensors.Cpu;

namespace HdrOfx.Engine.Tensors;

/// <summary>Maps a <see cref="Device"/> to its backend. The CPU backend always exists; others register at startup.</summary>
public static class Backends
{
    public static readonly CpuBackend Cpu = new();
    private static readonly Dictionary<Device, IBackend> Others = new();
    private static volatile IBackend? _cpuOverride;

    /// <summary>Replaces what <see cref="For"/> returns for the CPU (the profiler's timing wrapper); null restores <see cref="Cpu"/>.</summary>
    internal static void SetCpuOverride(IBackend? backend) => _cpuOverride = backend;

    public static void Register(IBackend backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        lock (Others) Others[backend.Device] = backend;
    }

    public static bool IsAvailable(Device d)
    {
        if (d.Kind == DeviceKind.Cpu) return true;
        lock (Others) return Others.ContainsKey(d);
    }

    public static IBackend For(Device d)
    {
        if (d.Kind == DeviceKind.Cpu) return _cpuOverride ?? Cpu;
        lock (Others)
            return Others.TryGetValue(d, out var b) ? b : throw new InvalidOperationException($"no backend registered for device {d}");
    }
}
