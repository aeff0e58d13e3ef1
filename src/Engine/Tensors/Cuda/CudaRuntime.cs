using System.Text;

namespace HdrOfx.Engine.Tensors.Cuda;

/// <summary>What the probe found on the first CUDA device.</summary>
public sealed record CudaDeviceInfo(int Ordinal, string Name, int ComputeMajor, int ComputeMinor, long TotalMemoryBytes, int DriverVersion)
{
    /// <summary>NVRTC's --gpu-architecture value for this device, e.g. sm_90.</summary>
    public string Architecture => $"sm_{ComputeMajor}{ComputeMinor}";

    public override string ToString() =>
        $"{Name} ({Architecture}, {TotalMemoryBytes / (1024.0 * 1024 * 1024):F1} GiB, driver {DriverVersion / 1000}.{DriverVersion % 1000 / 10})";
}

/// <summary>An opened device: the libraries, the driver's entry points, what the device is, and its retained primary context.</summary>
public sealed record CudaContext(CudaLibraries Libraries, CudaDriver Driver, CudaDeviceInfo Device, nint PrimaryContext);

/// <summary>
/// Whether CUDA can be used here, decided once per process: the libraries load, the driver initializes, a device exists
/// and its primary context (the one a host using the CUDA runtime shares, DESIGN §6) can be retained. If not,
/// <see cref="Reason"/> is the one line to log, and everything runs on the CPU.
/// </summary>
public static unsafe class CudaRuntime
{
    private static readonly Lazy<State> Probed = new(Probe, LazyThreadSafetyMode.ExecutionAndPublication);

    private sealed record State(bool Available, string Reason, CudaLibraries? Libraries, CudaDriver? Driver, CudaDeviceInfo? Device, nint PrimaryContext);

    public static bool IsAvailable => Probed.Value.Available;
    /// <summary>Empty when available; otherwise why not, in one line.</summary>
    public static string Reason => Probed.Value.Reason;
    public static CudaDeviceInfo? Device => Probed.Value.Device;
    public static CudaLibraries? Libraries => Probed.Value.Libraries;
    public static CudaDriver? Driver => Probed.Value.Driver;
    /// <summary>The retained primary context of device 0 (zero when unavailable).</summary>
    public static nint PrimaryContext => Probed.Value.PrimaryContext;

    /// <summary>One line for logs and benchmark reports.</summary>
    public static string Describe() => IsAvailable ? $"CUDA: {Device}" : $"CUDA unavailable, running on the CPU: {Reason}";

    /// <summary>The probed device as a <see cref="CudaContext"/>, or null when unavailable.</summary>
    public static CudaContext? Context => IsAvailable ? new CudaContext(Libraries!, Driver!, Device!, PrimaryContext) : null;

    private static State Probe()
    {
        if (Environment.GetEnvironmentVariable("HDROFX_CUDA") == "0") return Unavailable("disabled by HDROFX_CUDA=0");
        var libs = CudaLibraries.TryLoad(out string why, [AppContext.BaseDirectory]);
        if (libs is null) return Unavailable(why);
        var c = TryOpen(libs, out why);
        return c is null ? Unavailable(why) : new State(true, "", c.Libraries, c.Driver, c.Device, c.PrimaryContext);
    }

    /// <summary>Initializes the driver in <paramref name="libs"/> and opens device 0 (its primary context); null with the reason if that fails.</summary>
    public static CudaContext? TryOpen(CudaLibraries libs, out string reason)
    {
        var drv = CudaDriver.TryCreate(libs.Driver, out reason);
        if (drv is null) return null;
        try
        {
            CudaStatus.Check(drv.Init(0), drv.ErrorName);
            int version, count, dev, major, minor;
            nuint mem;
            CudaStatus.Check(drv.DriverGetVersion(&version), drv.ErrorName);
            CudaStatus.Check(drv.DeviceGetCount(&count), drv.ErrorName);
            if (count < 1)
            {
                reason = "the CUDA driver reports no device";
                return null;
            }
            CudaStatus.Check(drv.DeviceGet(&dev, 0), drv.ErrorName);
            var name = stackalloc byte[256];
            CudaStatus.Check(drv.DeviceGetName(name, 256, dev), drv.ErrorName);
            CudaStatus.Check(drv.DeviceTotalMem(&mem, dev), drv.ErrorName);
            CudaStatus.Check(drv.DeviceGetAttribute(&major, CudaDriver.AttrComputeMajor, dev), drv.ErrorName);
            CudaStatus.Check(drv.DeviceGetAttribute(&minor, CudaDriver.AttrComputeMinor, dev), drv.ErrorName);
            nint ctx;
            CudaStatus.Check(drv.DevicePrimaryCtxRetain(&ctx, dev), drv.ErrorName);
            var info = new CudaDeviceInfo(dev, Utf8Z(name, 256), major, minor, (long)mem, version);
            reason = "";
            return new CudaContext(libs, drv, info, ctx);
        }
        catch (CudaException e)
        {
            reason = e.Message;
            return null;
        }
    }

    private static State Unavailable(string reason) => new(false, reason, null, null, null, 0);

    private static string Utf8Z(byte* s, int max)
    {
        int n = 0;
        while (n < max && s[n] != 0) n++;
        return Encoding.UTF8.GetString(s, n);
    }
}
