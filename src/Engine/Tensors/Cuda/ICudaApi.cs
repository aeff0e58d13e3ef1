namespace HdrOfx.Engine.Tensors.Cuda;

/// <summary>cuBLAS's operand modes (cublasOperation_t).</summary>
public enum GemmOp { N = 0, T = 1 }

/// <summary>Which tensor-core mode a GEMM may use (cublasComputeType_t): exact fp32, TF32 or BF16 inputs with fp32 accumulation.</summary>
public enum GemmPrecision { Fp32, Tf32, Bf16 }

/// <summary>
/// The device operations <see cref="CudaBackend"/> is written against. <see cref="CudaDriverApi"/> implements them with
/// the CUDA driver API, NVRTC and cuBLAS; the tests implement them with an emulator that runs the same CUDA C kernels
/// on the CPU, so the backend's logic (layouts, launches, GEMM operand mapping, the allocator) is tested without a GPU.
/// Device pointers are opaque <c>nint</c>s; every call enqueues on the stream given and checks its status.
/// </summary>
public unsafe interface ICudaApi
{
    /// <summary>Human-readable device description for reports.</summary>
    string Description { get; }

    /// <summary>Raw allocation; throws <see cref="CudaException"/> with <see cref="CudaException.IsOutOfMemory"/> when the device is full.</summary>
    nint Allocate(long bytes);
    void Free(nint ptr);
    (long Free, long Total) MemoryInfo();

    nint CreateStream();
    void DestroyStream(nint stream);
    void Synchronize(nint stream);

    void CopyHostToDevice(nint dst, void* src, long bytes, nint stream);
    void CopyDeviceToHost(void* dst, nint src, long bytes, nint stream);
    void CopyDeviceToDevice(nint dst, nint src, long bytes, nint stream);
    void Memset32(nint dst, uint value, long count, nint stream);

    /// <summary>A kernel by its extern "C" name, from the module built from <see cref="CudaKernelSource"/>.</summary>
    nint Function(string name);

    /// <summary>cuLaunchKernel over a 1-D grid: <paramref name="args"/> points at one pointer per kernel parameter.</summary>
    void Launch(nint function, int gridX, int blockX, nint stream, void** args);

    /// <summary>
    /// Column-major strided batched GEMM with cuBLAS's meaning (cublasGemmStridedBatchedEx, fp32 in and out):
    /// C_i = alpha·op(A_i)·op(B_i) + beta·C_i with C_i m×n; leading dimensions and batch strides in elements.
    /// </summary>
    void Gemm(GemmOp opA, GemmOp opB, int m, int n, int k, float alpha, nint a, int lda, long strideA, nint b, int ldb, long strideB,
        float beta, nint c, int ldc, long strideC, int batch, GemmPrecision precision, nint stream);

    /// <summary>Whether cuDNN is loaded (the convolution passes below are available).</summary>
    bool HasCudnn { get; }

    /// <summary>Workspace bytes cuDNN needs for this pass (contiguous NCHW float tensors).</summary>
    long ConvolutionWorkspace(ConvPass pass, ConvShape shape, GemmPrecision precision);

    /// <summary>
    /// One cuDNN convolution pass: Forward writes y, BackwardData writes x (from y = dy), BackwardFilter writes w; the
    /// written operand becomes beta·old + result.
    /// </summary>
    void Convolution(ConvPass pass, ConvShape shape, GemmPrecision precision, nint x, nint w, nint y, nint workspace, float beta, nint stream);
}
