using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace HdrOfx.Engine.Tensors.Cpu;

/// <summary>
/// Maths of one elementwise op, scalar and 8-wide (TensorPrimitives style). The driver in
/// <see cref="ElementwiseDriver"/> handles lengths, unrolling, tails and threads.
/// Instance structs so a parameter (slope, exponent) can ride along; the JIT specializes each.
/// </summary>
internal interface IUnaryKernel
{
    float Invoke(float x);
    Vector256<float> Invoke(Vector256<float> x);
}

/// <summary>Backward of an elementwise op: dx = dy * f'(x), optionally using y = f(x).</summary>
internal interface IUnaryGradKernel
{
    float Invoke(float x, float y, float dy);
    Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> dy);
}

internal static class VMath
{
    /// <summary>
    /// tanh: an odd Taylor polynomial to x⁹ for |x| &lt; 0.25 (next term ≤ 4e-9, so relative error stays at fp32
    /// rounding where 1 − 2/(e^{2x}+1) would cancel), else 1 − 2/(e^{2x}+1), which saturates correctly at ±inf.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> x)
    {
        var one = Vector256.Create(1f);
        var xc = Vector256.Min(Vector256.Max(x, Vector256.Create(-20f)), Vector256.Create(20f));
        var e = Vector256.Exp(xc + xc);
        var big = one - Vector256.Create(2f) / (e + one);
        var x2 = x * x;
        // x − x³/3 + 2x⁵/15 − 17x⁷/315 + 62x⁹/2835
        var p = Vector256.Create(62f / 2835f);
        p = p * x2 + Vector256.Create(-17f / 315f);
        p = p * x2 + Vector256.Create(2f / 15f);
        p = p * x2 + Vector256.Create(-1f / 3f);
        var small = x + x * x2 * p;
        return Vector256.ConditionalSelect(Vector256.LessThan(Vector256.Abs(x), Vector256.Create(0.25f)), small, big);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sigmoid(Vector256<float> x)
    {
        var one = Vector256.Create(1f);
        var xc = Vector256.Max(x, Vector256.Create(-88f));
        return one / (one + Vector256.Exp(-xc));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-Math.Max(x, -88f)));

    public const float GeluK = 0.7978845608028654f; // sqrt(2/pi)
    public const float GeluC = 0.044715f;
}

internal struct IdentityOp : IUnaryKernel
{
    public float Invoke(float x) => x;
    public Vector256<float> Invoke(Vector256<float> x) => x;
}

internal struct NegOp : IUnaryKernel, IUnaryGradKernel
{
    public float Invoke(float x) => -x;
    public Vector256<float> Invoke(Vector256<float> x) => -x;
    public float Invoke(float x, float y, float dy) => -dy;
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> dy) => -dy;
}

internal struct AbsOp : IUnaryKernel, IUnaryGradKernel
{
    public float Invoke(float x) => MathF.Abs(x);
    public Vector256<float> Invoke(Vector256<float> x) => Vector256.Abs(x);
    // d|x|/dx = sign(x), 0 at 0
    public float Invoke(float x, float y, float dy) => x > 0 ? dy : x < 0 ? -dy : 0f;
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> dy)
    {
        var z = Vector256<float>.Zero;
        return Vector256.ConditionalSelect(Vector256.GreaterThan(x, z), dy, Vector256.ConditionalSelect(Vector256.LessThan(x, z), -dy, z));
    }
}

internal struct SquareOp : IUnaryKernel, IUnaryGradKernel
{
    public float Invoke(float x) => x * x;
    public Vector256<float> Invoke(Vector256<float> x) => x * x;
    public float Invoke(float x, float y, float dy) => 2f * x * dy;
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> dy) => Vector256.Create(2f) * x * dy;
}

internal struct SqrtOp : IUnaryKernel, IUnaryGradKernel
{
    public float Invoke(float x) => MathF.Sqrt(x);
    public Vector256<float> Invoke(Vector256<float> x) => Vector256.Sqrt(x);
    public float Invoke(float x, float y, float dy) => 0.5f * dy / y;
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> dy) => Vector256.Create(0.5f) * dy / y;
}

internal struct ExpOp : IUnaryKernel, IUnaryGradKernel
{
    public float Invoke(float x) => MathF.Exp(x);
    public Vector256<float> Invoke(Vector256<float> x) => Vector256.Exp(x);
    public float Invoke(float x, float y, float dy) => dy * y;
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> dy) => dy * y;
}

internal struct LogOp : IUnaryKernel, IUnaryGradKernel
{
    public float Invoke(float x) => MathF.Log(x);
    public Vector256<float> Invoke(Vector256<float> x) => Vector256.Log(x);
    public float Invoke(float x, float y, float dy) => dy / x;
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> dy) => dy / x;
}

internal struct ReciprocalOp : IUnaryKernel, IUnaryGradKernel
{
    public float Invoke(float x) => 1f / x;
    public Vector256<float> Invoke(Vector256<float> x) => Vector256.Create(1f) / x;
    public float Invoke(float x, float y, float dy) => -dy * y * y;
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> dy) => -dy * y * y;
}

internal struct ReluOp : IUnaryKernel, IUnaryGradKernel
{
    public float Invoke(float x) => x > 0 ? x : 0f;
    public Vector256<float> Invoke(Vector256<float> x) => Vector256.Max(x, Vector256<float>.Zero);
    public float Invoke(float x, float y, float dy) => x > 0 ? dy : 0f;
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> dy) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), dy, Vector256<float>.Zero);
}

internal struct LeakyReluOp(float slope) : IUnaryKernel, IUnaryGradKernel
{
    public float Invoke(float x) => x > 0 ? x : slope * x;
    public Vector256<float> Invoke(Vector256<float> x) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), x, Vector256.Create(slope) * x);
    public float Invoke(float x, float y, float dy) => x > 0 ? dy : slope * dy;
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> dy) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<float>.Zero), dy, Vector256.Create(slope) * dy);
}

/// <summary>
/// GELU, tanh approximation (Hendrycks &amp; Gimpel 2016): 0.5x(1 + tanh(u)), u = √(2/π)(x + 0.044715x³).
/// Evaluated as x·σ(2u), which is the same function (½(1 + tanh u) = σ(2u)) without the cancellation of
/// 1 + tanh u for negative x. Derivative: σ(2u) + x·σ(2u)(1 − σ(2u))·2u′, u′ = √(2/π)(1 + 3·0.044715x²).
/// </summary>
internal struct GeluOp : IUnaryKernel, IUnaryGradKernel
{
    public float Invoke(float x) => x * VMath.Sigmoid(2f * VMath.GeluK * (x + VMath.GeluC * x * x * x));
    public Vector256<float> Invoke(Vector256<float> x)
    {
        var u2 = Vector256.Create(2f * VMath.GeluK) * (x + Vector256.Create(VMath.GeluC) * x * x * x);
        return x * VMath.Sigmoid(u2);
    }
    public float Invoke(float x, float y, float dy)
    {
        float s = VMath.Sigmoid(2f * VMath.GeluK * (x + VMath.GeluC * x * x * x));
        return dy * (s + x * s * (1f - s) * 2f * VMath.GeluK * (1f + 3f * VMath.GeluC * x * x));
    }
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> dy)
    {
        var one = Vector256.Create(1f);
        var x2 = x * x;
        var s = VMath.Sigmoid(Vector256.Create(2f * VMath.GeluK) * (x + Vector256.Create(VMath.GeluC) * x2 * x));
        var du = Vector256.Create(2f * VMath.GeluK) * (one + Vector256.Create(3f * VMath.GeluC) * x2);
        return dy * (s + x * s * (one - s) * du);
    }
}

internal struct SiluOp : IUnaryKernel, IUnaryGradKernel
{
    public float Invoke(float x) => x * VMath.Sigmoid(x);
    public Vector256<float> Invoke(Vector256<float> x) => x * VMath.Sigmoid(x);
    // d/dx = s(1 + x(1-s))
    public float Invoke(float x, float y, float dy) { float s = VMath.Sigmoid(x); return dy * s * (1f + x * (1f - s)); }
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> dy)
    {
        var one = Vector256.Create(1f);
        var s = VMath.Sigmoid(x);
        return dy * s * (one + x * (one - s));
    }
}

internal struct SigmoidOp : IUnaryKernel, IUnaryGradKernel
{
    public float Invoke(float x) => VMath.Sigmoid(x);
    public Vector256<float> Invoke(Vector256<float> x) => VMath.Sigmoid(x);
    public float Invoke(float x, float y, float dy) => dy * y * (1f - y);
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> dy) => dy * y * (Vector256.Create(1f) - y);
}

internal struct TanhOp : IUnaryKernel, IUnaryGradKernel
{
    public float Invoke(float x) => MathF.Tanh(x);
    public Vector256<float> Invoke(Vector256<float> x) => VMath.Tanh(x);
    public float Invoke(float x, float y, float dy) => dy * (1f - y * y);
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> dy) => dy * (Vector256.Create(1f) - y * y);
}

internal struct AddScalarOp(float a) : IUnaryKernel, IUnaryGradKernel
{
    public float Invoke(float x) => x + a;
    public Vector256<float> Invoke(Vector256<float> x) => x + Vector256.Create(a);
    public float Invoke(float x, float y, float dy) => dy;
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> dy) => dy;
}

internal struct MulScalarOp(float a) : IUnaryKernel, IUnaryGradKernel
{
    public float Invoke(float x) => x * a;
    public Vector256<float> Invoke(Vector256<float> x) => x * Vector256.Create(a);
    public float Invoke(float x, float y, float dy) => dy * a;
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> dy) => dy * Vector256.Create(a);
}

internal struct RSubScalarOp(float a) : IUnaryKernel, IUnaryGradKernel
{
    public float Invoke(float x) => a - x;
    public Vector256<float> Invoke(Vector256<float> x) => Vector256.Create(a) - x;
    public float Invoke(float x, float y, float dy) => -dy;
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> dy) => -dy;
}

/// <summary>x^p for a scalar exponent; vector path uses exp(p·log x), so x must be &gt; 0 unless p is 2 or 0.5.</summary>
internal struct PowScalarOp(float p) : IUnaryKernel, IUnaryGradKernel
{
    public float Invoke(float x) => p == 2f ? x * x : p == 1f ? x : p == 0.5f ? MathF.Sqrt(x) : MathF.Pow(x, p);
    public Vector256<float> Invoke(Vector256<float> x) =>
        p == 2f ? x * x : p == 1f ? x : p == 0.5f ? Vector256.Sqrt(x) : Vector256.Exp(Vector256.Create(p) * Vector256.Log(x));
    public float Invoke(float x, float y, float dy) => p == 2f ? 2f * x * dy : p == 1f ? dy : dy * p * MathF.Pow(x, p - 1f);
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> dy) =>
        p == 2f ? Vector256.Create(2f) * x * dy : p == 1f ? dy
        : dy * Vector256.Create(p) * Vector256.Exp(Vector256.Create(p - 1f) * Vector256.Log(x));
}

/// <summary>Charbonnier penalty sqrt(x² + ε²) (Charbonnier et al. 1994); <c>eps2</c> = ε².</summary>
internal struct CharbonnierOp(float eps2) : IUnaryKernel, IUnaryGradKernel
{
    public float Invoke(float x) => MathF.Sqrt(x * x + eps2);
    public Vector256<float> Invoke(Vector256<float> x) => Vector256.Sqrt(x * x + Vector256.Create(eps2));
    public float Invoke(float x, float y, float dy) => dy * x / y;
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> dy) => dy * x / y;
}

/// <summary>max(x, lo); the gradient passes where x &gt; lo.</summary>
internal struct ClampMinOp(float lo) : IUnaryKernel, IUnaryGradKernel
{
    public float Invoke(float x) => x > lo ? x : lo;
    public Vector256<float> Invoke(Vector256<float> x) => Vector256.Max(x, Vector256.Create(lo));
    public float Invoke(float x, float y, float dy) => x > lo ? dy : 0f;
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> dy) =>
        Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256.Create(lo)), dy, Vector256<float>.Zero);
}

/// <summary>min(x, hi); the gradient passes where x &lt; hi.</summary>
internal struct ClampMaxOp(float hi) : IUnaryKernel, IUnaryGradKernel
{
    public float Invoke(float x) => x < hi ? x : hi;
    public Vector256<float> Invoke(Vector256<float> x) => Vector256.Min(x, Vector256.Create(hi));
    public float Invoke(float x, float y, float dy) => x < hi ? dy : 0f;
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> dy) =>
        Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256.Create(hi)), dy, Vector256<float>.Zero);
}

/// <summary>Softplus log(1 + eˣ) = max(x, 0) + log(1 + e^−|x|) (no overflow for large x); derivative σ(x).</summary>
internal struct SoftplusOp : IUnaryKernel, IUnaryGradKernel
{
    public float Invoke(float x) => MathF.Max(x, 0f) + MathF.Log(1f + MathF.Exp(-MathF.Abs(x)));
    public Vector256<float> Invoke(Vector256<float> x) =>
        Vector256.Max(x, Vector256<float>.Zero) + Vector256.Log(Vector256.Create(1f) + Vector256.Exp(-Vector256.Abs(x)));
    public float Invoke(float x, float y, float dy) => dy * VMath.Sigmoid(x);
    public Vector256<float> Invoke(Vector256<float> x, Vector256<float> y, Vector256<float> dy) => dy * VMath.Sigmoid(x);
}
