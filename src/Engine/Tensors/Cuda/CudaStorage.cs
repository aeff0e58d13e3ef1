namespace HdrOfx.Engine.Tensors.Cuda;

/// <summary>
/// Device storage: one block of <see cref="DeviceMemoryPool"/>, float32 only. Released storage goes back to the pool,
/// not to the device. There is no finalizer (a finalizer thread has no CUDA context): undisposed tensors keep their
/// block until the backend is disposed, so dispose device tensors or create them inside a <see cref="TensorScope"/>.
/// </summary>
public sealed class CudaStorage : Storage
{
    private readonly CudaBackend _backend;
    private DeviceBlock? _block;
    private readonly int _length;

    internal CudaStorage(CudaBackend backend, DeviceBlock block, int length)
    {
        _backend = backend;
        _block = block;
        _length = length;
    }

    public override Device Device => _backend.Device;
    public override DType DType => DType.F32;
    public override int Length => _length;

    /// <summary>Device address of element 0.</summary>
    public nint Pointer => (_block ?? throw new ObjectDisposedException(nameof(Tensor), "device storage was released")).Ptr;

    protected override void Free()
    {
        var b = _block;
        _block = null;
        if (b != null) _backend.Pool.Return(b);
    }
}
