using HdrOfx.Engine.Models.Ldm;
using HdrOfx.Engine.Models.Zica;

namespace HdrOfx.Engine.Training.Zica;

/// <summary>Hyper-parameters of `hdrofx train --stage zica` (stage 4: TCAM and HDR-LDM frozen).</summary>
public sealed record ZicaTrainOptions : StageTrainOptions
{
    public ZicaTrainOptions()
    {
        Seed = 15;
        Steps = 4000;
        LearningRate = 5e-4;
        MinLearningRate = 1e-5;
        WarmupSteps = 100;
        EmaDecay = 0.998;
    }

    /// <summary>The frozen TCAM weights (stage 3's export).</summary>
    public required string TcamPath { get; init; }
    /// <summary>The frozen HDR-LDM weights (stage 2's export).</summary>
    public required string LdmPath { get; init; }
    public ZicaConfig Config { get; init; } = ZicaConfig.Compact;
    /// <summary>Clips per step; each gives two consecutive reference windows.</summary>
    public int ClipsPerStep { get; init; } = 2;
    public int Crop { get; init; } = 128;
    /// <summary>Validation frames per clip (from the start; 0 = all 12).</summary>
    public int ValidationFrames { get; init; }
    /// <summary>DDIM steps of the prior, in training and validation.</summary>
    public int DiffusionSteps { get; init; } = DdimSampler.DefaultSteps;
}
