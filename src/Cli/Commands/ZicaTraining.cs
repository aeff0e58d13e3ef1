using System.Runtime.InteropServices;
using HdrOfx.Cli.Infrastructure;
using HdrOfx.Engine.Models.Zica;
using HdrOfx.Engine.Training;
using HdrOfx.Engine.Training.Zica;
using Microsoft.Extensions.Logging;

namespace HdrOfx.Cli.Commands;

/// <summary>`hdrofx train --stage zica` (stage 4: ZiCA over frozen TCAM and HDR-LDM; docs/models.md, section ZiCA).</summary>
public static class ZicaTraining
{
    public const string DefaultTcam = "bundle/Contents/Resources/models/tcam.safetensors";
    public const string DefaultLdm = "bundle/Contents/Resources/models/hdr-ldm.safetensors";

    public static int Run(ZicaTrainOptions o, bool validate, ILogger log, CancellationToken cancel)
    {
        if (o.Steps < 1 || o.ClipsPerStep < 1) throw new CliError("--steps and --clips must be positive");
        if (o.Crop < 16 || o.Crop % 4 != 0) throw new CliError($"--crop {o.Crop} must be a multiple of 4, at least 16");
        if (o.DiffusionSteps is < Engine.Models.Ldm.DdimSampler.MinSteps or > Engine.Models.Ldm.DdimSampler.MaxSteps)
            throw new CliError($"--diffusion-steps {o.DiffusionSteps} must be 1 to 50");
        ZicaTrainer.RequireFrozen(o);
        var (names, images) = Panoramas.LoadAll(log);
        var training = names.Select((n, i) => (n, i)).Where(p => !PanoramaSplit.IsValidation(p.n)).Select(p => images[p.i]).ToArray();
        var sampler = new TcamWindowSampler(training, o.Crop, o.Seed);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; cts.Cancel(); });
        using var trainer = new ZicaTrainer(o, sampler, validate ? () => new TcamValidation(images, o.ValidationFrames) : null, log);
        trainer.Run(cts.Token);
        return CliRunner.Ok;
    }

    public static ZicaConfig ParseConfig(string name)
    {
        try { return ZicaConfig.Parse(name); }
        catch (ArgumentException e) { throw new CliError(e.Message); }
    }
}
