using System.CommandLine;
using System.Runtime.InteropServices;
using HdrOfx.Cli.Infrastructure;
using HdrOfx.Engine.Models;
using HdrOfx.Engine.Training;
using Microsoft.Extensions.Logging;

namespace HdrOfx.Cli.Commands;

/// <summary>`hdrofx train --stage tcam`: trains the TCAM network on synthetic windows from the training panoramas (docs/models.md).</summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var stage = new Option<string>("--stage") { Description = "Training stage: tcam (the only one so far).", Required = true };
        var config = new Option<string>("--config") { Description = "Model size: compact (shipped), tiny (tests), or an ablation: compact-noattn, compact-nodcn, compact-nomatch, compact-noflow.", DefaultValueFactory = _ => "compact" };
        var resume = new Option<bool>("--resume") { Description = "Continue the checkpoint in --output (same data, bit for bit)." };
        var output = new Option<string>("--output", "-o") { Description = "Folder for checkpoint/, loss.csv, validation.csv and the exported EMA weights.", DefaultValueFactory = _ => "training/tcam" };
        var steps = new Option<int>("--steps") { Description = "Length of the cosine schedule in steps.", DefaultValueFactory = _ => 10000 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the weights and of the data.", DefaultValueFactory = _ => 13UL };
        var maxMinutes = new Option<double>("--max-minutes") { Description = "Stop with a checkpoint after this many minutes (0 = until the schedule ends).", DefaultValueFactory = _ => 0.0 };
        var checkpointMinutes = new Option<double>("--checkpoint-minutes") { Description = "Minutes between checkpoints.", DefaultValueFactory = _ => 5.0 };
        var validateMinutes = new Option<double>("--validate-minutes") { Description = "Minutes between validation passes (each also exports the EMA weights).", DefaultValueFactory = _ => 30.0 };
        var valFrames = new Option<int>("--validation-frames") { Description = "Frames per validation clip (0 = all 12).", DefaultValueFactory = _ => 0 };
        var noValidation = new Option<bool>("--no-validation") { Description = "Skip the validation passes." };
        var crop = new Option<int>("--crop") { Description = "Training crop size (multiple of 4).", DefaultValueFactory = _ => 128 };
        var validateWeights = new Option<string?>("--validate-weights") { Description = "Only run the validation pass on this weights file (e.g. the shipped tcam.safetensors) and print its rows as CSV." };
        var clips = new Option<int>("--clips") { Description = "Clips per step (each gives two consecutive reference windows).", DefaultValueFactory = _ => 2 };
        var cmd = new Command("train", "Train a neural stage on synthetic data from the training panoramas; checkpoints every few minutes and resumes with --resume.")
        {
            stage, config, resume, output, steps, seed, maxMinutes, checkpointMinutes, validateMinutes, valFrames, noValidation, crop, clips, validateWeights,
        };
        cmd.SetAction(r => CliRunner.Run("train", (logs, cancel) =>
        {
            if (r.GetValue(stage) != "tcam") throw new CliError($"unknown stage '{r.GetValue(stage)}'; available: tcam");
            var log = logs.CreateLogger("train");
            var o = new TcamTrainOptions
            {
                Output = Path.GetFullPath(r.GetValue(output)!),
                Config = TcamConfig.Parse(r.GetValue(config)!),
                Seed = r.GetValue(seed),
                Steps = r.GetValue(steps),
                MaxMinutes = r.GetValue(maxMinutes),
                CheckpointMinutes = r.GetValue(checkpointMinutes),
                ValidateMinutes = r.GetValue(validateMinutes),
                ValidationFrames = r.GetValue(valFrames),
                Crop = r.GetValue(crop),
                ClipsPerStep = r.GetValue(clips),
                Resume = r.GetValue(resume),
            };
            if (o.Steps < 1 || o.ClipsPerStep < 1) throw new CliError("--steps and --clips must be positive");
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
