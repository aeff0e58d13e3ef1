using HdrOfx.Engine.Tensors;

namespace HdrOfx.Engine.Nn;

/// <summary>Gradient clipping by global norm (as <c>torch.nn.utils.clip_grad_norm_</c>).</summary>
public static class GradClip
{
    /// <summary>
    /// ‖g‖ = √(Σ over all parameters of Σ g²), accumulated in float64. If ‖g‖ &gt; maxNorm every gradient is
    /// scaled by maxNorm/(‖g‖ + 1e-6). A non-finite norm leaves the gradients untouched (the caller decides
    /// whether to skip the step). Returns the norm before clipping. Gradients on a device are reduced there (each
    /// tensor's Σ g² in float64 by the backend's SumTo) and scaled there; only the norm itself is read back.
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
            if (g.Device.Kind == DeviceKind.Cpu)
                foreach (float v in g.Span) sum += (double)v * v;
        }
        var onDevice = grads.Where(g => g.Device.Kind != DeviceKind.Cpu).ToList();
        if (onDevice.Count > 0) sum += DeviceSumOfSquares(onDevice);
        double norm = Math.Sqrt(sum);
        if (!double.IsFinite(norm)) return norm;
        double coef = maxNorm / (norm + 1e-6);
        if (coef < 1)
            foreach (var g in grads)
            {
                float c = (float)coef;
                if (g.Device.Kind != DeviceKind.Cpu)
                {
                    g.Backend.Unary(UnaryOp.MulScalar, g, g, c);
                    continue;
                }
                var s = g.Span;
                for (int i = 0; i < s.Length; i++) s[i] *= c;
            }
        return norm;
    }

    /// <summary>Σ g² over device gradients: per tensor on its device, the partial sums read back once.</summary>
    private static double DeviceSumOfSquares(List<Tensor> grads)
    {
        using var _ = Tensors.Autograd.GradMode.NoGrad();
        using var scope = new TensorScope();
        double sum = 0;
        foreach (var group in grads.GroupBy(g => g.Device))
        {
            Tensor? total = null;
            foreach (var g in group)
            {
                var s = g.Square().Sum();
                total = total is null ? s : Tensor.Add(total, s);
            }
            sum += total!.ToArray()[0];
        }
        return sum;
    }
}
