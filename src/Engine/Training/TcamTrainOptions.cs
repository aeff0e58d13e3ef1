using HdrOfx.Engine.Models;

namespace HdrOfx.Engine.Training;

/// <summary>Hyper-parameters of `hdrofx train --stage tcam` (defaults are the documented run).</summary>
public sealed record TcamTrainOptions : StageTrainOptions
{
    public TcamTrainOptions()
    {
        Seed = 13;
        Steps = 10000;
        LearningRate = 1e-3;
        MinLearningRate = 2e-5;
        WarmupSteps = 200;
        EmaDecay = 0.998;
    }

    public TcamConfig Config { get; init; } = TcamConfig.Compact;
    /// <summary>Clips per step; each gives two consecutive reference windows.</summary>
    public int ClipsPerStep { get; init; } = 2;
    public int Crop { get; init; } = 128;
    /// <summary>A fresh run starts from these weights (a file of the same config) instead of a random init; ignored on resume.</summary>
    public string? InitWeights { get; init; }
    /// <summary>λ_t of <see cref="TcamLoss"/>.</summary>
    public float TemporalWeight { get; init; } = TcamLoss.DefaultTemporalWeight;
    /// <summary>Validation frames per clip (from the start; 0 = all 12).</summary>
    public int ValidationFrames { get; init; }
}
