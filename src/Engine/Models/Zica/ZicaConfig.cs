namespace HdrOfx.Engine.Models.Zica;

/// <summary>
/// Heads of the three ZiCA blocks (1/4, 1/2, 1/1). Their channels follow the TCAM and HDR-LDM configs the
/// module is trained over: the temporal decoder's C3/C2/C1 and the autoencoder decoder's Ae3/Ae2/Ae1.
/// </summary>
public sealed record ZicaConfig
{
    public string Name { get; init; } = "compact";
    public int HeadsQuarter { get; init; } = 2;
    public int HeadsHalf { get; init; } = 2;
    public int HeadsFull { get; init; } = 1;

    public static ZicaConfig Compact { get; } = new();

    /// <summary>For tests only.</summary>
    public static ZicaConfig Tiny { get; } = new() { Name = "tiny", HeadsQuarter = 1, HeadsHalf = 1, HeadsFull = 1 };

    public static ZicaConfig Parse(string name) => name switch
    {
        "compact" => Compact,
        "tiny" => Tiny,
        _ => throw new ArgumentException($"unknown ZiCA config '{name}'; known: compact, tiny"),
    };

    public string Describe() => $"name={Name} heads={HeadsQuarter}/{HeadsHalf}/{HeadsFull}";
}
