namespace HdrOfx.Engine.Training;

/// <summary>
/// What every neural stage of `hdrofx train` takes (<see cref="StageRun"/>): the output folder, seed, schedule,
/// optimizer and EMA, the run's time-based checkpoint and validation cadence and `--resume`. Each stage's record
/// sets its own defaults (the documented run) in its constructor and adds its own fields.
/// </summary>
public abstract record StageTrainOptions
{
    public required string Output { get; init; }
    public ulong Seed { get; init; }
    /// <summary>Length of the cosine schedule, in steps.</summary>
    public int Steps { get; init; }
    public double LearningRate { get; init; }
    public double MinLearningRate { get; init; }
    /// <summary>Linear warm-up steps (at most a tenth of <see cref="Steps"/>).</summary>
    public int WarmupSteps { get; init; }
    public double WeightDecay { get; init; } = 1e-4;
    public double ClipNorm { get; init; } = 1.0;
    public double EmaDecay { get; init; }
    public double CheckpointMinutes { get; init; } = 5;
    public double ValidateMinutes { get; init; } = 30;
    /// <summary>Stop (with a checkpoint) after this much wall time in this process; 0 = no limit.</summary>
    public double MaxMinutes { get; init; }
    public bool Resume { get; init; }
}
