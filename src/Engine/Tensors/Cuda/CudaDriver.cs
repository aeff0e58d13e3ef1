using System.Runtime.InteropServices;

namespace HdrOfx.Engine.Tensors.Cuda;

/// <summary>
/// The CUDA driver API entry points the backend uses, resolved from the loaded library as unmanaged function pointers
/// (no DllImport: the library is optional; no reflection: NativeAOT-safe). Signatures follow cuda.h; CUdevice is int,
/// CUcontext and CUstream are pointers.
/// </summary>
public sealed unsafe class CudaDriver
{
    public readonly delegate* unmanaged[Cdecl]<uint, int> Init;
    public readonly delegate* unmanaged[Cdecl]<int*, int> DriverGetVersion;
    public readonly delegate* unmanaged[Cdecl]<int*, int> DeviceGetCount;
    public readonly delegate* unmanaged[Cdecl]<int*, int, int> DeviceGet;
    public readonly delegate* unmanaged[Cdecl]<byte*, int, int, int> DeviceGetName;
    public readonly delegate* unmanaged[Cdecl]<nuint*, int, int> DeviceTotalMem;
    public readonly delegate* unmanaged[Cdecl]<int*, int, int, int> DeviceGetAttribute;
    public readonly delegate* unmanaged[Cdecl]<nint*, int, int> DevicePrimaryCtxRetain;
    public readonly delegate* unmanaged[Cdecl]<int, int> DevicePrimaryCtxRelease;
    public readonly delegate* unmanaged[Cdecl]<nint, int> CtxSetCurrent;
    public readonly delegate* unmanaged[Cdecl]<int, byte**, int> GetErrorName;

    /// <summary>CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR / _MINOR.</summary>
    public const int AttrComputeMajor = 75, AttrComputeMinor = 76;

    private CudaDriver(nint lib)
    {
        Init = (delegate* unmanaged[Cdecl]<uint, int>)Export(lib, "cuInit");
        DriverGetVersion = (delegate* unmanaged[Cdecl]<int*, int>)Export(lib, "cuDriverGetVersion");
        DeviceGetCount = (delegate* unmanaged[Cdecl]<int*, int>)Export(lib, "cuDeviceGetCount");
        DeviceGet = (delegate* unmanaged[Cdecl]<int*, int, int>)Export(lib, "cuDeviceGet");
        DeviceGetName = (delegate* unmanaged[Cdecl]<byte*, int, int, int>)Export(lib, "cuDeviceGetName");
        DeviceTotalMem = (delegate* unmanaged[Cdecl]<nuint*, int, int>)Export(lib, "cuDeviceTotalMem_v2");
        DeviceGetAttribute = (delegate* unmanaged[Cdecl]<int*, int, int, int>)Export(lib, "cuDeviceGetAttribute");
        DevicePrimaryCtxRetain = (delegate* unmanaged[Cdecl]<nint*, int, int>)Export(lib, "cuDevicePrimaryCtxRetain");
        DevicePrimaryCtxRelease = (delegate* unmanaged[Cdecl]<int, int>)Export(lib, "cuDevicePrimaryCtxRelease_v2");
        CtxSetCurrent = (delegate* unmanaged[Cdecl]<nint, int>)Export(lib, "cuCtxSetCurrent");
        GetErrorName = (delegate* unmanaged[Cdecl]<int, byte**, int>)Export(lib, "cuGetErrorName");
    }

    /// <summary>Resolves every entry point, or returns null with the first missing symbol (an old or broken driver).</summary>
    public static CudaDriver? TryCreate(nint lib, out string reason)
    {
        try
        {
            reason = "";
            return new CudaDriver(lib);
        }
        catch (EntryPointNotFoundException e)
        {
            reason = e.Message;
            return null;
        }
    }

    private static nint Export(nint lib, string name) =>
        NativeLibrary.TryGetExport(lib, name, out var p) ? p : throw new EntryPointNotFoundException($"the CUDA driver has no '{name}' (driver too old?)");

    /// <summary>The driver's name for a status (cuGetErrorName), falling back to the engine's table.</summary>
    public string ErrorName(int status)
    {
        byte* s = null;
        if (GetErrorName(status, &s) == CudaStatus.Success && s != null) return Marshal.PtrToStringUTF8((nint)s) ?? CudaStatus.DriverErrorName(status);
        return CudaStatus.DriverErrorName(status);
    }
}
