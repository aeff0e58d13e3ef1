using System.Runtime.CompilerServices;

namespace HdrOfx.Engine.Tensors.Cuda;

/// <summary>A failed CUDA driver, NVRTC or cuBLAS call: the status, its name and the call site.</summary>
public sealed class CudaException(string message, int status) : Exception(message)
{
    public int Status { get; } = status;
    public bool IsOutOfMemory => Status == CudaStatus.OutOfMemory;
}

/// <summary>Status checks for every native call (STYLE: "every native status is checked, with the call site").</summary>
public static class CudaStatus
{
    public const int Success = 0, OutOfMemory = 2;

    /// <summary>Throws <see cref="CudaException"/> naming the call, the status and the source line unless status is 0.</summary>
    public static void Check(int status, Func<int, string>? describe = null,
        [CallerArgumentExpression(nameof(status))] string call = "",
        [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        if (status != Success) Throw(status, describe ?? DriverErrorName, call, file, line);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Throw(int status, Func<int, string> describe, string call, string file, int line) =>
        throw new CudaException($"{call} failed with {describe(status)} ({status}) at {Path.GetFileName(file)}:{line}", status);

    /// <summary>
    /// The driver's name for a CUresult (cuda.h), for the codes this engine can meet; others print as a number.
    /// Used when the driver's own cuGetErrorName is unavailable.
    /// </summary>
    public static string DriverErrorName(int status) => status switch
    {
        0 => "CUDA_SUCCESS",
        1 => "CUDA_ERROR_INVALID_VALUE",
        2 => "CUDA_ERROR_OUT_OF_MEMORY",
        3 => "CUDA_ERROR_NOT_INITIALIZED",
        4 => "CUDA_ERROR_DEINITIALIZED",
        35 => "CUDA_ERROR_INSUFFICIENT_DRIVER",
        100 => "CUDA_ERROR_NO_DEVICE",
        101 => "CUDA_ERROR_INVALID_DEVICE",
        200 => "CUDA_ERROR_INVALID_IMAGE",
        201 => "CUDA_ERROR_INVALID_CONTEXT",
        209 => "CUDA_ERROR_NO_BINARY_FOR_GPU",
        218 => "CUDA_ERROR_INVALID_PTX",
        222 => "CUDA_ERROR_UNSUPPORTED_PTX_VERSION",
        400 => "CUDA_ERROR_INVALID_HANDLE",
        500 => "CUDA_ERROR_NOT_FOUND",
        700 => "CUDA_ERROR_ILLEGAL_ADDRESS",
        701 => "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES",
        702 => "CUDA_ERROR_LAUNCH_TIMEOUT",
        719 => "CUDA_ERROR_LAUNCH_FAILED",
        999 => "CUDA_ERROR_UNKNOWN",
        _ => "CUresult " + status,
    };
}
