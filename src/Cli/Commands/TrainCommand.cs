using System.CommandLine;
using System.Runtime.InteropServices;
using HdrOfx.Cli.Infrastructure;
using HdrOfx.Engine.Models;
using HdrOfx.Engine.Training;
using HdrOfx.Engine.Training.Ldm;
using Microsoft.Extensions.Logging;

namespace HdrOfx.Cli.Commands;

/// <summary>
/// `hdrofx train --stage tcam|ae|ldm|zica`: trains the TCAM network on synthetic windows, HDR-LDM's autoencoder (ae) and
/// denoiser (ldm) on crops, or ZiCA over the frozen two (zica), from the training panoramas (docs/models.md).
/// </summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var stage = new Option<string>("--stage") { Description = "Training stage: tcam, ae (HDR-LDM's autoencoder), ldm (HDR-LDM's denoiser; needs --autoencoder) or zica (HDR-V-Diff's ZiCA over frozen --tcam and --ldm).", Required = true };
        var config = new Option<string?>("--config") { Description = "Model size: compact (tcam, zica; the default there), tiny (tests), or an ablation: for tcam compact-noattn, compact-nodcn, compact-nomatch, compact-noflow; for zica compact-crossattn, compact-concat; for ae and ldm masked (the default: the decoder sees where the condition clips, not its values), gated (its condition closed where it clips), compact (the fourth session's decoder), masked-v (ldm: masked with the denoiser's v-skip, the shipped weights' config; takes a masked stage-1 export), tiny, tiny-gated, tiny-masked, tiny-masked-v." };
        var resume = new Option<bool>("--resume") { Description = "Continue the checkpoint in --output (same data, bit for bit)." };
        var output = new Option<string?>("--output", "-o") { Description = "Folder for checkpoint/, loss.csv, validation.csv and the exported EMA weights (default training/STAGE)." };
        var steps = new Option<int?>("--steps") { Description = "Length of the cosine schedule in steps (default 10000 for tcam, 8000 for ae and ldm, 4000 for zica)." };
        var seed = new Option<ulong?>("--seed") { Description = "Seed of the weights and of the data (default 13 for tcam, 14 for ae and ldm, 15 for zica)." };
        var maxMinutes = new Option<double>("--max-minutes") { Description = "Stop with a checkpoint after this many minutes (0 = until the schedule ends).", DefaultValueFactory = _ => 0.0 };
        var checkpointMinutes = new Option<double>("--checkpoint-minutes") { Description = "Minutes between checkpoints.", DefaultValueFactory = _ => 5.0 };
        var validateMinutes = new Option<double>("--validate-minutes") { Description = "Minutes between validation passes (each also exports the EMA weights).", DefaultValueFactory = _ => 30.0 };
        var valFrames = new Option<int>("--validation-frames") { Description = "Frames per validation clip (0 = all 12).", DefaultValueFactory = _ => 0 };
        var noValidation = new Option<bool>("--no-validation") { Description = "Skip the validation passes." };
        var crop = new Option<int?>("--crop") { Description = "Training crop size (tcam: multiple of 4, default 128; ae: multiple of 16, ldm: of 64, default 64)." };
        var batch = new Option<int>("--batch") { Description = "ae and ldm: crops per step.", DefaultValueFactory = _ => 8 };
        var data = new Option<string>("--data") { Description = "ae and ldm: training crops from synthetic clips as the benchmark makes them (clips) or the first runs' percentile-clipped crops (crops).", DefaultValueFactory = _ => "clips" };
        var autoencoder = new Option<string>("--autoencoder") { Description = "ldm: the autoencoder exported by the ae stage.", DefaultValueFactory = _ => "training/ae-v4/ae-ema.safetensors" };
        var tcamWeights = new Option<string>("--tcam") { Description = "zica: the frozen TCAM weights.", DefaultValueFactory = _ => ZicaTraining.DefaultTcam };
        var ldmWeights = new Option<string>("--ldm") { Description = "zica: the frozen HDR-LDM weights.", DefaultValueFactory = _ => ZicaTraining.DefaultLdm };
        var diffusionSteps = new Option<int>("--diffusion-steps") { Description = "zica: DDIM steps of the prior in training and validation.", DefaultValueFactory = _ => Engine.Models.Ldm.DdimSampler.DefaultSteps };
        var validateWeights = new Option<string?>("--validate-weights") { Description = "tcam: only run the validation pass on this weights file (e.g. the shipped tcam.safetensors) and print its rows as CSV." };
        var temporalWeight = new Option<float>("--temporal-weight") { Description = "tcam: weight of the temporal loss (λ_t; may change on --resume, and the log records it).", DefaultValueFactory = _ => Engine.Training.TcamLoss.DefaultTemporalWeight };
        var init = new Option<string?>("--init") { Description = "tcam, ldm: start a fresh run from these weights (tcam: e.g. the shipped tcam.safetensors; ldm: an HDR-LDM export, whose denoiser is taken) instead of a random init, for a fine-tuning schedule of its own." };
        var lr = new Option<double?>("--lr") { Description = "Peak learning rate of the schedule (default 1e-3 for tcam and ldm, 3e-4 for ae, 5e-4 for zica)." };
        var snrWeighting = new Option<string>("--snr-weighting") { Description = "ldm: loss weighting over the timesteps: uniform (Eq. 5 as written) or truncated (max(1, 1/SNR_t), Salimans & Ho 2022).", DefaultValueFactory = _ => "uniform" };
        var clipFocus = new Option<float>("--clip-focus") { Description = "ldm: extra loss weight on latent pixels over clipped pixels (w = 1 + f·α; 0 = uniform).", DefaultValueFactory = _ => 0f };
        var validationSteps = new Option<int>("--validation-steps") { Description = "ae and ldm: DDIM steps of the validation passes (1 to 50).", DefaultValueFactory = _ => Engine.Models.Ldm.DdimSampler.DefaultSteps };
        var clips = new Option<int>("--clips") { Description = "Clips per step (each gives two consecutive reference windows).", DefaultValueFactory = _ => 2 };
        var cmd = new Command("train", "Train a neural stage on synthetic data from the training panoramas; checkpoints every few minutes and resumes with --resume.")
        {
            stage, config, resume, output, steps, seed, maxMinutes, checkpointMinutes, validateMinutes, valFrames, noValidation, crop, clips, temporalWeight, init, lr, batch, data, autoencoder,
            tcamWeights, ldmWeights, diffusionSteps, validateWeights, snrWeighting, clipFocus, validationSteps,
        };
        cmd.SetAction(r => CliRunner.Run("train", (logs, cancel) =>
        {
            string stageName = r.GetValue(stage)!;
            var log = logs.CreateLogger("train");
            string outputDir = Path.GetFullPath(r.GetValue(output) ?? Path.Combine("training", stageName));
            T Shared<T>(T o) where T : StageTrainOptions => o with
            {
                Seed = r.GetValue(seed) ?? o.Seed,
                Steps = r.GetValue(steps) ?? o.Steps,
                LearningRate = r.GetValue(lr) ?? o.LearningRate,
                Resume = r.GetValue(resume),
                MaxMinutes = r.GetValue(maxMinutes),
                CheckpointMinutes = r.GetValue(checkpointMinutes),
                ValidateMinutes = r.GetValue(validateMinutes),
            };
            if (stageName is "ae" or "ldm")
            {
                var ldmStage = LdmTraining.ParseStage(stageName);
                return LdmTraining.Run(Shared(new LdmTrainOptions
                {
                    Stage = ldmStage,
                    LearningRate = LdmTrainOptions.DefaultLearningRate(ldmStage),
                    Output = outputDir,
                    Config = LdmTraining.ParseConfig(r.GetValue(config) ?? Engine.Models.Ldm.LdmConfig.Masked.Name),
                    Batch = r.GetValue(batch),
                    Data = r.GetValue(data)!,
                    Crop = r.GetValue(crop) ?? 64,
                    AutoencoderPath = Path.GetFullPath(r.GetValue(autoencoder)!),
                    InitWeights = r.GetValue(init) is { } ldmInit ? Path.GetFullPath(ldmInit) : null,
                    TruncatedSnr = r.GetValue(snrWeighting) switch
                    {
                        "uniform" => false,
                        "truncated" => true,
                        var other => throw new CliError($"--snr-weighting '{other}' is not known; use uniform or truncated"),
                    },
                    ClipFocus = r.GetValue(clipFocus) is var f && float.IsFinite(f) && f >= 0 ? f : throw new CliError("--clip-focus must be a finite number ≥ 0"),
                    ValidationSteps = r.GetValue(validationSteps) is var vs && vs is >= Engine.Models.Ldm.DdimSampler.MinSteps and <= Engine.Models.Ldm.DdimSampler.MaxSteps
                        ? vs : throw new CliError("--validation-steps must be 1 to 50"),
                }), !r.GetValue(noValidation), log, cancel);
            }
            if (stageName == "zica")
                return ZicaTraining.Run(Shared(new Engine.Training.Zica.ZicaTrainOptions
                {
                    Output = outputDir,
                    TcamPath = Path.GetFullPath(r.GetValue(tcamWeights)!),
                    LdmPath = Path.GetFullPath(r.GetValue(ldmWeights)!),
                    Config = ZicaTraining.ParseConfig(r.GetValue(config) ?? "compact"),
                    ClipsPerStep = r.GetValue(clips),
                    Crop = r.GetValue(crop) ?? 128,
                    ValidationFrames = r.GetValue(valFrames),
                    DiffusionSteps = r.GetValue(diffusionSteps),
                }), !r.GetValue(noValidation), log, cancel);
            if (stageName != "tcam") throw new CliError($"unknown stage '{stageName}'; available: tcam, ae, ldm, zica");
            var o = Shared(new TcamTrainOptions
            {
                Output = outputDir,
                Config = TcamConfig.Parse(r.GetValue(config) ?? "compact"),
                ValidationFrames = r.GetValue(valFrames),
                Crop = r.GetValue(crop) ?? 128,
                ClipsPerStep = r.GetValue(clips),
                TemporalWeight = r.GetValue(temporalWeight),
                InitWeights = r.GetValue(init) is { } initPath ? Path.GetFullPath(initPath) : null,
            });
            if (o.Steps < 1 || o.ClipsPerStep < 1) throw new CliError("--steps and --clips must be positive");
            if (!double.IsFinite(o.LearningRate) || o.LearningRate <= 0 || o.LearningRate < o.MinLearningRate)
                throw new CliError($"--lr must be a finite number ≥ the schedule's floor {o.MinLearningRate:G3}");
            if (!float.IsFinite(o.TemporalWeight) || o.TemporalWeight < 0) throw new CliError("--temporal-weight must be a finite number ≥ 0");
            var (names, images) = Panoramas.LoadAll(log);
            if (r.GetValue(validateWeights) is { } weights)
            {
                using var net = TcamWeights.Load(weights);
                Console.Out.WriteLine(TcamValidation.CsvHeader);
                foreach (var row in new TcamValidation(images, o.ValidationFrames).Run(net, cancel)) Console.Out.WriteLine(TcamValidation.CsvRow(0, row));
                return CliRunner.Ok;
            }
            var training = names.Select((n, i) => (n, i)).Where(p => !PanoramaSplit.IsValidation(p.n)).Select(p => images[p.i]).ToArray();
            var sampler = new TcamWindowSampler(training, o.Crop, o.Seed);
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancel);
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; cts.Cancel(); });
            using var trainer = new TcamTrainer(o, sampler, r.GetValue(noValidation) ? null : () => new TcamValidation(images, o.ValidationFrames), log);
            trainer.Run(cts.Token);
            return CliRunner.Ok;
        }));
        return cmd;
    }
}
