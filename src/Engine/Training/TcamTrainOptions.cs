using HdrOfx.Engine.Models;

namespace HdrOfx.Engine.Training;

/// <summary>Hyper-parameters of `hdrofx train --stage tcam` (defaults are the documented run).</summary>
public sealed record TcamTrainOptions
{
    public required string Output { get; init; }
    public TcamConfig Config { get; init; } = TcamConfig.Compact;
    public ulong Seed { get; init; } = 13;
    /// <summary>Length of the cosine schedule, in steps.</summary>
    public int Steps { get; init; } = 10000;
    /// <summary>Clips per step; each gives two consecutive reference windows.</summary>
    public int ClipsPerStep { get; init; } = 2;
    public int Crop { get; init; } = 128;
    public double LearningRate { get; init; } = 1e-3;
    public double MinLearningRate { get; init; } = 2e-5;
    /// <summary>Linear warm-up steps (at most a tenth of <see cref="Steps"/>).</summary>
    public int WarmupSteps { get; init; } = 200;
    public double WeightDecay { get; init; } = 1e-4;
    public double ClipNorm { get; init; } = 1.0;
    public double EmaDecay { get; init; } = 0.998;
    public double CheckpointMinutes { get; init; } = 5;
    public double ValidateMinutes { get; init; } = 30;
    /// <summary>Stop (with a checkpoint) after this much wall time in this process; 0 = no limit.</summary>
    public double MaxMinutes { get; init; }
    /// <summary>Validation frames per clip (from the start; 0 = all 12).</summary>
    public int ValidationFrames { get; init; }
    public bool Resume { get; init; }
}
