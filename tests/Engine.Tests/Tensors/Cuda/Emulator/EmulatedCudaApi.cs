using System.Runtime.InteropServices;
using HdrOfx.Engine.Tensors.Cuda;

namespace HdrOfx.Engine.Tests.Tensors.Cuda.Emulator;

/// <summary>
/// <see cref="ICudaApi"/> over the CPU emulator: device memory is native host memory (filled with NaN bytes when
/// allocated, so unwritten outputs show), streams are tokens, launches run the emulated kernels, and GEMM is a naive
/// column-major loop with cuBLAS's argument meaning (double accumulation). An optional byte budget makes
/// allocations fail with CUDA_ERROR_OUT_OF_MEMORY like a full device.
/// </summary>
public sealed unsafe class EmulatedCudaApi : ICudaApi
{
    private readonly nint _lib;
    private readonly Dictionary<nint, long> _live = new();
    private readonly Dictionary<nint, string> _functions = new();
    private long _streams;

    public EmulatedCudaApi(nint lib, long budgetBytes = long.MaxValue)
    {
        _lib = lib;
        Budget = budgetBytes;
    }

    public long Budget { get; }
    public long LiveBytes { get; private set; }
    public int Allocations { get; private set; }
    public int Launches { get; private set; }
    public int GemmCalls { get; private set; }
    /// <summary>Device-to-host copies: each one is a host round-trip on a real device.</summary>
    public int DeviceToHostCopies { get; private set; }
    public List<GemmPrecision> Precisions { get; } = new();

    public string Description => "emulated CUDA device (CPU)";

    public nint Allocate(long bytes)
    {
        lock (_live)
        {
            if (LiveBytes + bytes > Budget) throw new CudaException($"cuMemAlloc({bytes}) failed with CUDA_ERROR_OUT_OF_MEMORY (emulated budget)", CudaStatus.OutOfMemory);
            nint p;
            try { p = (nint)NativeMemory.Alloc((nuint)Math.Max(bytes, 1)); }
            catch (OutOfMemoryException) { throw new CudaException($"cuMemAlloc({bytes}) failed with CUDA_ERROR_OUT_OF_MEMORY (host memory)", CudaStatus.OutOfMemory); }
            new Span<byte>((void*)p, (int)Math.Min(bytes, int.MaxValue)).Fill(0xFF);
            _live[p] = bytes;
            LiveBytes += bytes;
            Allocations++;
            return p;
        }
    }

    public void Free(nint ptr)
    {
        lock (_live)
        {
            if (!_live.Remove(ptr, out long bytes)) throw new CudaException("cuMemFree of an unknown pointer", 1);
            LiveBytes -= bytes;
            NativeMemory.Free((void*)ptr);
        }
    }

    public (long Free, long Total) MemoryInfo() => (Budget == long.MaxValue ? 1L << 40 : Budget - LiveBytes, Budget == long.MaxValue ? 1L << 40 : Budget);

    public nint CreateStream() => (nint)Interlocked.Increment(ref _streams);
    public void DestroyStream(nint stream) { }
    public void Synchronize(nint stream) { }

    public void CopyHostToDevice(nint dst, void* src, long bytes, nint stream) => Buffer.MemoryCopy(src, (void*)dst, bytes, bytes);
    public void CopyDeviceToHost(void* dst, nint src, long bytes, nint stream)
    {
        DeviceToHostCopies++;
        Buffer.MemoryCopy((void*)src, dst, bytes, bytes);
    }
    public void CopyDeviceToDevice(nint dst, nint src, long bytes, nint stream) => Buffer.MemoryCopy((void*)src, (void*)dst, bytes, bytes);

    public void Memset32(nint dst, uint value, long count, nint stream) => new Span<uint>((void*)dst, (int)count).Fill(value);

    public nint Function(string name)
    {
        if (!CudaKernelSource.Kernels().Any(k => k.Name == name)) throw new CudaException($"cuModuleGetFunction({name}) failed with CUDA_ERROR_NOT_FOUND", 500);
        nint id = _functions.Count + 1;
        _functions[id] = name;
        return id;
    }

    public void Launch(nint function, int gridX, int blockX, nint stream, void** args)
    {
        Launches++;
        int st = CudaEmulator.Launch(_lib, _functions[function], gridX, blockX, args);
        if (st != 0) throw new CudaException($"emulated launch of {_functions[function]} failed ({st})", 719);
    }

    public void Gemm(GemmOp opA, GemmOp opB, int m, int n, int k, float alpha, nint a, int lda, long strideA, nint b, int ldb, long strideB,
        float beta, nint c, int ldc, long strideC, int batch, GemmPrecision precision, nint stream)
    {
        GemmCalls++;
        Precisions.Add(precision);
        // cuBLAS's own argument checks: a leading dimension smaller than the stored rows is CUBLAS_STATUS_INVALID_VALUE.
        if (lda < Math.Max(1, opA == GemmOp.N ? m : k) || ldb < Math.Max(1, opB == GemmOp.N ? k : n) || ldc < Math.Max(1, m))
            throw new CudaException($"cublasGemmStridedBatchedEx: invalid leading dimension (lda {lda}, ldb {ldb}, ldc {ldc} for m {m} n {n} k {k})", 7);
        float* A = (float*)a, B = (float*)b, C = (float*)c;
        for (int bi = 0; bi < batch; bi++)
        {
            float* Ai = A + bi * strideA, Bi = B + bi * strideB, Ci = C + bi * strideC;
            for (int j = 0; j < n; j++)
                for (int i = 0; i < m; i++)
                {
                    double s = 0;
                    for (int p = 0; p < k; p++)
                    {
                        float av = opA == GemmOp.N ? Ai[i + (long)p * lda] : Ai[p + (long)i * lda];
                        float bv = opB == GemmOp.N ? Bi[p + (long)j * ldb] : Bi[j + (long)p * ldb];
                        s += (double)av * bv;
                    }
                    float* cij = Ci + i + (long)j * ldc;
                    *cij = (float)(alpha * s + (beta == 0f ? 0.0 : beta * (double)*cij));
                }
        }
    }

    /// <summary>No cuDNN on the emulated device: conv2d takes the im2col + GEMM path (the fake driver tests the cuDNN binding).</summary>
    public bool HasCudnn => false;

    public long ConvolutionWorkspace(ConvPass pass, ConvShape shape, GemmPrecision precision) =>
        throw new InvalidOperationException("the emulated device has no cuDNN");

    public void Convolution(ConvPass pass, ConvShape shape, GemmPrecision precision, nint x, nint w, nint y, nint workspace, float beta, nint stream) =>
        throw new InvalidOperationException("the emulated device has no cuDNN");
}
