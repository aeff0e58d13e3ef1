namespace HdrOfx.Engine.Models;

/// <summary>
/// Size and switches of the TCAM network (DESIGN §5). C1, C2, C3 are the feature channels at full, 1/2 and 1/4
/// resolution. The four switches are the ablations of issue 13: off means that part is replaced by the identity
/// (attention, patch matching, flow guidance) or by a plain 3×3 convolution (DCN).
/// </summary>
public sealed record TcamConfig
{
    public string Name { get; init; } = "compact";
    public int C1 { get; init; } = 8;
    public int C2 { get; init; } = 16;
    public int C3 { get; init; } = 32;
    public int BlocksQuarter { get; init; } = 2;
    public int BlocksHalf { get; init; } = 1;
    public int HeadsQuarter { get; init; } = 2;
    public int HeadsHalf { get; init; } = 1;
    public int MatchRadius { get; init; } = 1;
    public bool SpatialAttention { get; init; } = true;
    public bool Dcn { get; init; } = true;
    public bool PatchMatching { get; init; } = true;
    public bool FlowGuidance { get; init; } = true;

    public static TcamConfig Compact { get; } = new();

    /// <summary>For tests only: every part present, a few hundred parameters per part.</summary>
    public static TcamConfig Tiny { get; } = new() { Name = "tiny", C1 = 4, C2 = 8, C3 = 8, BlocksQuarter = 1, BlocksHalf = 1, HeadsQuarter = 1, HeadsHalf = 1 };

    public static TcamConfig Parse(string name) => name switch
    {
        "compact" => Compact,
        "tiny" => Tiny,
        "compact-noattn" => Compact with { Name = name, SpatialAttention = false },
        "compact-nodcn" => Compact with { Name = name, Dcn = false },
        "compact-nomatch" => Compact with { Name = name, PatchMatching = false },
        "compact-noflow" => Compact with { Name = name, FlowGuidance = false },
        _ => throw new ArgumentException($"unknown TCAM config '{name}'; known: compact, tiny, compact-noattn, compact-nodcn, compact-nomatch, compact-noflow"),
    };

    /// <summary>One line for manifests and metadata: every field as key=value.</summary>
    public string Describe() =>
        $"name={Name} c1={C1} c2={C2} c3={C3} blocks_quarter={BlocksQuarter} blocks_half={BlocksHalf} heads_quarter={HeadsQuarter} heads_half={HeadsHalf} " +
        $"match_radius={MatchRadius} spatial_attention={SpatialAttention} dcn={Dcn} patch_matching={PatchMatching} flow_guidance={FlowGuidance}";
}
