using HdrOfx.Engine.Tensors;

namespace HdrOfx.Engine.Nn;

/// <summary>
/// Weight initializers matching PyTorch's defaults, drawn from the seeded <see cref="Rng"/> so that the same
/// seed gives bit-identical weights. They write in place and are not recorded by autograd.
/// </summary>
public static class Init
{
    /// <summary>fan_in = dim1 · (receptive field), fan_out = dim0 · (receptive field), as torch.nn.init computes them.</summary>
    public static (int FanIn, int FanOut) Fans(int[] shape)
    {
        if (shape.Length < 2) throw new ArgumentException($"fan in/out need at least 2 dims, got {Tensor.ShapeString(shape)}");
        int rf = 1;
        for (int i = 2; i < shape.Length; i++) rf *= shape[i];
        return (shape[1] * rf, shape[0] * rf);
    }

    /// <summary>
    /// Kaiming-uniform with leaky-ReLU slope <paramref name="a"/>: U(−b, b), b = gain·√(3/fan_in), gain = √(2/(1+a²)).
    /// With the default a = √5 this is PyTorch's default for Conv2d and Linear weights: b = 1/√fan_in.
    /// </summary>
    public static void KaimingUniform(Tensor w, Rng rng, double a = 2.23606797749979)
    {
        var (fanIn, _) = Fans(w.Shape);
        double gain = Math.Sqrt(2.0 / (1 + a * a));
        float bound = (float)(gain * Math.Sqrt(3.0 / fanIn));
        Uniform(w, rng, -bound, bound);
    }

    /// <summary>Glorot/Xavier uniform: U(−b, b), b = gain·√(6/(fan_in+fan_out)).</summary>
    public static void XavierUniform(Tensor w, Rng rng, double gain = 1.0)
    {
        var (fanIn, fanOut) = Fans(w.Shape);
        float bound = (float)(gain * Math.Sqrt(6.0 / (fanIn + fanOut)));
        Uniform(w, rng, -bound, bound);
    }

    /// <summary>PyTorch's default bias: U(−1/√fan_in, 1/√fan_in).</summary>
    public static void BiasUniform(Tensor b, Rng rng, int fanIn)
    {
        float bound = fanIn > 0 ? (float)(1.0 / Math.Sqrt(fanIn)) : 0f;
        Uniform(b, rng, -bound, bound);
    }

    public static void Uniform(Tensor t, Rng rng, float lo, float hi) => rng.FillUniform(t.Span, lo, hi);

    public static void Normal(Tensor t, Rng rng, float mean, float std) => rng.FillNormal(t.Span, mean, std);

    public static void Constant(Tensor t, float value) => t.Span.Fill(value);
}
