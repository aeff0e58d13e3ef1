using HdrOfx.Engine.Tensors.Cpu;

namespace HdrOfx.Engine.Tensors.Cuda;

/// <summary>
/// The CUDA backend behind <see cref="IBackend"/>: float32 storage from a caching allocator, CUDA C kernels
/// (<see cref="CudaKernelSource"/>) for elementwise ops, reductions and im2col, cuBLAS for GEMM and convolution.
/// All work is enqueued on <see cref="Stream"/>: the backend's own stream, or the one given to <see cref="UseStream"/>
/// on the calling thread. Copies to the host synchronize that stream. Ops it does not implement yet throw
/// <see cref="NotSupportedException"/> naming the op (docs/gpu.md lists them).
/// </summary>
public sealed unsafe partial class CudaBackend : IBackend, IDisposable
{
    private const int Threads = 256; // HX_THREADS in common.cuh
    private const int MaxBlocks = 65536;

    private readonly nint _defaultStream;
    [ThreadStatic] private static Dictionary<CudaBackend, nint>? _threadStreams;
    private readonly Dictionary<string, nint> _functions = new();
    private bool _disposed;

    public CudaBackend(ICudaApi api, int index = 0)
    {
        Api = api;
        Device = new Device(DeviceKind.Cuda, index);
        Pool = new DeviceMemoryPool(api);
        _defaultStream = api.CreateStream();
    }

    public ICudaApi Api { get; }
    public DeviceMemoryPool Pool { get; }
    public Device Device { get; }

    /// <summary>Tensor-core mode of MatMul and conv2d GEMMs (fp32 by default: exact parity with the CPU).</summary>
    public GemmPrecision MatMulPrecision { get; set; } = GemmPrecision.Fp32;

    /// <summary>The stream work is enqueued on from this thread.</summary>
    public nint Stream => _threadStreams != null && _threadStreams.TryGetValue(this, out var s) ? s : _defaultStream;

    /// <summary>Enqueues this thread's work on <paramref name="stream"/> until the returned scope is disposed.</summary>
    public IDisposable UseStream(nint stream)
    {
        _threadStreams ??= new Dictionary<CudaBackend, nint>();
        bool had = _threadStreams.TryGetValue(this, out var previous);
        _threadStreams[this] = stream;
        return new StreamScope(this, had, previous);
    }

    private sealed class StreamScope(CudaBackend owner, bool had, nint previous) : IDisposable
    {
        public void Dispose()
        {
            if (had) _threadStreams![owner] = previous;
            else _threadStreams!.Remove(owner);
        }
    }

    /// <summary>Waits for everything enqueued on <see cref="Stream"/>.</summary>
    public void Synchronize() => Api.Synchronize(Stream);

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Api.Synchronize(_defaultStream);
        Pool.Dispose();
        Api.DestroyStream(_defaultStream);
    }

    // ------------------------------------------------------------------ memory

    public Storage Allocate(int length, DType dtype, bool zero)
    {
        if (dtype != DType.F32)
            throw new NotSupportedException($"CUDA storage holds float32 only, not {dtype}; convert on the CPU with To(DType.F32) first");
        var block = Pool.Rent(Math.Max(length, 1) * 4L, Stream);
        var st = new CudaStorage(this, block, length);
        if (zero && length > 0) Api.Memset32(block.Ptr, 0, length, Stream);
        return st;
    }

    internal static nint Ptr(Tensor t)
    {
        t.ThrowIfDisposed();
        return t.Storage is CudaStorage s ? s.Pointer : throw new ArgumentException($"tensor is on {t.Device}, not on a CUDA device");
    }

    /// <summary>Address of the tensor's first element (offset applied).</summary>
    internal static nint At(Tensor t) => Ptr(t) + (nint)t.Offset * 4;

    public void CopyFromHost(ReadOnlySpan<float> src, Tensor dst)
    {
        RequireContiguous(dst, "CopyFromHost");
        if (src.Length != dst.Numel) throw new ArgumentException($"CopyFromHost: {src.Length} host values for a tensor of {dst.Numel}");
        if (src.Length == 0) return;
        fixed (float* p = src)
        {
            Api.CopyHostToDevice(At(dst), p, src.Length * 4L, Stream);
            Api.Synchronize(Stream); // the host span is only pinned for this call
        }
    }

    public void CopyToHost(Tensor src, Span<float> dst)
    {
        if (dst.Length != src.Numel) throw new ArgumentException($"CopyToHost: a tensor of {src.Numel} into {dst.Length} host values");
        if (src.Numel == 0) return;
        var c = src.IsContiguous ? src : src.Contiguous();
        try
        {
            fixed (float* p = dst)
            {
                Api.CopyDeviceToHost(p, At(c), dst.Length * 4L, Stream);
                Api.Synchronize(Stream);
            }
        }
        finally { if (!ReferenceEquals(c, src)) c.Dispose(); }
    }

    public void Copy(Tensor src, Tensor dst)
    {
        if (!src.Shape.AsSpan().SequenceEqual(dst.Shape))
            throw new ArgumentException($"copy shape mismatch {Tensor.ShapeString(src.Shape)} -> {Tensor.ShapeString(dst.Shape)}");
        if (dst.Numel == 0) return;
        if (src.IsContiguous && dst.IsContiguous)
        {
            Api.CopyDeviceToDevice(At(dst), At(src), dst.Numel * 4L, Stream);
            return;
        }
        var L = Layout(dst.Shape, (src.Strides, src.Offset), (dst.Strides, dst.Offset));
        nint x = Ptr(src), y = Ptr(dst);
        void** args = stackalloc void*[] { &L, &x, &y };
        Launch("hx_copy_strided", Grid(L.N), args);
    }

    public void Fill(Tensor dst, float value)
    {
        dst.ThrowIfDisposed();
        if (dst.Numel == 0) return;
        if (dst.IsContiguous)
        {
            Api.Memset32(At(dst), BitConverter.SingleToUInt32Bits(value), dst.Numel, Stream);
            return;
        }
        var L = Layout(dst.Shape, (dst.Strides, dst.Offset));
        nint y = Ptr(dst);
        void** args = stackalloc void*[] { &L, &y, &value };
        Launch("hx_fill_strided", Grid(L.N), args);
    }

    // ------------------------------------------------------------------ elementwise

    public void Unary(UnaryOp op, Tensor x, Tensor y, float alpha)
    {
        RequireContiguous(x, "Unary"); RequireContiguous(y, "Unary");
        int code = (int)op, n = x.Numel;
        if (n == 0) return;
        nint px = At(x), py = At(y);
        void** args = stackalloc void*[] { &code, &alpha, &n, &px, &py };
        Launch("hx_unary", Grid(n), args);
    }

    public void UnaryBackward(UnaryOp op, Tensor x, Tensor y, Tensor dy, Tensor dx, float alpha)
    {
        if (op == UnaryOp.Identity) throw new NotSupportedException($"unary backward {op}");
        RequireContiguous(x, "UnaryBackward"); RequireContiguous(y, "UnaryBackward");
        RequireContiguous(dy, "UnaryBackward"); RequireContiguous(dx, "UnaryBackward");
        int code = (int)op, n = x.Numel;
        if (n == 0) return;
        nint px = At(x), py = At(y), pg = At(dy), pd = At(dx);
        void** args = stackalloc void*[] { &code, &alpha, &n, &px, &py, &pg, &pd };
        Launch("hx_unary_grad", Grid(n), args);
    }

    public void Binary(BinaryOp op, Tensor a, Tensor b, Tensor y)
    {
        if (y.Numel == 0) return;
        var L = Layout(y.Shape, (a.Strides, a.Offset), (b.Strides, b.Offset), (y.Strides, y.Offset));
        int code = (int)op;
        nint pa = Ptr(a), pb = Ptr(b), py = Ptr(y);
        void** args = stackalloc void*[] { &code, &L, &pa, &pb, &py };
        Launch("hx_binary", Grid(L.N), args);
    }

    // ------------------------------------------------------------------ reductions

    public void SumTo(Tensor x, Tensor y)
    {
        if (x.Rank != y.Rank) throw new ArgumentException($"SumTo needs equal ranks, got {Tensor.ShapeString(x.Shape)} and {Tensor.ShapeString(y.Shape)}");
        RequireContiguous(y, "SumTo");
        var R = new HxReduce { Xo = x.Offset, Outputs = y.Numel, Inner = 1 };
        for (int i = 0; i < x.Rank; i++)
        {
            if (y.Shape[i] != x.Shape[i] && y.Shape[i] != 1) throw new ArgumentException($"cannot sum {Tensor.ShapeString(x.Shape)} to {Tensor.ShapeString(y.Shape)}");
            if (x.Shape[i] == 1) continue;
            if (y.Shape[i] == x.Shape[i])
            {
                if (R.Nk == HxLayout.MaxRank) throw TooManyDims(x);
                R.KShape[R.Nk] = x.Shape[i]; R.KStride[R.Nk] = x.Strides[i]; R.Nk++;
            }
            else
            {
                if (R.Nr == HxLayout.MaxRank) throw TooManyDims(x);
                R.RShape[R.Nr] = x.Shape[i]; R.RStride[R.Nr] = x.Strides[i]; R.Nr++;
                R.Inner *= x.Shape[i];
            }
        }
        if (y.Numel == 0) return;
        if (x.Numel == 0) { Fill(y, 0f); return; }
        nint px = Ptr(x), py = At(y);
        void** args = stackalloc void*[] { &R, &px, &py };
        if (R.Inner >= Threads || R.Outputs < 4 * Threads) Launch("hx_sum_to_blocks", Math.Min(R.Outputs, MaxBlocks), args);
        else Launch("hx_sum_to_threads", Grid(R.Outputs), args);
    }

    public void Softmax(Tensor x, Tensor y, int dim)
    {
        RequireContiguous(x, "Softmax"); RequireContiguous(y, "Softmax");
        CpuBackend.SoftmaxGeometry(x, dim, out int outer, out int d, out int inner);
        int rows = outer * inner;
        if (rows == 0 || d == 0) return;
        nint px = At(x), py = At(y);
        void** args = stackalloc void*[] { &rows, &d, &inner, &px, &py };
        Launch("hx_softmax", Math.Min(rows, MaxBlocks), args);
    }

    public void SoftmaxBackward(Tensor y, Tensor dy, Tensor dx, int dim)
    {
        RequireContiguous(y, "SoftmaxBackward"); RequireContiguous(dy, "SoftmaxBackward"); RequireContiguous(dx, "SoftmaxBackward");
        CpuBackend.SoftmaxGeometry(y, dim, out int outer, out int d, out int inner);
        int rows = outer * inner;
        if (rows == 0 || d == 0) return;
        nint py = At(y), pg = At(dy), pd = At(dx);
        void** args = stackalloc void*[] { &rows, &d, &inner, &py, &pg, &pd };
        Launch("hx_softmax_grad", Math.Min(rows, MaxBlocks), args);
    }

    // ------------------------------------------------------------------ launch plumbing

    private static int Grid(int n) => Math.Max(1, Math.Min((n + Threads - 1) / Threads, MaxBlocks));

    private void Launch(string kernel, int blocks, void** args)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        nint f;
        lock (_functions)
            if (!_functions.TryGetValue(kernel, out f)) _functions[kernel] = f = Api.Function(kernel);
        try { Api.Launch(f, blocks, Threads, Stream, args); }
        catch (CudaException e) { throw new CudaException($"launch of {kernel} ({blocks}×{Threads}): {e.Message}", e.Status); }
    }

    private static void RequireContiguous(Tensor t, string op)
    {
        t.ThrowIfDisposed();
        if (!t.IsContiguous) throw new ArgumentException($"{op} on CUDA needs contiguous tensors (got strides {Tensor.ShapeString(t.Strides)} for {Tensor.ShapeString(t.Shape)})");
    }

    private static ArgumentException TooManyDims(Tensor t) =>
        new($"tensor {Tensor.ShapeString(t.Shape)} has more than {HxLayout.MaxRank} non-trivial dims for the CUDA kernels");

    internal static HxLayout Layout(int[] shape, params (int[] Strides, int Offset)[] ops)
    {
        var sl = new StridedLayout(shape, ops);
        if (sl.Shape.Length > HxLayout.MaxRank) throw new ArgumentException($"shape {Tensor.ShapeString(shape)} coalesces to {sl.Shape.Length} dims; the CUDA kernels take {HxLayout.MaxRank}");
        var L = new HxLayout { Rank = sl.Shape.Length, N = sl.Rows * sl.Inner };
        for (int d = 0; d < sl.Shape.Length; d++)
        {
            L.Shape[d] = sl.Shape[d];
            L.S0[d] = sl.Strides[0][d];
            if (ops.Length > 1) L.S1[d] = sl.Strides[1][d];
            if (ops.Length > 2) L.S2[d] = sl.Strides[2][d];
        }
        L.O0 = sl.Offsets[0];
        if (ops.Length > 1) L.O1 = sl.Offsets[1];
        if (ops.Length > 2) L.O2 = sl.Offsets[2];
        return L;
    }
}
