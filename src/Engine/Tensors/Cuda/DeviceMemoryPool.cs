namespace HdrOfx.Engine.Tensors.Cuda;

/// <summary>One block handed out by <see cref="DeviceMemoryPool"/>: a device pointer, its rounded size, and the stream it belongs to.</summary>
public sealed class DeviceBlock
{
    internal DeviceBlock(nint ptr, long bytes, nint stream)
    {
        Ptr = ptr;
        Bytes = bytes;
        Stream = stream;
    }

    public nint Ptr { get; }
    public long Bytes { get; }
    public nint Stream { get; }
    internal bool Live;
}

/// <summary>
/// The caching device allocator: freed blocks are kept per (stream, rounded size) and handed out again, so a training
/// step or a video render allocates from the device only until its working set is cached. A block is only reused on
/// the stream it was freed on (work already queued on that stream is ordered before any new use). Sizes are rounded
/// to 512 B up to 1 MiB and to 2 MiB above, and a request may take a cached block up to 1.25× its size. When the
/// device is full the cache is released and the allocation retried once; then the request fails with a
/// <see cref="CudaException"/> whose <see cref="CudaException.IsOutOfMemory"/> is set and whose message gives the
/// request, what is in use, what was cached and what the device reports.
/// </summary>
public sealed class DeviceMemoryPool : IDisposable
{
    public const long SmallLimit = 1L << 20;
    public const long SmallGranule = 512;
    public const long LargeGranule = 2L << 20;

    private readonly ICudaApi _api;
    private readonly object _gate = new();
    private readonly Dictionary<(nint Stream, long Bytes), Stack<DeviceBlock>> _free = new();
    private readonly SortedSet<(long Bytes, nint Stream)> _sizes = new();
    private bool _disposed;

    public DeviceMemoryPool(ICudaApi api) => _api = api;

    public long InUseBytes { get; private set; }
    public long CachedBytes { get; private set; }
    public long PeakInUseBytes { get; private set; }
    /// <summary>Allocations that went to the device (cache misses).</summary>
    public long DeviceAllocations { get; private set; }
    public long CacheHits { get; private set; }

    public static long RoundUp(long bytes)
    {
        if (bytes <= 0) return SmallGranule;
        long g = bytes <= SmallLimit ? SmallGranule : LargeGranule;
        return (bytes + g - 1) / g * g;
    }

    public DeviceBlock Rent(long bytes, nint stream)
    {
        if (bytes < 0) throw new ArgumentOutOfRangeException(nameof(bytes), bytes, "negative allocation");
        long size = RoundUp(bytes);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var hit = TakeCached(size, stream);
            if (hit != null)
            {
                CacheHits++;
                return MarkLive(hit);
            }
        }
        nint ptr = AllocateOrRelease(bytes, size);
        lock (_gate)
        {
            DeviceAllocations++;
            return MarkLive(new DeviceBlock(ptr, size, stream));
        }
    }

    public void Return(DeviceBlock block)
    {
        lock (_gate)
        {
            if (!block.Live) throw new InvalidOperationException("device block returned twice");
            block.Live = false;
            InUseBytes -= block.Bytes;
            if (_disposed)
            {
                _api.Free(block.Ptr);
                return;
            }
            var key = (block.Stream, block.Bytes);
            if (!_free.TryGetValue(key, out var s)) _free[key] = s = new Stack<DeviceBlock>();
            s.Push(block);
            _sizes.Add((block.Bytes, block.Stream));
            CachedBytes += block.Bytes;
        }
    }

    /// <summary>Gives every cached block back to the device (memory pressure, a host's purge request).</summary>
    public void ReleaseCached()
    {
        lock (_gate)
        {
            foreach (var s in _free.Values)
                while (s.Count > 0) _api.Free(s.Pop().Ptr);
            _free.Clear();
            _sizes.Clear();
            CachedBytes = 0;
        }
    }

    public void Dispose()
    {
        ReleaseCached();
        lock (_gate) _disposed = true;
    }

    private DeviceBlock MarkLive(DeviceBlock b)
    {
        b.Live = true;
        InUseBytes += b.Bytes;
        PeakInUseBytes = Math.Max(PeakInUseBytes, InUseBytes);
        return b;
    }

    private DeviceBlock? TakeCached(long size, nint stream)
    {
        long limit = size + size / 4;
        foreach (var (bytes, st) in _sizes.GetViewBetween((size, nint.MinValue), (limit, nint.MaxValue)))
        {
            if (st != stream) continue;
            var s = _free[(st, bytes)];
            var b = s.Pop();
            if (s.Count == 0)
            {
                _free.Remove((st, bytes));
                _sizes.Remove((bytes, st));
            }
            CachedBytes -= b.Bytes;
            return b;
        }
        return null;
    }

    private nint AllocateOrRelease(long requested, long size)
    {
        try
        {
            return _api.Allocate(size);
        }
        catch (CudaException e) when (e.IsOutOfMemory)
        {
            long cached;
            lock (_gate) cached = CachedBytes;
            ReleaseCached();
            try
            {
                return _api.Allocate(size);
            }
            catch (CudaException e2) when (e2.IsOutOfMemory)
            {
                var (free, total) = SafeInfo();
                long inUse;
                lock (_gate) inUse = InUseBytes;
                throw new CudaException(
                    $"CUDA out of memory: could not allocate {Mib(requested)} ({Mib(size)} rounded) on {_api.Description}; " +
                    $"{Mib(inUse)} in use by tensors, {Mib(cached)} of cached blocks released and retried, device reports {Mib(free)} free of {Mib(total)}",
                    CudaStatus.OutOfMemory);
            }
        }
    }

    private (long, long) SafeInfo()
    {
        try { return _api.MemoryInfo(); }
        catch (CudaException) { return (-1, -1); }
    }

    private static string Mib(long b) => b < 0 ? "?" : FormattableString.Invariant($"{b / (1024.0 * 1024.0):F1} MiB");
}
