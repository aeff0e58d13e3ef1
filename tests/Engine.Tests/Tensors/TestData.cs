using HdrOfx.Engine.Tensors;

namespace HdrOfx.Engine.Tests.Tensors;

internal static class TestData
{
    /// <summary>Normal(0,1) values pushed away from 0 by at least <paramref name="gap"/> (keeps FD off kinks of ReLU/abs).</summary>
    public static Tensor Randn(Rng rng, int[] shape, float gap = 0f)
    {
        var t = Tensor.Randn(rng, shape);
        if (gap > 0)
        {
            var s = t.Span;
            for (int i = 0; i < s.Length; i++) if (MathF.Abs(s[i]) < gap) s[i] = s[i] < 0 ? -gap - s[i] : gap + s[i];
        }
        return t;
    }

    public static Tensor Positive(Rng rng, int[] shape, float lo = 0.2f, float hi = 2f) => Tensor.Rand(rng, shape, lo, hi);
}
