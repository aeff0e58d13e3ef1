using HdrOfx.Engine.Tensors.Cuda;

namespace HdrOfx.Engine.Tests.Tensors.Cuda.Emulator;

/// <summary>Where <see cref="FailingCudaApi"/> fails.</summary>
public enum CudaFailure { None, Allocate, Launch, Gemm, CopyToHost }

/// <summary>
/// An <see cref="ICudaApi"/> that forwards to another one and fails like a broken device: the <c>after</c>-th call of the
/// chosen kind (1-based) and every later call of any kind throw <see cref="CudaException"/> (a real device's errors are
/// sticky to its context too). Counts every launch, so a test can show that nothing reaches the device any more.
/// </summary>
public sealed unsafe class FailingCudaApi(ICudaApi inner, CudaFailure failAt, int after = 1) : ICudaApi
{
    private int _count;
    public bool Failed { get; private set; }
    public int Launches { get; private set; }
    public int Calls { get; private set; }

    public const string Message = "a device call failed with CUDA_ERROR_ILLEGAL_ADDRESS (700) (injected by FailingCudaApi)";

    private void Step(CudaFailure kind)
    {
        Calls++;
        if (!Failed && kind == failAt && ++_count >= after) Failed = true;
        if (Failed) throw new CudaException(Message, 700);
    }

    public string Description => "failing " + inner.Description;
    public nint Allocate(long bytes) { Step(CudaFailure.Allocate); return inner.Allocate(bytes); }
    public void Free(nint ptr) { if (!Failed) inner.Free(ptr); } // a broken context frees nothing; the host memory leaks in the test only
    public (long Free, long Total) MemoryInfo() => inner.MemoryInfo();
    public nint CreateStream() => inner.CreateStream();
    public void DestroyStream(nint stream) => inner.DestroyStream(stream);
    public void Synchronize(nint stream) { Step(CudaFailure.None); inner.Synchronize(stream); }
    public void CopyHostToDevice(nint dst, void* src, long bytes, nint stream) { Step(CudaFailure.None); inner.CopyHostToDevice(dst, src, bytes, stream); }
    public void CopyDeviceToHost(void* dst, nint src, long bytes, nint stream) { Step(CudaFailure.CopyToHost); inner.CopyDeviceToHost(dst, src, bytes, stream); }
    public void CopyDeviceToDevice(nint dst, nint src, long bytes, nint stream) { Step(CudaFailure.None); inner.CopyDeviceToDevice(dst, src, bytes, stream); }
    public void Memset32(nint dst, uint value, long count, nint stream) { Step(CudaFailure.None); inner.Memset32(dst, value, count, stream); }
    public nint Function(string name) => inner.Function(name);

    public void Launch(nint function, int gridX, int blockX, nint stream, void** args)
    {
        Launches++;
        Step(CudaFailure.Launch);
        inner.Launch(function, gridX, blockX, stream, args);
    }

    public void Gemm(GemmOp opA, GemmOp opB, int m, int n, int k, float alpha, nint a, int lda, long strideA, nint b, int ldb, long strideB,
        float beta, nint c, int ldc, long strideC, int batch, GemmPrecision precision, nint stream)
    {
        Step(CudaFailure.Gemm);
        inner.Gemm(opA, opB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, strideC, batch, precision, stream);
    }

    public bool HasCudnn => inner.HasCudnn;
    public long ConvolutionWorkspace(ConvPass pass, ConvShape shape, GemmPrecision precision) => inner.ConvolutionWorkspace(pass, shape, precision);

    public void Convolution(ConvPass pass, ConvShape shape, GemmPrecision precision, nint x, nint w, nint y, nint workspace, float beta, nint stream)
    {
        Step(CudaFailure.Gemm);
        inner.Convolution(pass, shape, precision, x, w, y, workspace, beta, stream);
    }
}
