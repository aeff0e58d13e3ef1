using System.Text;
using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Autograd;

namespace HdrOfx.Engine.Nn;

/// <summary>
/// Base of every layer (the shape of TorchSharp's <c>nn.Module</c>, minus reflection): parameters, buffers and
/// child modules are registered explicitly by name in the constructor, so the module tree is known without
/// reflection and works under NativeAOT. Names are hierarchical ("down.0.conv.weight") and follow
/// registration order, which is also the order of <see cref="StateDict"/>.
/// <para>Ownership: a module owns the tensors registered in it and disposes them (and its children) in
/// <see cref="Dispose()"/>. Registered tensors are removed from any <see cref="TensorScope"/>.</para>
/// </summary>
public abstract class Module : IDisposable
{
    private readonly List<KeyValuePair<string, Tensor>> _parameters = new();
    private readonly List<KeyValuePair<string, Tensor>> _buffers = new();
    private readonly List<KeyValuePair<string, Module>> _children = new();
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private bool _disposed;

    /// <summary>True in training mode (the default), false after <see cref="Eval"/>.</summary>
    public bool Training { get; private set; } = true;

    /// <summary>Short type name used in error messages and <see cref="ToString"/>.</summary>
    public virtual string TypeName => GetType().Name;

    /// <summary>Single-input forward pass. Modules with other signatures override their own methods instead.</summary>
    public virtual Tensor Forward(Tensor x) =>
        throw new NotSupportedException($"{TypeName} has no single-input Forward(x)");

    // ------------------------------------------------------------------ registration

    /// <summary>Registers a learnable tensor: it becomes a grad-requiring leaf owned by this module.</summary>
    protected Tensor RegisterParameter(string name, Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        CheckNewName(name);
        if (tensor.DType != DType.F32) throw new ArgumentException($"{TypeName}: parameter '{name}' must be F32 (is {tensor.DType})");
        if (!tensor.IsLeaf) throw new ArgumentException($"{TypeName}: parameter '{name}' must be a leaf tensor (detach it first)");
        TensorScope.Detach(tensor);
        tensor.RequiresGrad = true;
        tensor.Name = name;
        _parameters.Add(new(name, tensor));
        return tensor;
    }

    /// <summary>Registers a non-learnable tensor that is part of the state dict (running statistics, fixed tables).</summary>
    protected Tensor RegisterBuffer(string name, Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        CheckNewName(name);
        TensorScope.Detach(tensor);
        tensor.Name = name;
        _buffers.Add(new(name, tensor));
        return tensor;
    }

    /// <summary>
    /// Moves every parameter and buffer of this module and its children to <paramref name="device"/> in place
    /// (<see cref="Tensor.MoveTo"/>): build on the CPU, then move, then create the optimizer. Returns this module.
    /// </summary>
    public Module To(Device device)
    {
        foreach (var (_, p) in NamedParameters()) p.MoveTo(device);
        foreach (var (_, b) in NamedBuffers()) b.MoveTo(device);
        foreach (var (_, m) in NamedModules()) m.MoveInternals(device); // this module and every descendant
        return this;
    }

    /// <summary>Moves tensors a module keeps outside its state dict (fixed tables); called by <see cref="To"/>.</summary>
    protected virtual void MoveInternals(Device device) { }

    /// <summary>Registers a child module; its entries appear as "<paramref name="name"/>.childEntry".</summary>
    protected T RegisterModule<T>(string name, T child) where T : Module
    {
        ArgumentNullException.ThrowIfNull(child);
        CheckNewName(name);
        if (ReferenceEquals(child, this)) throw new ArgumentException($"{TypeName}: a module cannot be its own child");
        _children.Add(new(name, child));
        return child;
    }

    private void CheckNewName(string name)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (string.IsNullOrEmpty(name)) throw new ArgumentException($"{TypeName}: empty name");
        if (name.Contains('.')) throw new ArgumentException($"{TypeName}: name '{name}' must not contain '.'");
        if (!_names.Add(name)) throw new ArgumentException($"{TypeName}: name '{name}' is already registered");
    }

    // ------------------------------------------------------------------ traversal

    /// <summary>Direct children in registration order.</summary>
    public IEnumerable<KeyValuePair<string, Module>> NamedChildren() => _children;

    /// <summary>This module ("" name) and every descendant, depth first, with hierarchical names.</summary>
    public IEnumerable<KeyValuePair<string, Module>> NamedModules(string prefix = "")
    {
        yield return new(prefix, this);
        foreach (var (n, c) in _children)
            foreach (var m in c.NamedModules(Join(prefix, n)))
                yield return m;
    }

    /// <summary>All parameters with hierarchical names: own first, then children in registration order.</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> NamedParameters(string prefix = "")
    {
        foreach (var (n, p) in _parameters) yield return new(Join(prefix, n), p);
        foreach (var (n, c) in _children)
            foreach (var e in c.NamedParameters(Join(prefix, n)))
                yield return e;
    }

    public IEnumerable<Tensor> Parameters() => NamedParameters().Select(e => e.Value);

    public IEnumerable<KeyValuePair<string, Tensor>> NamedBuffers(string prefix = "")
    {
        foreach (var (n, b) in _buffers) yield return new(Join(prefix, n), b);
        foreach (var (n, c) in _children)
            foreach (var e in c.NamedBuffers(Join(prefix, n)))
                yield return e;
    }

    /// <summary>Total number of learnable scalars.</summary>
    public long ParameterCount() => Parameters().Sum(p => (long)p.Numel);

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;

    // ------------------------------------------------------------------ state dict

    /// <summary>
    /// Parameters and buffers by hierarchical name, per module: own parameters, own buffers, then children
    /// (PyTorch's order). The values are the live tensors, not copies; do not dispose them.
    /// </summary>
    public OrderedDictionary<string, Tensor> StateDict()
    {
        var d = new OrderedDictionary<string, Tensor>(StringComparer.Ordinal);
        CollectState("", d);
        return d;
    }

    private void CollectState(string prefix, OrderedDictionary<string, Tensor> d)
    {
        foreach (var (n, p) in _parameters) d.Add(Join(prefix, n), p);
        foreach (var (n, b) in _buffers) d.Add(Join(prefix, n), b);
        foreach (var (n, c) in _children) c.CollectState(Join(prefix, n), d);
    }

    /// <summary>
    /// Copies <paramref name="state"/> into this module's parameters and buffers (converting F16/BF16 to F32).
    /// Shape mismatches always fail. With <paramref name="strict"/>, missing and unexpected keys fail too.
    /// Nothing is written unless every check passes, so a failed load leaves the module unchanged.
    /// </summary>
    /// <exception cref="StateDictMismatchException">Lists every missing key, unexpected key and shape mismatch.</exception>
    public LoadStateDictResult LoadStateDict(IReadOnlyDictionary<string, Tensor> state, bool strict = true, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var own = StateDict();
        var missing = new List<string>();
        var unexpected = new List<string>();
        var shapes = new List<string>();
        foreach (var (name, t) in own)
        {
            if (!state.TryGetValue(name, out var src)) { missing.Add(name); continue; }
            if (!src.Shape.AsSpan().SequenceEqual(t.Shape))
                shapes.Add($"{name}: expected {Tensor.ShapeString(t.Shape)}, found {Tensor.ShapeString(src.Shape)}");
        }
        foreach (var name in state.Keys)
            if (!own.ContainsKey(name)) unexpected.Add(name);
        unexpected.Sort(StringComparer.Ordinal);
        if (shapes.Count > 0 || (strict && (missing.Count > 0 || unexpected.Count > 0)))
            throw new StateDictMismatchException(TypeName, source, missing, unexpected, shapes, strict);
        using (GradMode.NoGrad())
        {
            foreach (var (name, t) in own)
                if (state.TryGetValue(name, out var src)) t.CopyFrom(src);
        }
        return new LoadStateDictResult(missing, unexpected);
    }

    // ------------------------------------------------------------------ modes and gradients

    /// <summary>Sets training mode on this module and all descendants; returns this.</summary>
    public Module Train(bool mode = true)
    {
        Training = mode;
        foreach (var (_, c) in _children) c.Train(mode);
        return this;
    }

    /// <summary>Same as <c>Train(false)</c>.</summary>
    public Module Eval() => Train(false);

    /// <summary>Drops every parameter's gradient.</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters()) p.ZeroGrad();
    }

    /// <summary>Turns gradient tracking of every parameter on or off (freezing a sub-network).</summary>
    public void RequiresGrad(bool value)
    {
        foreach (var p in Parameters()) p.RequiresGrad = value;
    }

    public override string ToString()
    {
        var sb = new StringBuilder();
        Describe(sb, "", 0);
        return sb.ToString();
    }

    private void Describe(StringBuilder sb, string name, int depth)
    {
        sb.Append(' ', depth * 2);
        if (name.Length > 0) sb.Append(name).Append(": ");
        sb.Append(TypeName);
        foreach (var (n, p) in _parameters) sb.Append(' ').Append(n).Append(Tensor.ShapeString(p.Shape));
        sb.AppendLine();
        foreach (var (n, c) in _children) c.Describe(sb, n, depth + 1);
    }

    // ------------------------------------------------------------------ disposal

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Disposes parameters, buffers and children. Overrides must call the base.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (_disposed) return;
        _disposed = true;
        if (!disposing) return;
        foreach (var (_, p) in _parameters) { p.ZeroGrad(); p.Dispose(); }
        foreach (var (_, b) in _buffers) b.Dispose();
        foreach (var (_, c) in _children) c.Dispose();
    }

    public bool IsDisposed => _disposed;
}

/// <summary>What a non-strict <see cref="Module.LoadStateDict"/> skipped.</summary>
public sealed record LoadStateDictResult(IReadOnlyList<string> MissingKeys, IReadOnlyList<string> UnexpectedKeys);

/// <summary>A state dict that does not fit a module. The message lists every problem, one per line.</summary>
public sealed class StateDictMismatchException : Exception
{
    public IReadOnlyList<string> MissingKeys { get; }
    public IReadOnlyList<string> UnexpectedKeys { get; }
    public IReadOnlyList<string> ShapeMismatches { get; }

    public StateDictMismatchException(string module, string? source, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, IReadOnlyList<string> shapes, bool strict)
        : base(Format(module, source, missing, unexpected, shapes, strict))
    {
        MissingKeys = missing;
        UnexpectedKeys = unexpected;
        ShapeMismatches = shapes;
    }

    private static string Format(string module, string? source, IReadOnlyList<string> missing, IReadOnlyList<string> unexpected, IReadOnlyList<string> shapes, bool strict)
    {
        var sb = new StringBuilder();
        sb.Append("Error(s) loading state dict into ").Append(module);
        if (source != null) sb.Append(" from '").Append(source).Append('\'');
        sb.Append(':');
        if (shapes.Count > 0)
        {
            sb.Append("\n  size mismatch (").Append(shapes.Count).Append("):");
            foreach (var s in shapes) sb.Append("\n    ").Append(s);
        }
        if (strict && missing.Count > 0)
        {
            sb.Append("\n  missing keys (").Append(missing.Count).Append("): ").Append(string.Join(", ", missing));
        }
        if (strict && unexpected.Count > 0)
        {
            sb.Append("\n  unexpected keys (").Append(unexpected.Count).Append("): ").Append(string.Join(", ", unexpected));
        }
        return sb.ToString();
    }
}
