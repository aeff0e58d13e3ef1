using HdrOfx.Engine.Tensors.Autograd;

namespace HdrOfx.Engine.Tensors;

public sealed partial class Tensor
{
    /// <summary>Uninitialized contents (fast); the arena hands back recycled memory.</summary>
    public static Tensor Empty(params int[] shape) => Create(shape, Device.Cpu);

    public static Tensor Empty(int[] shape, Device device, DType dtype = DType.F32) => Create(shape, device, dtype);

    public static Tensor Zeros(params int[] shape) => Create(shape, Device.Cpu, zero: true);

    public static Tensor Zeros(int[] shape, Device device) => Create(shape, device, zero: true);

    public static Tensor Ones(params int[] shape) => Full(shape, 1f);

    public static Tensor Full(int[] shape, float value) => Full(shape, value, Device.Cpu);

    public static Tensor Full(int[] shape, float value, Device device)
    {
        var t = Create(shape, device);
        t.Backend.Fill(t, value);
        return t;
    }

    /// <summary>A 0-D tensor holding <paramref name="value"/>.</summary>
    public static Tensor Scalar(float value) => Full(Array.Empty<int>(), value);

    /// <summary>Copies <paramref name="data"/> (row-major) into a new CPU tensor.</summary>
    public static Tensor FromArray(float[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (shape.Length == 0 && data.Length != 1) shape = new[] { data.Length };
        var t = Create(shape, Device.Cpu);
        if (t.Numel != data.Length)
            throw new ArgumentException($"data has {data.Length} elements, shape {ShapeString(shape)} needs {t.Numel}", nameof(data));
        data.AsSpan().CopyTo(t.Span);
        return t;
    }

    /// <summary>Copies a span into a new CPU tensor of the given shape.</summary>
    public static Tensor FromSpan(ReadOnlySpan<float> data, int[] shape)
    {
        var t = Create(shape, Device.Cpu);
        if (t.Numel != data.Length)
            throw new ArgumentException($"data has {data.Length} elements, shape {ShapeString(shape)} needs {t.Numel}", nameof(data));
        data.CopyTo(t.Span);
        return t;
    }

    /// <summary>A CPU F16 or BF16 tensor holding a copy of raw 16-bit values (row-major).</summary>
    public static Tensor FromBits16(ReadOnlySpan<ushort> bits, DType dtype, int[] shape)
    {
        if (dtype == DType.F32) throw new ArgumentException("FromBits16 is for F16/BF16", nameof(dtype));
        var t = Create(shape, Device.Cpu, dtype);
        if (t.Numel != bits.Length)
        {
            t.Dispose();
            throw new ArgumentException($"{bits.Length} values for shape {ShapeString(shape)} ({t.Numel} needed)", nameof(bits));
        }
        bits.CopyTo(t.Bits16Span);
        return t;
    }

    /// <summary>Standard normal samples times <paramref name="std"/> (deterministic for a given RNG state).</summary>
    public static Tensor Randn(Rng rng, int[] shape, float std = 1f)
    {
        var t = Create(shape, Device.Cpu);
        rng.FillNormal(t.Span, 0f, std);
        return t;
    }

    public static Tensor Randn(Rng rng, params int[] shape) => Randn(rng, shape, 1f);

    /// <summary>Uniform samples in [lo, hi).</summary>
    public static Tensor Rand(Rng rng, int[] shape, float lo = 0f, float hi = 1f)
    {
        var t = Create(shape, Device.Cpu);
        rng.FillUniform(t.Span, lo, hi);
        return t;
    }

    public static Tensor Rand(Rng rng, params int[] shape) => Rand(rng, shape, 0f, 1f);

    /// <summary>0, 1, ..., n-1 as floats.</summary>
    public static Tensor Arange(int n)
    {
        var t = Create(new[] { n }, Device.Cpu);
        var s = t.Span;
        for (int i = 0; i < n; i++) s[i] = i;
        return t;
    }

    public static Tensor ZerosLike(Tensor t) => Zeros(t.Shape, t.Device);

    public static Tensor EmptyLike(Tensor t) => Create(t.Shape, t.Device);

    public static Tensor OnesLike(Tensor t) => Full(t.Shape, 1f, t.Device);

    /// <summary>A contiguous copy (same device and dtype). Differentiable.</summary>
    public Tensor Clone()
    {
        ThrowIfDisposed();
        var y = Create(_shape, Device, DType);
        Backend.Copy(this, y);
        if (NeedsGrad(this)) y.SetGradFn("Clone", g => new[] { g }, this);
        return y;
    }

    /// <summary>This tensor if already contiguous, else a contiguous copy. Differentiable.</summary>
    public Tensor Contiguous() => IsContiguous ? this : Clone();

    /// <summary>Converts the storage type (F32 ↔ F16/BF16, round-to-nearest-even). Returns this when already that type.</summary>
    public Tensor To(DType dtype)
    {
        ThrowIfDisposed();
        if (dtype == DType) return this;
        var y = Create(_shape, Device, dtype);
        Backend.Copy(this, y);
        return y;
    }

    /// <summary>
    /// This tensor on <paramref name="device"/> (F32; contiguous copy), or this tensor itself when already there.
    /// Not recorded by autograd (move parameters before building the graph).
    /// </summary>
    public Tensor To(Device device)
    {
        ThrowIfDisposed();
        if (device == Device) return this;
        var src = DType == DType.F32 ? Contiguous() : To(DType.F32);
        var y = Create(_shape, device);
        try
        {
            if (src.Device.Kind == DeviceKind.Cpu) y.Backend.CopyFromHost(src.Span, y);
            else if (device.Kind == DeviceKind.Cpu) src.Backend.CopyToHost(src, y.Span);
            else
            {
                var host = new float[Numel];
                src.Backend.CopyToHost(src, host);
                y.Backend.CopyFromHost(host, y);
            }
        }
        finally { if (!ReferenceEquals(src, this)) src.Dispose(); }
        return y;
    }

    /// <summary>Copies the elements of <paramref name="src"/> into this tensor (shapes must match, src may broadcast). Not recorded.</summary>
    public void CopyFrom(Tensor src)
    {
        ThrowIfDisposed();
        if (_requiresGrad && GradMode.IsEnabledForChecks) throw new InvalidOperationException("in-place write to a tensor that requires grad; wrap it in GradMode.NoGrad()");
        var s = src.Rank == Rank && src._shape.AsSpan().SequenceEqual(_shape) ? src : src.Expand(_shape);
        try { Backend.Copy(s, this); }
        finally { if (!ReferenceEquals(s, src)) s.Dispose(); }
    }
}
