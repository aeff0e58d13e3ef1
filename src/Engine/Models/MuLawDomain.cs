using HdrOfx.Engine.Tensors;

namespace HdrOfx.Engine.Models;

/// <summary>
/// The μ-law domain the network works in: T(H) = log(1 + μ·H·s) / log(1 + μ), μ = 5000 (the metric's tonemap,
/// DESIGN §3), where s = 2^EV_min scales radiance so that 1 is the clip point of the window's shortest exposure —
/// a normalizer known at inference (the metric's ground-truth peak is not). Not clamped: H·s may exceed 1.
/// </summary>
public static class MuLawDomain
{
    public const float Mu = 5000f;
    public static readonly float Log1PMu = MathF.Log(1f + Mu);

    public static float Forward(float h, float s) => MathF.Log(1f + Mu * MathF.Max(h * s, 0f)) / Log1PMu;

    public static float Inverse(float y, float s) => (MathF.Exp(y * Log1PMu) - 1f) / (Mu * s);

    /// <summary>T of a tensor of radiance (negative values read as 0).</summary>
    public static Tensor Forward(Tensor h, float s) => (h.ClampMin(0f) * (Mu * s)).AddScalar(1f).Log() * (1f / Log1PMu);

    /// <summary>T⁻¹, differentiable.</summary>
    public static Tensor Inverse(Tensor y, float s) => ((y * Log1PMu).Exp().AddScalar(-1f)) * (1f / (Mu * s));
}
