using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Autograd;

namespace HdrOfx.Engine.Nn;

/// <summary>
/// AdamW (Loshchilov &amp; Hutter 2019, Algorithm 2), matching <c>torch.optim.AdamW</c>:
/// θ ← θ·(1 − lr·λ); m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
/// θ ← θ − (lr/(1−β₁ᵗ))·m / (√v/√(1−β₂ᵗ) + ε).
/// Weight decay is decoupled (applied to θ, not added to g). Parameters without a gradient are skipped.
/// CPU parameters take a fused span loop (no allocation per step); parameters on other devices take a generic
/// path of in-place tensor ops (a fused device kernel can replace it later). The moments live on the parameter's device.
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
        public required Tensor M;
        public required Tensor V;
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
            if (p.DType != DType.F32 || !p.IsContiguous) throw new ArgumentException($"AdamW: parameter '{name}' must be a contiguous F32 tensor");
            list.Add(new Entry
            {
                Name = name, Param = p,
                M = TensorScope.Detach(Tensor.Zeros(p.Shape, p.Device)),
                V = TensorScope.Detach(Tensor.Zeros(p.Shape, p.Device)),
                Decay = noDecay == null || !noDecay(name, p),
            });
        }
        _entries = list.ToArray();
    }

    /// <summary>Biases, 1-D tensors (norm weights) and temperatures: the usual no-decay set for transformers.</summary>
    public static bool NoDecayForBiasAndNorm(string name, Tensor p) => p.Rank <= 1 || name.EndsWith(".bias", StringComparison.Ordinal) || name.EndsWith("temperature", StringComparison.Ordinal);

    public int ParameterCount => _entries.Length;

    /// <summary>Forces the generic tensor-op path on the CPU too (tests compare it with the fused loop).</summary>
    internal bool ForceGenericPath { get; set; }

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
            bool wd = e.Decay && WeightDecay != 0;
            if (ForceGenericPath || e.Param.Device.Kind != DeviceKind.Cpu)
            {
                if (!ForceGenericPath && e.Param.Backend is IFusedOptimizer fused)
                    fused.AdamWStep(e.Param, g, e.M, e.V, wd ? decay : 1f, b1, b2, omb1, omb2, stepSize, invSqrtBc2, eps);
                else
                    GenericUpdate(e, g, wd ? decay : 1f, b1, b2, omb1, omb2, stepSize, invSqrtBc2, eps);
                continue;
            }
            var p = e.Param.Span;
            var gs = g.Span;
            var m = e.M.Span;
            var v = e.V.Span;
            float dc = wd ? decay : 1f;
            for (int i = 0; i < p.Length; i++)
            {
                float gi = gs[i];
                float pi = p[i] * dc;
                float mi = b1 * m[i] + omb1 * gi;
                float vi = b2 * v[i] + omb2 * gi * gi;
                m[i] = mi; v[i] = vi;
                p[i] = pi - stepSize * mi / (MathF.Sqrt(vi) * invSqrtBc2 + eps);
            }
        }
    }

    /// <summary>The same update as the fused loop, from device-agnostic in-place tensor ops (float32 rounding may differ slightly).</summary>
    private static void GenericUpdate(Entry e, Tensor g, float decay, float b1, float b2, float omb1, float omb2, float stepSize, float invSqrtBc2, float eps)
    {
        using var _ = GradMode.NoGrad();
        using var scope = new TensorScope();
        if (decay != 1f) e.Param.MulScalarInPlace(decay);
        e.M.MulScalarInPlace(b1).AddInPlace(g.MulScalar(omb1));
        e.V.MulScalarInPlace(b2).AddInPlace(g.Square().MulScalar(omb2));
        var denom = e.V.Sqrt().MulScalar(invSqrtBc2).AddScalar(eps);
        e.Param.SubInPlace((e.M / denom).MulScalar(stepSize));
    }

    /// <summary>Drops every parameter's gradient.</summary>
    public void ZeroGrad()
    {
        foreach (var e in _entries) e.Param.ZeroGrad();
    }

    /// <summary>First and second moments of a parameter (for tests and checkpoints).</summary>
    public (float[] M, float[] V) Moments(string name)
    {
        foreach (var e in _entries) if (e.Name == name) return (e.M.ToArray(), e.V.ToArray());
        throw new KeyNotFoundException($"AdamW: no parameter named '{name}'");
    }

    /// <summary>
    /// Saves the moments ("exp_avg.NAME", "exp_avg_sq.NAME", F32) and the step count and hyper-parameters (metadata)
    /// to a safetensors file, so training can resume exactly.
    /// </summary>
    public void SaveState(string path)
    {
        var tensors = new List<KeyValuePair<string, Tensor>>();
        try
        {
            foreach (var e in _entries)
            {
                tensors.Add(new("exp_avg." + e.Name, TensorScope.Detach(Tensor.FromArray(e.M.ToArray(), e.Param.Shape))));
                tensors.Add(new("exp_avg_sq." + e.Name, TensorScope.Detach(Tensor.FromArray(e.V.ToArray(), e.Param.Shape))));
            }
            var inv = System.Globalization.CultureInfo.InvariantCulture;
            var meta = new Dictionary<string, string>
            {
                ["optimizer"] = "AdamW",
                ["step"] = StepCount.ToString(inv),
                ["lr"] = LearningRate.ToString("R", inv),
                ["betas"] = $"{Beta1.ToString("R", inv)},{Beta2.ToString("R", inv)}",
                ["eps"] = Eps.ToString("R", inv),
                ["weight_decay"] = WeightDecay.ToString("R", inv),
            };
            Safetensors.Save(path, tensors, DType.F32, meta);
        }
        finally
        {
            foreach (var (_, t) in tensors) t.Dispose();
        }
    }

    /// <summary>
    /// Restores what <see cref="SaveState"/> wrote. Every parameter's moments must be present with its shape, and no
    /// others (same rules and messages as a strict <see cref="Module.LoadStateDict"/>); nothing changes on failure.
    /// The learning rate is not restored (the schedule sets it).
    /// </summary>
    public void LoadState(string path)
    {
        using var f = Safetensors.Load(path);
        if (!f.Metadata.TryGetValue("optimizer", out var kind) || kind != "AdamW" || !f.Metadata.TryGetValue("step", out var stepText)
            || !long.TryParse(stepText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long step))
            throw new InvalidDataException($"optimizer state '{path}': metadata lacks optimizer=AdamW and an integer step");
        var missing = new List<string>();
        var shapes = new List<string>();
        var expected = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in _entries)
            foreach (var key in new[] { "exp_avg." + e.Name, "exp_avg_sq." + e.Name })
            {
                expected.Add(key);
                if (!f.Tensors.TryGetValue(key, out var t)) missing.Add(key);
                else if (t.DType != DType.F32 || !t.Shape.AsSpan().SequenceEqual(e.Param.Shape))
                    shapes.Add($"{key}: expected F32 {Tensor.ShapeString(e.Param.Shape)}, found {t.DType} {Tensor.ShapeString(t.Shape)}");
            }
        var unexpected = f.Tensors.Keys.Where(k => !expected.Contains(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
        if (missing.Count > 0 || unexpected.Count > 0 || shapes.Count > 0)
            throw new StateDictMismatchException("AdamW", path, missing, unexpected, shapes, strict: true);
        foreach (var e in _entries)
        {
            using (GradMode.NoGrad())
            {
                e.M.CopyFrom(f["exp_avg." + e.Name]);
                e.V.CopyFrom(f["exp_avg_sq." + e.Name]);
            }
        }
        StepCount = step;
    }

    /// <summary>Releases the moment tensors.</summary>
    public void Dispose()
    {
        foreach (var e in _entries) { e.M.Dispose(); e.V.Dispose(); }
    }
}
