namespace HdrOfx.Engine.Models.Zica;

/// <summary>
/// How a block integrates the prior (the paper's Table 3 ablation): ZiCA; plain cross-attention (the same attention,
/// its output projection initialized as usual instead of zero); concatenation ([F_t, M(F_p)] through a 1×1 conv).
/// </summary>
public enum ZicaIntegration { Zica, CrossAttention, Concat }

/// <summary>
/// Heads of the three ZiCA blocks (1/4, 1/2, 1/1) and how they integrate the prior. Their channels follow the TCAM and HDR-LDM configs the
/// module is trained over: the temporal decoder's C3/C2/C1 and the autoencoder decoder's Ae3/Ae2/Ae1.
/// </summary>
public sealed record ZicaConfig
{
    public string Name { get; init; } = "compact";
    public int HeadsQuarter { get; init; } = 2;
    public int HeadsHalf { get; init; } = 2;
    public int HeadsFull { get; init; } = 1;
    public ZicaIntegration Integration { get; init; } = ZicaIntegration.Zica;

    public static ZicaConfig Compact { get; } = new();

    /// <summary>For tests only.</summary>
    public static ZicaConfig Tiny { get; } = new() { Name = "tiny", HeadsQuarter = 1, HeadsHalf = 1, HeadsFull = 1 };

    public static ZicaConfig Parse(string name) => name switch
    {
        "compact" => Compact,
        "tiny" => Tiny,
        "compact-crossattn" => Compact with { Name = name, Integration = ZicaIntegration.CrossAttention },
        "compact-concat" => Compact with { Name = name, Integration = ZicaIntegration.Concat },
        _ => throw new ArgumentException($"unknown ZiCA config '{name}'; known: compact, tiny, compact-crossattn, compact-concat"),
    };

    public string Describe() => $"name={Name} heads={HeadsQuarter}/{HeadsHalf}/{HeadsFull} integration={Integration}";
}
