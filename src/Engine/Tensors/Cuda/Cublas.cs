using System.Runtime.InteropServices;

namespace HdrOfx.Engine.Tensors.Cuda;

/// <summary>The cuBLAS entry points the backend uses (v2 API). One handle per <see cref="CudaDriverApi"/>, used under its lock.</summary>
public sealed unsafe class Cublas
{
    public readonly delegate* unmanaged[Cdecl]<nint*, int> Create;
    public readonly delegate* unmanaged[Cdecl]<nint, int> Destroy;
    public readonly delegate* unmanaged[Cdecl]<nint, nint, int> SetStream;
    public readonly delegate* unmanaged[Cdecl]<nint, int*, int> GetVersion;
    public readonly delegate* unmanaged[Cdecl]<nint, int, int, int, int, int, void*, nint, int, int, long, nint, int, int, long, void*, nint, int, int, long, int, int, int, int> GemmStridedBatchedEx;

    /// <summary>cudaDataType CUDA_R_32F.</summary>
    public const int R32F = 0;
    /// <summary>cublasComputeType_t: CUBLAS_COMPUTE_32F, _32F_FAST_16BF, _32F_FAST_TF32.</summary>
    public const int Compute32F = 68, Compute32FFast16BF = 75, Compute32FFastTF32 = 77;
    /// <summary>CUBLAS_GEMM_DEFAULT.</summary>
    public const int GemmDefault = -1;

    public Cublas(nint lib)
    {
        Create = (delegate* unmanaged[Cdecl]<nint*, int>)Export(lib, "cublasCreate_v2");
        Destroy = (delegate* unmanaged[Cdecl]<nint, int>)Export(lib, "cublasDestroy_v2");
        SetStream = (delegate* unmanaged[Cdecl]<nint, nint, int>)Export(lib, "cublasSetStream_v2");
        GetVersion = (delegate* unmanaged[Cdecl]<nint, int*, int>)Export(lib, "cublasGetVersion_v2");
        GemmStridedBatchedEx = (delegate* unmanaged[Cdecl]<nint, int, int, int, int, int, void*, nint, int, int, long, nint, int, int, long, void*, nint, int, int, long, int, int, int, int>)
            Export(lib, "cublasGemmStridedBatchedEx");
    }

    private static nint Export(nint lib, string name) =>
        NativeLibrary.TryGetExport(lib, name, out var p) ? p : throw new EntryPointNotFoundException($"cuBLAS has no '{name}'");

    public static int ComputeType(GemmPrecision p) => p switch
    {
        GemmPrecision.Tf32 => Compute32FFastTF32,
        GemmPrecision.Bf16 => Compute32FFast16BF,
        _ => Compute32F,
    };

    /// <summary>cublasStatus_t names (cublas_api.h).</summary>
    public static string StatusName(int status) => status switch
    {
        0 => "CUBLAS_STATUS_SUCCESS",
        1 => "CUBLAS_STATUS_NOT_INITIALIZED",
        3 => "CUBLAS_STATUS_ALLOC_FAILED",
        7 => "CUBLAS_STATUS_INVALID_VALUE",
        8 => "CUBLAS_STATUS_ARCH_MISMATCH",
        11 => "CUBLAS_STATUS_MAPPING_ERROR",
        13 => "CUBLAS_STATUS_EXECUTION_FAILED",
        14 => "CUBLAS_STATUS_INTERNAL_ERROR",
        15 => "CUBLAS_STATUS_NOT_SUPPORTED",
        16 => "CUBLAS_STATUS_LICENSE_ERROR",
        _ => "cublasStatus " + status,
    };
}
