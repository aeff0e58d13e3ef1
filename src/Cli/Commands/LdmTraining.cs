using System.Runtime.InteropServices;
using HdrOfx.Cli.Infrastructure;
using HdrOfx.Engine.Models.Ldm;
using HdrOfx.Engine.Training;
using HdrOfx.Engine.Training.Ldm;
using Microsoft.Extensions.Logging;

namespace HdrOfx.Cli.Commands;

/// <summary>`hdrofx train --stage ae` and `--stage ldm` (HDR-LDM's two stages; docs/models.md, section HDR-LDM).</summary>
public static class LdmTraining
{
    public static int Run(LdmTrainOptions o, bool validate, ILogger log, CancellationToken cancel)
    {
        if (o.Steps < 1 || o.Batch < 1) throw new CliError("--steps and --batch must be positive");
        if (o.Stage == LdmStage.Denoiser && o.Crop % o.Config.SizeMultiple != 0)
            throw new CliError($"--crop {o.Crop} must be a multiple of {o.Config.SizeMultiple} for the ldm stage");
        var (names, images) = Panoramas.LoadAll(log);
        var training = names.Select((n, i) => (n, i)).Where(p => !PanoramaSplit.IsValidation(p.n)).Select(p => images[p.i]).ToArray();
        var validation = names.Select((n, i) => (n, i)).Where(p => PanoramaSplit.IsValidation(p.n)).Select(p => images[p.i]).ToArray();
        if (o.Data is not ("clips" or "crops")) throw new CliError($"--data '{o.Data}' is not known; use clips or crops");
        ILdmCropSource sampler = o.Data == "clips" ? new LdmClipSampler(training, o.Crop, o.Seed) : new LdmCropSampler(training, o.Crop, o.Seed);
        var crops = validate ? LdmValidation.Crops(validation, o.ValidationCrops, o.ValidationCropSize, o.Data) : null;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; cts.Cancel(); });
        using var trainer = new LdmTrainer(o, sampler, crops, log);
        trainer.Run(cts.Token);
        return CliRunner.Ok;
    }

    public static LdmStage ParseStage(string stage) => stage == "ae" ? LdmStage.Autoencoder : LdmStage.Denoiser;

    public static LdmConfig ParseConfig(string name)
    {
        try { return LdmConfig.Parse(name); }
        catch (ArgumentException e) { throw new CliError(e.Message); }
    }
}
