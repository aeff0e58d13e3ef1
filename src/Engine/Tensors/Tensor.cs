using System.Runtime.CompilerServices;
using System.Text;
using HdrOfx.Engine.Tensors.Autograd;
using HdrOfx.Engine.Tensors.Cpu;

namespace HdrOfx.Engine.Tensors;

/// <summary>
/// An n-dimensional strided view over a <see cref="Storage"/>. NCHW by convention; float32 compute;
/// F16/BF16 only as storage (convert with <see cref="To(DType)"/>). Views (reshape, permute, narrow, expand)
/// share storage. Shapes have no hard rank limit (5-D is the largest the models use; pixel shuffle goes to 6-D).
/// <para>Memory: every tensor owns one reference to its storage. <see cref="Dispose"/> gives it back and the
/// last reference returns the buffer to the arena. Inside a <see cref="TensorScope"/> every new tensor is
/// disposed when the scope ends unless kept.</para>
/// </summary>
public sealed partial class Tensor : IDisposable
{
    private readonly int[] _shape;
    private readonly int[] _strides;
    private bool _disposed;
    internal TensorScope? _scope;

    public Storage Storage { get; private set; }
    public int Offset { get; }
    public int Numel { get; }
    public bool IsContiguous { get; }

    /// <summary>The shape. Do not mutate the returned array.</summary>
    public int[] Shape => _shape;

    /// <summary>Strides in elements. Do not mutate the returned array.</summary>
    public int[] Strides => _strides;

    public int Rank => _shape.Length;
    public DType DType => Storage.DType;
    public Device Device => Storage.Device;
    public IBackend Backend => Backends.For(Storage.Device);
    public bool IsDisposed => _disposed;

    /// <summary>Optional name (parameters, debugging).</summary>
    public string? Name { get; set; }

    internal Tensor(Storage storage, int[] shape, int[] strides, int offset, bool addRef)
    {
        if (addRef) storage.AddRef();
        Storage = storage;
        _shape = shape;
        _strides = strides;
        Offset = offset;
        long n = 1;
        foreach (int d in shape) n *= d;
        if (n > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(shape), $"tensor {ShapeString(shape)} has too many elements");
        Numel = (int)n;
        IsContiguous = ComputeContiguous(shape, strides);
        TensorScope.Register(this);
    }

    /// <summary>A new contiguous tensor on <paramref name="device"/>; contents undefined unless <paramref name="zero"/>.</summary>
    internal static Tensor Create(int[] shape, Device device, DType dtype = DType.F32, bool zero = false)
    {
        ValidateShape(shape);
        long n = 1;
        foreach (int d in shape) n *= d;
        if (n > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(shape), $"tensor {ShapeString(shape)} has too many elements");
        var st = Backends.For(device).Allocate((int)n, dtype, zero);
        return new Tensor(st, (int[])shape.Clone(), ContiguousStrides(shape), 0, addRef: false);
    }

    /// <summary>A view sharing this tensor's storage.</summary>
    internal Tensor MakeView(int[] shape, int[] strides, int offset)
    {
        ThrowIfDisposed();
        return new Tensor(Storage, shape, strides, offset, addRef: true);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Storage.Release();
        if (_grad != null && _ownsGrad) { _grad.Dispose(); _grad = null; }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void ThrowIfDisposed()
    {
        if (_disposed || Storage.IsReleased) ThrowDisposed();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowDisposed() =>
        throw new ObjectDisposedException(nameof(Tensor), $"tensor {Name ?? ShapeString(_shape)} was disposed (use after Dispose or after its TensorScope ended)");

    // ---------------------------------------------------------------- element access (CPU)

    /// <summary>The elements of a contiguous CPU F32 tensor.</summary>
    public Span<float> Span
    {
        get
        {
            ThrowIfDisposed();
            if (!IsContiguous) throw new InvalidOperationException($"Span needs a contiguous tensor; call Contiguous() first (shape {ShapeString(_shape)}, strides {ShapeString(_strides)})");
            return ((CpuStorage)CpuStorageOrThrow()).F32.AsSpan(Offset, Numel);
        }
    }

    /// <summary>The raw 16-bit elements of a contiguous CPU F16/BF16 tensor (safetensors I/O).</summary>
    public Span<ushort> Bits16Span
    {
        get
        {
            ThrowIfDisposed();
            if (Device.Kind != DeviceKind.Cpu || DType == DType.F32) throw new InvalidOperationException($"Bits16Span needs a CPU F16/BF16 tensor (this one is {DType} on {Device})");
            if (!IsContiguous) throw new InvalidOperationException("Bits16Span needs a contiguous tensor");
            return ((CpuStorage)Storage).Bits16.AsSpan(Offset, Numel);
        }
    }

    internal float[] CpuArray => ((CpuStorage)CpuStorageOrThrow()).F32;

    private Storage CpuStorageOrThrow()
    {
        ThrowIfDisposed();
        if (Storage.Device.Kind != DeviceKind.Cpu) throw new InvalidOperationException($"tensor is on {Device}; copy it to the CPU first");
        if (Storage.DType != DType.F32) throw new InvalidOperationException($"tensor holds {DType}; convert with To(DType.F32)");
        return Storage;
    }

    /// <summary>A new float[] with the elements in row-major order (any strides, any dtype).</summary>
    public float[] ToArray()
    {
        ThrowIfDisposed();
        if (IsContiguous && DType == DType.F32 && Device.Kind == DeviceKind.Cpu)
            return Span.ToArray();
        if (Device.Kind != DeviceKind.Cpu)
        {
            var host = new float[Numel];
            Backend.CopyToHost(this, host);
            return host;
        }
        using var c = Tensor.Create(_shape, Device.Cpu);
        Backends.Cpu.Copy(this, c);
        return c.Span.ToArray();
    }

    /// <summary>The single element of a one-element tensor.</summary>
    public float Item()
    {
        if (Numel != 1) throw new InvalidOperationException($"Item() needs one element, tensor has shape {ShapeString(_shape)}");
        return this[new int[Rank]];
    }

    /// <summary>Element access by multi-index (slow; for tests and debugging). Negative indices count from the end.</summary>
    [IndexerName("Element")]
    public float this[params int[] index]
    {
        get
        {
            int off = FlatOffset(index);
            if (DType != DType.F32) return Convert16(((CpuStorage)Storage).Bits16[off], DType);
            return CpuArray[off];
        }
        set
        {
            int off = FlatOffset(index);
            if (DType != DType.F32) throw new InvalidOperationException("element writes need an F32 tensor");
            CpuArray[off] = value;
        }
    }

    private static float Convert16(ushort bits, DType t) =>
        t == DType.F16 ? (float)BitConverter.UInt16BitsToHalf(bits) : BitConverter.Int32BitsToSingle(bits << 16);

    private int FlatOffset(int[] index)
    {
        ThrowIfDisposed();
        if (Device.Kind != DeviceKind.Cpu) throw new InvalidOperationException($"element access needs a CPU tensor (this one is on {Device})");
        if (index.Length != Rank) throw new ArgumentException($"index has {index.Length} dims, tensor has {Rank} ({ShapeString(_shape)})", nameof(index));
        int off = Offset;
        for (int i = 0; i < index.Length; i++)
        {
            int ix = index[i] < 0 ? index[i] + _shape[i] : index[i];
            if ((uint)ix >= (uint)_shape[i]) throw new IndexOutOfRangeException($"index {index[i]} out of range for dim {i} of size {_shape[i]}");
            off += ix * _strides[i];
        }
        return off;
    }

    public int Size(int dim) => _shape[NormDim(dim, Rank)];

    // ---------------------------------------------------------------- shape helpers

    internal static int[] ContiguousStrides(int[] shape)
    {
        var s = new int[shape.Length];
        int acc = 1;
        for (int i = shape.Length - 1; i >= 0; i--) { s[i] = acc; acc *= Math.Max(shape[i], 1); }
        return s;
    }

    private static bool ComputeContiguous(int[] shape, int[] strides)
    {
        int acc = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            if (shape[i] == 1) continue;
            if (strides[i] != acc) return false;
            acc *= shape[i];
        }
        return true;
    }

    internal static void ValidateShape(int[] shape, [CallerArgumentExpression(nameof(shape))] string? name = null)
    {
        ArgumentNullException.ThrowIfNull(shape, name);
        foreach (int d in shape)
            if (d < 0) throw new ArgumentOutOfRangeException(name, $"shape {ShapeString(shape)} has a negative dimension");
    }

    internal static int NormDim(int dim, int rank)
    {
        int d = dim < 0 ? dim + rank : dim;
        if ((uint)d >= (uint)rank) throw new ArgumentOutOfRangeException(nameof(dim), $"dim {dim} out of range for rank {rank}");
        return d;
    }

    public static string ShapeString(ReadOnlySpan<int> shape)
    {
        var sb = new StringBuilder("[");
        for (int i = 0; i < shape.Length; i++) { if (i > 0) sb.Append(", "); sb.Append(shape[i]); }
        return sb.Append(']').ToString();
    }

    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append("Tensor").Append(ShapeString(_shape)).Append(' ').Append(DType).Append(' ').Append(Device);
        if (RequiresGrad) sb.Append(" requires_grad");
        if (_gradFn != null) sb.Append(" grad_fn=").Append(_gradFn.Name);
        if (_disposed) return sb.Append(" (disposed)").ToString();
        if (Numel <= 16 && Device.Kind == DeviceKind.Cpu)
            sb.Append(" {").Append(string.Join(", ", ToArray().Select(v => v.ToString("G6", System.Globalization.CultureInfo.InvariantCulture)))).Append('}');
        return sb.ToString();
    }
}
