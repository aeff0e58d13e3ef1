using HdrOfx.Engine.Models.Ldm;

namespace HdrOfx.Engine.Training.Ldm;

/// <summary>The two HDR-LDM stages of DESIGN §5: 1, the autoencoder; 2, the latent denoiser (Eq. 5).</summary>
public enum LdmStage { Autoencoder, Denoiser }

/// <summary>Hyper-parameters of `hdrofx train --stage ae` and `--stage ldm` (defaults are the documented runs).</summary>
public sealed record LdmTrainOptions
{
    public required LdmStage Stage { get; init; }
    public required string Output { get; init; }
    public LdmConfig Config { get; init; } = LdmConfig.Compact;
    public ulong Seed { get; init; } = 14;
    public int Steps { get; init; } = 8000;
    public int Batch { get; init; } = 8;
    /// <summary>Crop side in pixels (a multiple of the config's <see cref="LdmConfig.SizeMultiple"/> for the ldm stage).</summary>
    public int Crop { get; init; } = 64;
    public double LearningRate { get; init; } = 1e-3;
    public double MinLearningRate { get; init; } = 2e-5;
    public int WarmupSteps { get; init; } = 200;
    public double WeightDecay { get; init; } = 1e-4;
    public double ClipNorm { get; init; } = 1.0;
    public double EmaDecay { get; init; } = 0.999;
    public double CheckpointMinutes { get; init; } = 5;
    public double ValidateMinutes { get; init; } = 30;
    public double MaxMinutes { get; init; }
    /// <summary>The ldm stage's frozen autoencoder: a file exported by the ae stage.</summary>
    public string? AutoencoderPath { get; init; }
    public int ValidationCrops { get; init; } = 8;
    public int ValidationCropSize { get; init; } = 128;
    public int ValidationSteps { get; init; } = DdimSampler.DefaultSteps;
    public bool Resume { get; init; }

    public string StageName => Stage == LdmStage.Autoencoder ? "ae" : "ldm";
}
