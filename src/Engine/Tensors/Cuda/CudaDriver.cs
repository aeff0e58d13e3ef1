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
    public readonly delegate* unmanaged[Cdecl]<nint*, nuint, int> MemAlloc;
    public readonly delegate* unmanaged[Cdecl]<nint, int> MemFree;
    public readonly delegate* unmanaged[Cdecl]<nuint*, nuint*, int> MemGetInfo;
    public readonly delegate* unmanaged[Cdecl]<nint*, uint, int> StreamCreate;
    public readonly delegate* unmanaged[Cdecl]<nint, int> StreamDestroy;
    public readonly delegate* unmanaged[Cdecl]<nint, int> StreamSynchronize;
    public readonly delegate* unmanaged[Cdecl]<nint, void*, nuint, nint, int> MemcpyHtoDAsync;
    public readonly delegate* unmanaged[Cdecl]<void*, nint, nuint, nint, int> MemcpyDtoHAsync;
    public readonly delegate* unmanaged[Cdecl]<nint, nint, nuint, nint, int> MemcpyDtoDAsync;
    public readonly delegate* unmanaged[Cdecl]<nint, uint, nuint, nint, int> MemsetD32Async;
    public readonly delegate* unmanaged[Cdecl]<nint*, void*, int> ModuleLoadData;
    public readonly delegate* unmanaged[Cdecl]<nint*, nint, byte*, int> ModuleGetFunction;
    public readonly delegate* unmanaged[Cdecl]<nint, int> ModuleUnload;
    public readonly delegate* unmanaged[Cdecl]<nint, uint, uint, uint, uint, uint, uint, uint, nint, void**, void**, int> LaunchKernel;

    /// <summary>CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR / _MINOR.</summary>
    public const int AttrComputeMajor = 75, AttrComputeMinor = 76;

    /// <summary>CU_STREAM_NON_BLOCKING: no implicit synchronization with the legacy default stream.</summary>
    public const uint StreamNonBlocking = 1;

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
        MemAlloc = (delegate* unmanaged[Cdecl]<nint*, nuint, int>)Export(lib, "cuMemAlloc_v2");
        MemFree = (delegate* unmanaged[Cdecl]<nint, int>)Export(lib, "cuMemFree_v2");
        MemGetInfo = (delegate* unmanaged[Cdecl]<nuint*, nuint*, int>)Export(lib, "cuMemGetInfo_v2");
        StreamCreate = (delegate* unmanaged[Cdecl]<nint*, uint, int>)Export(lib, "cuStreamCreate");
        StreamDestroy = (delegate* unmanaged[Cdecl]<nint, int>)Export(lib, "cuStreamDestroy_v2");
        StreamSynchronize = (delegate* unmanaged[Cdecl]<nint, int>)Export(lib, "cuStreamSynchronize");
        MemcpyHtoDAsync = (delegate* unmanaged[Cdecl]<nint, void*, nuint, nint, int>)Export(lib, "cuMemcpyHtoDAsync_v2");
        MemcpyDtoHAsync = (delegate* unmanaged[Cdecl]<void*, nint, nuint, nint, int>)Export(lib, "cuMemcpyDtoHAsync_v2");
        MemcpyDtoDAsync = (delegate* unmanaged[Cdecl]<nint, nint, nuint, nint, int>)Export(lib, "cuMemcpyDtoDAsync_v2");
        MemsetD32Async = (delegate* unmanaged[Cdecl]<nint, uint, nuint, nint, int>)Export(lib, "cuMemsetD32Async");
        ModuleLoadData = (delegate* unmanaged[Cdecl]<nint*, void*, int>)Export(lib, "cuModuleLoadData");
        ModuleGetFunction = (delegate* unmanaged[Cdecl]<nint*, nint, byte*, int>)Export(lib, "cuModuleGetFunction");
        ModuleUnload = (delegate* unmanaged[Cdecl]<nint, int>)Export(lib, "cuModuleUnload");
        LaunchKernel = (delegate* unmanaged[Cdecl]<nint, uint, uint, uint, uint, uint, uint, uint, nint, void**, void**, int>)Export(lib, "cuLaunchKernel");
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
