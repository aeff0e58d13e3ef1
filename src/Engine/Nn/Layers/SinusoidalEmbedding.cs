using HdrOfx.Engine.Tensors;

namespace HdrOfx.Engine.Nn;

/// <summary>
/// Sinusoidal embedding of a scalar per sample (diffusion timestep or exposure value; hdr-v-diff Eq. 4):
/// e(t) = [cos(t·f₀), …, cos(t·f_{h−1}), sin(t·f₀), …, sin(t·f_{h−1})], f_i = maxPeriod^(−i/h), h = dim/2
/// (the ADM/diffusers <c>timestep_embedding</c> layout). No parameters; not differentiated.
/// </summary>
public sealed class SinusoidalEmbedding : Module
{
    public int Dim { get; }
    public double MaxPeriod { get; }

    public SinusoidalEmbedding(int dim, double maxPeriod = 10000)
    {
        if (dim <= 0 || dim % 2 != 0) throw new ArgumentException($"SinusoidalEmbedding: dim {dim} must be positive and even");
        if (!(maxPeriod > 1)) throw new ArgumentException($"SinusoidalEmbedding: maxPeriod {maxPeriod} must exceed 1");
        Dim = dim; MaxPeriod = maxPeriod;
    }

    /// <summary>t [B] (or [B, 1]) → [B, dim].</summary>
    public override Tensor Forward(Tensor t)
    {
        if (!(t.Rank == 1 || (t.Rank == 2 && t.Shape[1] == 1))) throw new ArgumentException($"SinusoidalEmbedding needs t [B], got {Tensor.ShapeString(t.Shape)}");
        var ts = t.ToArray();
        if (t.Device == Device.Cpu) return Embed(ts);
        // Computed on the host (B·dim values) and uploaded: the only host round trip of a timestep embedding.
        using var host = Embed(ts);
        return host.To(t.Device);
    }

    public Tensor Embed(ReadOnlySpan<float> t)
    {
        int half = Dim / 2;
        var y = Tensor.Empty(t.Length, Dim);
        var s = y.Span;
        for (int b = 0; b < t.Length; b++)
            for (int i = 0; i < half; i++)
            {
                double arg = t[b] * Math.Exp(-Math.Log(MaxPeriod) * i / half);
                s[b * Dim + i] = (float)Math.Cos(arg);
                s[b * Dim + half + i] = (float)Math.Sin(arg);
            }
        return y;
    }

    public override string TypeName => $"SinusoidalEmbedding({Dim})";
}
