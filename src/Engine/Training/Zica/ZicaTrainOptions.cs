using HdrOfx.Engine.Models.Ldm;
using HdrOfx.Engine.Models.Zica;

namespace HdrOfx.Engine.Training.Zica;

/// <summary>Hyper-parameters of `hdrofx train --stage zica` (stage 4: TCAM and HDR-LDM frozen).</summary>
public sealed record ZicaTrainOptions
{
    public required string Output { get; init; }
    /// <summary>The frozen TCAM weights (stage 3's export).</summary>
    public required string TcamPath { get; init; }
    /// <summary>The frozen HDR-LDM weights (stage 2's export).</summary>
    public required string LdmPath { get; init; }
    public ZicaConfig Config { get; init; } = ZicaConfig.Compact;
    public ulong Seed { get; init; } = 15;
    public int Steps { get; init; } = 4000;
    /// <summary>Clips per step; each gives two consecutive reference windows.</summary>
    public int ClipsPerStep { get; init; } = 2;
    public int Crop { get; init; } = 128;
    public double LearningRate { get; init; } = 5e-4;
    public double MinLearningRate { get; init; } = 1e-5;
    public int WarmupSteps { get; init; } = 100;
    public double WeightDecay { get; init; } = 1e-4;
    public double ClipNorm { get; init; } = 1.0;
    public double EmaDecay { get; init; } = 0.998;
    public double CheckpointMinutes { get; init; } = 5;
    public double ValidateMinutes { get; init; } = 30;
    public double MaxMinutes { get; init; }
    /// <summary>Validation frames per clip (from the start; 0 = all 12).</summary>
    public int ValidationFrames { get; init; }
    /// <summary>DDIM steps of the prior, in training and validation.</summary>
    public int DiffusionSteps { get; init; } = DdimSampler.DefaultSteps;
    public bool Resume { get; init; }
}
