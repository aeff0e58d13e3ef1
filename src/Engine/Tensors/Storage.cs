namespace HdrOfx.Engine.Tensors;

/// <summary>
/// A reference-counted buffer on one device. Tensors and their views share a storage; the last
/// <see cref="Tensor.Dispose"/> returns the buffer to its backend's arena. A storage that is never
/// released is simply collected by the GC (no finalizer: nothing unmanaged on the CPU).
/// </summary>
public abstract class Storage
{
    private int _refs = 1;

    public abstract Device Device { get; }
    public abstract DType DType { get; }

    /// <summary>Usable length in elements (the underlying buffer may be larger).</summary>
    public abstract int Length { get; }

    public bool IsReleased => Volatile.Read(ref _refs) <= 0;

    /// <summary>Live references (tensors and views) to this storage.</summary>
    internal int RefCount => Volatile.Read(ref _refs);

    internal void AddRef()
    {
        if (Interlocked.Increment(ref _refs) <= 1)
            throw new ObjectDisposedException(nameof(Storage), "storage was already released");
    }

    internal void Release()
    {
        int r = Interlocked.Decrement(ref _refs);
        if (r == 0) Free();
    }

    /// <summary>Return the buffer to the arena. Called once, when the last reference goes.</summary>
    protected abstract void Free();
}
