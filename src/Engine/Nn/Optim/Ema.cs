using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Autograd;

namespace HdrOfx.Engine.Nn;

/// <summary>
/// Exponential moving average of a module's parameters (buffers are copied), as diffusion models keep for
/// sampling: shadow ← d·shadow + (1 − d)·θ after each optimizer step. With <c>warmup</c> the decay is
/// min(d, (1 + n)/(10 + n)) at update n, so early averages are not dominated by the random init.
/// </summary>
public sealed class Ema : IDisposable
{
    private readonly Module _module;
    private readonly OrderedDictionary<string, Tensor> _shadow = new(StringComparer.Ordinal);
    private readonly HashSet<string> _isParam = new(StringComparer.Ordinal);

    public double Decay { get; }
    public bool Warmup { get; }
    /// <summary>Updates so far (settable, so a resumed run continues the warm-up where it stopped).</summary>
    public long Updates { get; set; }

    public Ema(Module module, double decay = 0.999, bool warmup = false)
    {
        ArgumentNullException.ThrowIfNull(module);
        if (!(decay >= 0 && decay <= 1)) throw new ArgumentOutOfRangeException(nameof(decay), $"decay {decay} must be in [0, 1]");
        _module = module; Decay = decay; Warmup = warmup;
        foreach (var (n, _) in module.NamedParameters()) _isParam.Add(n);
        using (GradMode.NoGrad())
            foreach (var (n, t) in module.StateDict())
            {
                using var view = t.Detach(); // a view holds a storage reference: released here, not left to the GC
                _shadow.Add(n, TensorScope.Detach(view.Clone()));
            }
    }

    /// <summary>The decay used by the next <see cref="Update"/>.</summary>
    public double CurrentDecay => Warmup ? Math.Min(Decay, (1.0 + Updates) / (10.0 + Updates)) : Decay;

    public void Update()
    {
        float d = (float)CurrentDecay, od = 1 - d;
        foreach (var (n, t) in _module.StateDict())
        {
            if (!_shadow.TryGetValue(n, out var s)) throw new InvalidOperationException($"EMA: module gained entry '{n}' after the EMA was created");
            if (t.Device.Kind != DeviceKind.Cpu)
            {
                // On a device: the same update from in-place tensor ops (the shadow lives on the parameter's device).
                using var _ = GradMode.NoGrad();
                using var scope = new TensorScope();
                if (_isParam.Contains(n)) s.MulScalarInPlace(d).AddInPlace(t.MulScalar(od));
                else s.CopyFrom(t);
                continue;
            }
            var src = t.Span;
            var dst = s.Span;
            if (_isParam.Contains(n))
                for (int i = 0; i < dst.Length; i++) dst[i] = d * dst[i] + od * src[i];
            else src.CopyTo(dst);
        }
        Updates++;
    }

    /// <summary>The averaged weights, by state-dict name (live tensors owned by this object).</summary>
    public IReadOnlyDictionary<string, Tensor> StateDict() => _shadow;

    /// <summary>Copies the averaged weights into <paramref name="target"/> (a module of the same architecture).</summary>
    public void CopyTo(Module target) => target.LoadStateDict(_shadow, strict: true);

    public void Dispose()
    {
        foreach (var t in _shadow.Values) t.Dispose();
        _shadow.Clear();
    }
}
