using HdrOfx.Engine.Tensors.Autograd;

namespace HdrOfx.Engine.Tensors;

public sealed partial class Tensor
{
    private bool _requiresGrad;
    private GradNode? _gradFn;
    private Tensor? _grad;
    private bool _ownsGrad;

    /// <summary>
    /// True for leaves that want a gradient and for every op output that depends on one.
    /// Only leaves (tensors without <see cref="GradFn"/>) may be set.
    /// </summary>
    public bool RequiresGrad
    {
        get => _requiresGrad;
        set
        {
            if (_gradFn != null) throw new InvalidOperationException("RequiresGrad can only be set on leaf tensors; use Detach() for a non-leaf");
            if (value && DType != DType.F32) throw new InvalidOperationException($"only F32 tensors can require grad (this one is {DType})");
            _requiresGrad = value;
        }
    }

    /// <summary>Fluent form of <c>RequiresGrad = true</c>.</summary>
    public Tensor RequireGrad(bool value = true) { RequiresGrad = value; return this; }

    /// <summary>The op that produced this tensor, or null for leaves.</summary>
    public GradNode? GradFn => _gradFn;

    public bool IsLeaf => _gradFn == null;

    /// <summary>Accumulated gradient of a leaf (same shape, contiguous), or null before the first backward.</summary>
    public Tensor? Grad
    {
        get => _grad;
        set
        {
            if (_grad != null && _ownsGrad && !ReferenceEquals(_grad, value)) _grad.Dispose();
            _grad = value;
            _ownsGrad = value != null;
            if (value != null) TensorScope.Detach(value);
        }
    }

    /// <summary>Drops the gradient (next backward starts from zero). Call per step, or zero in place with <paramref name="setToNull"/> false.</summary>
    public void ZeroGrad(bool setToNull = true)
    {
        if (_grad == null) return;
        if (setToNull) { Grad = null; return; }
        _grad.Backend.Fill(_grad, 0f);
    }

    /// <summary>
    /// Moves a contiguous leaf (a parameter or buffer) to <paramref name="device"/> in place: the tensor object stays the
    /// same, so modules and optimizers holding it follow; its storage is replaced by a copy on the device. A gradient,
    /// if any, is dropped. Views of the old storage keep the old storage.
    /// </summary>
    public void MoveTo(Device device)
    {
        ThrowIfDisposed();
        if (device == Device) return;
        if (!IsLeaf) throw new InvalidOperationException("MoveTo moves leaves (parameters, buffers); copy other tensors with To(device)");
        if (!IsContiguous || Offset != 0) throw new InvalidOperationException($"MoveTo needs a contiguous tensor at offset 0 (shape {ShapeString(_shape)}, strides {ShapeString(_strides)}, offset {Offset})");
        Grad = null;
        var moved = To(device);
        moved.Storage.AddRef();
        var old = Storage;
        Storage = moved.Storage;
        old.Release();
        moved.Dispose();
    }

    /// <summary>A view of the same storage that is cut from the graph (no grad).</summary>
    public Tensor Detach() => MakeView(_shape, _strides, Offset);

    /// <summary>True when an op with these inputs must record a node.</summary>
    internal static bool NeedsGrad(Tensor a) => a._requiresGrad && GradMode.IsEnabled;

    internal static bool NeedsGrad(Tensor a, Tensor b) => (a._requiresGrad || b._requiresGrad) && GradMode.IsEnabled;

    internal static bool NeedsGrad(ReadOnlySpan<Tensor> xs)
    {
        if (!GradMode.IsEnabled) return false;
        foreach (var x in xs) if (x._requiresGrad) return true;
        return false;
    }

    /// <summary>
    /// Records this tensor as the output of an op. Ops call this only when <c>NeedsGrad(inputs)</c> holds.
    /// <paramref name="backward"/> receives dL/d(this) and returns dL/d(input i) with input i's shape (or null).
    /// </summary>
    public Tensor SetGradFn(string name, BackwardFn backward, params Tensor[] inputs)
    {
        _gradFn = new GradNode(name, inputs, backward);
        _requiresGrad = true;
        return this;
    }

    /// <summary>
    /// Back-propagates from this tensor. Without <paramref name="gradient"/> the tensor must have one element
    /// and the seed is 1. Leaf gradients accumulate into <see cref="Grad"/> (never scoped).
    /// </summary>
    public void Backward(Tensor? gradient = null)
    {
        ThrowIfDisposed();
        if (!_requiresGrad) throw new InvalidOperationException("Backward() on a tensor that does not require grad (no input had RequiresGrad, or it was computed under NoGrad)");
        if (gradient == null && Numel != 1) throw new InvalidOperationException($"Backward() without a gradient needs a scalar, tensor has shape {ShapeString(_shape)}");
        if (gradient != null && !gradient._shape.AsSpan().SequenceEqual(_shape))
            throw new ArgumentException($"gradient shape {ShapeString(gradient._shape)} != tensor shape {ShapeString(_shape)}", nameof(gradient));
        using var _ = GradMode.NoGrad();
        AutogradEngine.Run(this, gradient);
    }
}
