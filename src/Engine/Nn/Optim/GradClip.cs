using HdrOfx.Engine.Tensors;

namespace HdrOfx.Engine.Nn;

/// <summary>Gradient clipping by global norm (as <c>torch.nn.utils.clip_grad_norm_</c>).</summary>
public static class GradClip
{
    /// <summary>
    /// ‖g‖ = √(Σ over all parameters of Σ g²), accumulated in float64. If ‖g‖ &gt; maxNorm every gradient is
    /// scaled by maxNorm/(‖g‖ + 1e-6). A non-finite norm leaves the gradients untouched (the caller decides
    /// whether to skip the step). Returns the norm before clipping.
    /// </summary>
    public static double ClipGradNorm(IEnumerable<Tensor> parameters, double maxNorm)
    {
        if (!(maxNorm > 0)) throw new ArgumentOutOfRangeException(nameof(maxNorm), $"maxNorm {maxNorm} must be positive");
        var grads = new List<Tensor>();
        double sum = 0;
        foreach (var p in parameters)
        {
            var g = p.Grad;
            if (g == null) continue;
            grads.Add(g);
            foreach (float v in g.Span) sum += (double)v * v;
        }
        double norm = Math.Sqrt(sum);
        if (!double.IsFinite(norm)) return norm;
        double coef = maxNorm / (norm + 1e-6);
        if (coef < 1)
            foreach (var g in grads)
            {
                var s = g.Span;
                float c = (float)coef;
                for (int i = 0; i < s.Length; i++) s[i] *= c;
            }
        return norm;
    }
}
