namespace HdrOfx.Engine.Imaging;

/// <summary>Input encodings the reconstruction can linearize. Names are the CLI/plugin spellings.</summary>
public enum TransferFunction
{
    Srgb,
    Rec709,
    Gamma22,
    Linear,
}

public static class TransferFunctions
{
    public static readonly IReadOnlyList<(string Name, TransferFunction Value)> Names =
    [
        ("srgb", TransferFunction.Srgb),
        ("rec709", TransferFunction.Rec709),
        ("gamma2.2", TransferFunction.Gamma22),
        ("linear", TransferFunction.Linear),
    ];

    public static TransferFunction Parse(string name)
    {
        foreach (var (n, v) in Names)
            if (string.Equals(n, name, StringComparison.OrdinalIgnoreCase)) return v;
        throw new ArgumentException($"unknown transfer '{name}'; expected one of: {string.Join(", ", Names.Select(x => x.Name))}");
    }

    public static string Name(TransferFunction t) => Names.First(x => x.Value == t).Name;

    /// <summary>Encoded value in [0,1] to linear in [0,1].</summary>
    public static float ToLinear(TransferFunction t, float v) => t switch
    {
        TransferFunction.Srgb => v <= 0.04045f ? v / 12.92f : MathF.Pow((v + 0.055f) / 1.055f, 2.4f),
        // ITU-R BT.709 OETF inverse.
        TransferFunction.Rec709 => v < 0.081f ? v / 4.5f : MathF.Pow((v + 0.099f) / 1.099f, 1f / 0.45f),
        TransferFunction.Gamma22 => MathF.Pow(MathF.Max(v, 0f), 2.2f),
        _ => v,
    };

    /// <summary>Linear in [0,1] to encoded value in [0,1].</summary>
    public static float FromLinear(TransferFunction t, float v) => t switch
    {
        TransferFunction.Srgb => v <= 0.0031308f ? v * 12.92f : 1.055f * MathF.Pow(v, 1f / 2.4f) - 0.055f,
        TransferFunction.Rec709 => v < 0.018f ? v * 4.5f : 1.099f * MathF.Pow(v, 0.45f) - 0.099f,
        TransferFunction.Gamma22 => MathF.Pow(MathF.Max(v, 0f), 1f / 2.2f),
        _ => v,
    };

    public static void ToLinear(TransferFunction t, Span<float> values)
    {
        if (t == TransferFunction.Linear) return;
        for (int i = 0; i < values.Length; i++) values[i] = ToLinear(t, values[i]);
    }

    public static void FromLinear(TransferFunction t, Span<float> values)
    {
        if (t == TransferFunction.Linear) return;
        for (int i = 0; i < values.Length; i++) values[i] = FromLinear(t, values[i]);
    }
}
