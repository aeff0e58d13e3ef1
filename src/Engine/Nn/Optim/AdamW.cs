using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Cpu;

namespace HdrOfx.Engine.Nn;

/// <summary>
/// AdamW (Loshchilov &amp; Hutter 2019, Algorithm 2), matching <c>torch.optim.AdamW</c>:
/// θ ← θ·(1 − lr·λ); m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
/// θ ← θ − (lr/(1−β₁ᵗ))·m / (√v/√(1−β₂ᵗ) + ε).
/// Weight decay is decoupled (applied to θ, not added to g). Parameters without a gradient are skipped.
/// CPU tensors only for now (the CUDA backend will bring a fused kernel). No allocation per step.
/// </summary>
public sealed class AdamW : IDisposable
{
    private readonly Entry[] _entries;

    public double LearningRate { get; set; }
    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Eps { get; }
    public double WeightDecay { get; }

    /// <summary>Number of completed <see cref="Step"/> calls (t in the bias corrections).</summary>
    public long StepCount { get; private set; }

    private sealed class Entry
    {
        public required string Name;
        public required Tensor Param;
        public required float[] M;
        public required float[] V;
        public required bool Decay;
    }

    /// <param name="parameters">Named parameters, e.g. <c>module.NamedParameters()</c>.</param>
    /// <param name="noDecay">Names for which weight decay is off (e.g. biases and norm weights); null: decay everything (PyTorch's default).</param>
    public AdamW(IEnumerable<KeyValuePair<string, Tensor>> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 1e-2, Func<string, Tensor, bool>? noDecay = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(lr >= 0)) throw new ArgumentOutOfRangeException(nameof(lr), $"learning rate {lr} must be ≥ 0");
        if (!(beta1 >= 0 && beta1 < 1)) throw new ArgumentOutOfRangeException(nameof(beta1), $"beta1 {beta1} must be in [0, 1)");
        if (!(beta2 >= 0 && beta2 < 1)) throw new ArgumentOutOfRangeException(nameof(beta2), $"beta2 {beta2} must be in [0, 1)");
        if (!(eps >= 0)) throw new ArgumentOutOfRangeException(nameof(eps), $"eps {eps} must be ≥ 0");
        if (!(weightDecay >= 0)) throw new ArgumentOutOfRangeException(nameof(weightDecay), $"weight decay {weightDecay} must be ≥ 0");
        LearningRate = lr; Beta1 = beta1; Beta2 = beta2; Eps = eps; WeightDecay = weightDecay;
        var list = new List<Entry>();
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var (name, p) in parameters)
        {
            if (!seen.Add(p)) throw new ArgumentException($"AdamW: parameter '{name}' is listed twice");
            if (p.Device.Kind != DeviceKind.Cpu) throw new NotSupportedException($"AdamW: parameter '{name}' is on {p.Device}; only CPU parameters are supported so far");
            if (p.DType != DType.F32 || !p.IsContiguous) throw new ArgumentException($"AdamW: parameter '{name}' must be a contiguous F32 tensor");
            list.Add(new Entry { Name = name, Param = p, M = new float[p.Numel], V = new float[p.Numel], Decay = noDecay == null || !noDecay(name, p) });
        }
        _entries = list.ToArray();
    }

    /// <summary>Biases, 1-D tensors (norm weights) and temperatures: the usual no-decay set for transformers.</summary>
    public static bool NoDecayForBiasAndNorm(string name, Tensor p) => p.Rank <= 1 || name.EndsWith(".bias", StringComparison.Ordinal) || name.EndsWith("temperature", StringComparison.Ordinal);

    public int ParameterCount => _entries.Length;

    /// <summary>One update of every parameter that has a gradient.</summary>
    public void Step()
    {
        StepCount++;
        double bc1 = 1 - Math.Pow(Beta1, StepCount);
        double bc2 = 1 - Math.Pow(Beta2, StepCount);
        float stepSize = (float)(LearningRate / bc1);
        float invSqrtBc2 = (float)(1 / Math.Sqrt(bc2));
        float b1 = (float)Beta1, b2 = (float)Beta2, omb1 = (float)(1 - Beta1), omb2 = (float)(1 - Beta2), eps = (float)Eps;
        float decay = (float)(1 - LearningRate * WeightDecay);
        foreach (var e in _entries)
        {
            var g = e.Param.Grad;
            if (g == null) continue;
            if (!g.IsContiguous) throw new InvalidOperationException($"AdamW: gradient of '{e.Name}' is not contiguous");
            var p = e.Param.Span;
            var gs = g.Span;
            var m = e.M.AsSpan();
            var v = e.V.AsSpan();
            bool wd = e.Decay && WeightDecay != 0;
            for (int i = 0; i < p.Length; i++)
            {
                float gi = gs[i];
                float pi = wd ? p[i] * decay : p[i];
                float mi = b1 * m[i] + omb1 * gi;
                float vi = b2 * v[i] + omb2 * gi * gi;
                m[i] = mi; v[i] = vi;
                p[i] = pi - stepSize * mi / (MathF.Sqrt(vi) * invSqrtBc2 + eps);
            }
        }
    }

    /// <summary>Drops every parameter's gradient.</summary>
    public void ZeroGrad()
    {
        foreach (var e in _entries) e.Param.ZeroGrad();
    }

    /// <summary>First and second moments of a parameter (for tests and checkpoints).</summary>
    public (float[] M, float[] V) Moments(string name)
    {
        foreach (var e in _entries) if (e.Name == name) return (e.M, e.V);
        throw new KeyNotFoundException($"AdamW: no parameter named '{name}'");
    }

    public void Dispose() { }
}
