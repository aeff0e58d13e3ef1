using System.Text.Json.Serialization;
using HdrOfx.Engine.Imaging;

namespace HdrOfx.Engine.Synthesis;

/// <summary>Camera response curves the synthesizer can simulate (DESIGN §4).</summary>
public enum CrfKind
{
    /// <summary>y = x^(1/2.2); linearized exactly by <c>--transfer gamma2.2</c>.</summary>
    Gamma22,
    /// <summary>IEC 61966-2-1 sRGB OETF; linearized exactly by <c>--transfer srgb</c>.</summary>
    Srgb,
    /// <summary>y = (1+σ)xⁿ/(xⁿ+σ), n ~ N(0.65, 0.1) clipped to [0.4, 0.9], σ ~ N(0.6, 0.1) clipped to [0.4, 0.8].</summary>
    InverseSigmoid,
    /// <summary>y = x.</summary>
    Linear,
}

/// <summary>
/// A camera response f: linear sensor value x in [0,1] to display-encoded y in [0,1], f(0)=0, f(1)=1, monotonic.
/// Parameters are plain numbers so the manifest can record and rebuild it.
/// </summary>
public sealed record Crf
{
    public const double SigmoidNMean = 0.65, SigmoidNStd = 0.1, SigmoidNMin = 0.4, SigmoidNMax = 0.9;
    public const double SigmoidSigmaMean = 0.6, SigmoidSigmaStd = 0.1, SigmoidSigmaMin = 0.4, SigmoidSigmaMax = 0.8;

    public CrfKind Kind { get; init; }

    /// <summary>Exponent n of the inverse-sigmoid curve (unused by the other kinds).</summary>
    public double N { get; init; } = 1;

    /// <summary>σ of the inverse-sigmoid curve (unused by the other kinds).</summary>
    public double Sigma { get; init; } = 1;

    public static Crf Gamma22 { get; } = new() { Kind = CrfKind.Gamma22 };
    public static Crf Srgb { get; } = new() { Kind = CrfKind.Srgb };
    public static Crf Linear { get; } = new() { Kind = CrfKind.Linear };

    public static Crf InverseSigmoid(double n, double sigma)
    {
        if (!(n > 0) || !double.IsFinite(n)) throw new ArgumentOutOfRangeException(nameof(n), $"inverse-sigmoid n = {n} must be positive");
        if (!(sigma > 0) || !double.IsFinite(sigma)) throw new ArgumentOutOfRangeException(nameof(sigma), $"inverse-sigmoid sigma = {sigma} must be positive");
        return new() { Kind = CrfKind.InverseSigmoid, N = n, Sigma = sigma };
    }

    /// <summary>Draws a curve of the given kind; only InverseSigmoid consumes random numbers.</summary>
    public static Crf Sample(CrfKind kind, SynthRandom rng) => kind switch
    {
        CrfKind.Gamma22 => Gamma22,
        CrfKind.Srgb => Srgb,
        CrfKind.Linear => Linear,
        CrfKind.InverseSigmoid => InverseSigmoid(
            rng.ClippedNormal(SigmoidNMean, SigmoidNStd, SigmoidNMin, SigmoidNMax),
            rng.ClippedNormal(SigmoidSigmaMean, SigmoidSigmaStd, SigmoidSigmaMin, SigmoidSigmaMax)),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), $"unknown CRF kind {kind}"),
    };

    /// <summary>
    /// The <see cref="TransferFunction"/> CLI/plugin name that inverts this curve exactly
    /// ("gamma2.2", "srgb", "linear"), or null for the inverse-sigmoid curve, which has no transfer equivalent.
    /// </summary>
    [JsonIgnore]
    public string? TransferName => Kind switch
    {
        CrfKind.Gamma22 => TransferFunctions.Name(TransferFunction.Gamma22),
        CrfKind.Srgb => TransferFunctions.Name(TransferFunction.Srgb),
        CrfKind.Linear => TransferFunctions.Name(TransferFunction.Linear),
        _ => null,
    };

    /// <summary>f(x) for linear x; x is clamped to [0,1] first (the sensor clips before the curve).</summary>
    public float Apply(float x)
    {
        x = Math.Clamp(x, 0f, 1f);
        switch (Kind)
        {
            case CrfKind.Gamma22: return TransferFunctions.FromLinear(TransferFunction.Gamma22, x);
            case CrfKind.Srgb: return TransferFunctions.FromLinear(TransferFunction.Srgb, x);
            case CrfKind.InverseSigmoid:
                {
                    double xn = Math.Pow(x, N);
                    return (float)((1 + Sigma) * xn / (xn + Sigma));
                }
            default: return x;
        }
    }

    /// <summary>f⁻¹(y) for encoded y; y is clamped to [0,1] first.</summary>
    public float Invert(float y)
    {
        y = Math.Clamp(y, 0f, 1f);
        switch (Kind)
        {
            case CrfKind.Gamma22: return TransferFunctions.ToLinear(TransferFunction.Gamma22, y);
            case CrfKind.Srgb: return TransferFunctions.ToLinear(TransferFunction.Srgb, y);
            case CrfKind.InverseSigmoid:
                {
                    // y(xⁿ+σ) = (1+σ)xⁿ  ⇒  xⁿ = yσ / (1+σ−y).
                    double xn = y * Sigma / (1 + Sigma - y);
                    return (float)Math.Min(1.0, Math.Pow(xn, 1.0 / N));
                }
            default: return y;
        }
    }

    public void Apply(Span<float> values)
    {
        for (int i = 0; i < values.Length; i++) values[i] = Apply(values[i]);
    }

    public void Invert(Span<float> values)
    {
        for (int i = 0; i < values.Length; i++) values[i] = Invert(values[i]);
    }

    public override string ToString() => Kind == CrfKind.InverseSigmoid ? $"InverseSigmoid(n={N:G4}, σ={Sigma:G4})" : Kind.ToString();
}
