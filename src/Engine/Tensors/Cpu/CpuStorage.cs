namespace HdrOfx.Engine.Tensors.Cpu;

/// <summary>CPU storage: a pooled float[] for F32, or a pooled ushort[] of raw bits for F16/BF16.</summary>
public sealed class CpuStorage : Storage
{
    private float[]? _f32;
    private ushort[]? _bits;
    private readonly int _length;
    private readonly DType _dtype;

    internal CpuStorage(int length, DType dtype, bool zero)
    {
        _length = length;
        _dtype = dtype;
        if (dtype == DType.F32)
        {
            _f32 = TensorArena.RentFloat(length);
            if (zero) Array.Clear(_f32, 0, length);
        }
        else
        {
            _bits = TensorArena.RentHalf(length);
            if (zero) Array.Clear(_bits, 0, length);
        }
    }

    public override Device Device => Device.Cpu;
    public override DType DType => _dtype;
    public override int Length => _length;

    /// <summary>The float buffer (F32 only). Its length may exceed <see cref="Length"/>.</summary>
    public float[] F32 => _f32 ?? throw Missing();

    /// <summary>The raw 16-bit buffer (F16/BF16 only).</summary>
    public ushort[] Bits16 => _bits ?? throw Missing();

    private Exception Missing() => IsReleased
        ? new ObjectDisposedException(nameof(Tensor), "tensor storage was disposed (use after Dispose or after its TensorScope ended)")
        : new InvalidOperationException($"storage holds {_dtype}, not the requested element type; convert with Tensor.To(DType)");

    protected override void Free()
    {
        var f = _f32; _f32 = null;
        if (f != null) TensorArena.Return(f);
        var h = _bits; _bits = null;
        if (h != null) TensorArena.Return(h);
    }
}
