namespace HdrOfx.Engine.Tensors;

/// <summary>
/// Disposes, at its end, every tensor created on this thread while it was the innermost scope —
/// except those passed to <see cref="Keep"/> (which moves them to the enclosing scope, or to none).
/// Typical use: <c>using (new TensorScope()) { var loss = model(x); loss.Backward(); opt.Step(); }</c>.
/// Parameter gradients created by Backward are never scoped.
/// </summary>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic] private static TensorScope? _current;
    [ThreadStatic] private static int _suspended;

    private readonly TensorScope? _parent;
    private readonly List<Tensor> _tensors = new();
    private bool _ended;

    public TensorScope()
    {
        _parent = _current;
        _current = this;
    }

    /// <summary>The innermost scope on this thread, if any.</summary>
    public static TensorScope? Current => _current;

    /// <summary>Number of tensors this scope will dispose.</summary>
    public int Count => _tensors.Count;

    internal static void Register(Tensor t)
    {
        var s = _current;
        if (s == null || _suspended > 0) return;
        t._scope = s;
        s._tensors.Add(t);
    }

    /// <summary>Stops tensors created until the returned handle is disposed from joining any scope.</summary>
    public static Suspension Suspend()
    {
        _suspended++;
        return new Suspension();
    }

    public readonly struct Suspension : IDisposable
    {
        public void Dispose() => _suspended--;
    }

    /// <summary>Keep <paramref name="t"/> alive past this scope: it moves to the enclosing scope (or to none).</summary>
    public static Tensor Keep(Tensor t)
    {
        var s = t._scope;
        if (s == null) return t;
        t._scope = s._parent;
        s._parent?._tensors.Add(t);
        return t;
    }

    /// <summary>Remove <paramref name="t"/> from every scope: the caller now owns it.</summary>
    public static Tensor Detach(Tensor t)
    {
        t._scope = null;
        return t;
    }

    public void Dispose()
    {
        if (_ended) return;
        _ended = true;
        if (_current != this) throw new InvalidOperationException("TensorScope disposed out of order (scopes must nest)");
        _current = _parent;
        foreach (var t in _tensors)
            if (ReferenceEquals(t._scope, this)) t.Dispose();
        _tensors.Clear();
    }
}
