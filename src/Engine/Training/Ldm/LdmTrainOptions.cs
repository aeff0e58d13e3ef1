using HdrOfx.Engine.Models.Ldm;

namespace HdrOfx.Engine.Training.Ldm;

/// <summary>The two HDR-LDM stages of DESIGN §5: 1, the autoencoder; 2, the latent denoiser (Eq. 5).</summary>
public enum LdmStage { Autoencoder, Denoiser }

/// <summary>Hyper-parameters of `hdrofx train --stage ae` and `--stage ldm` (defaults are the documented runs).</summary>
public sealed record LdmTrainOptions : StageTrainOptions
{
    public LdmTrainOptions()
    {
        Seed = 14;
        Steps = 8000;
        LearningRate = 1e-3;
        MinLearningRate = 2e-5;
        WarmupSteps = 200;
        EmaDecay = 0.999;
    }

    public required LdmStage Stage { get; init; }
    public LdmConfig Config { get; init; } = LdmConfig.Masked;
    public int Batch { get; init; } = 8;
    /// <summary>Training (and validation) crops: "clips" (<see cref="LdmClipSampler"/>) or "crops" (<see cref="LdmCropSampler"/>, the first runs').</summary>
    public string Data { get; init; } = "clips";
    /// <summary>Crop side in pixels (a multiple of the config's <see cref="LdmConfig.SizeMultiple"/> for the ldm stage).</summary>
    public int Crop { get; init; } = 64;
    /// <summary>The ldm stage's frozen autoencoder: a file exported by the ae stage.</summary>
    public string? AutoencoderPath { get; init; }
    /// <summary>The ldm stage: start the denoiser from this HDR-LDM file's (a fine-tuning run with a schedule of its own).</summary>
    public string? InitWeights { get; init; }
    /// <summary>
    /// The ldm stage's loss weighting over t: false, Eq. 5 as written (uniform in ε); true, "truncated SNR"
    /// (Salimans &amp; Ho 2022, §4), max(SNR_t, 1)·‖z₀ − ẑ₀‖², which on ε is max(1, 1/SNR_t)·‖ε − ε̂‖² — the network still
    /// predicts ε. Eq. 5 weights the x₀ error of the noisiest steps by SNR_T ≈ 0.005, and a 1-step sample is exactly that x₀.
    /// </summary>
    public bool TruncatedSnr { get; init; }
    /// <summary>The ldm stage: extra weight f on latent pixels whose 4×4 block holds clipped pixels, w = 1 + f·max α (0 = uniform, Eq. 5).</summary>
    public float ClipFocus { get; init; }
    public int ValidationCrops { get; init; } = 8;
    public int ValidationCropSize { get; init; } = 128;
    public int ValidationSteps { get; init; } = DdimSampler.DefaultSteps;

    /// <summary>
    /// Peak learning rate when none is given: 3e-4 for the autoencoder (at 1e-3 the `masked` autoencoder's run diverged
    /// after 500 steps and its latent died), 1e-3 for the denoiser.
    /// </summary>
    public static double DefaultLearningRate(LdmStage stage) => stage == LdmStage.Autoencoder ? 3e-4 : 1e-3;

    public string StageName => Stage == LdmStage.Autoencoder ? "ae" : "ldm";
}
