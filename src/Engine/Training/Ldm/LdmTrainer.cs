using System.Diagnostics;
using System.Globalization;
using System.Text;
using HdrOfx.Engine.Models.Ldm;
using HdrOfx.Engine.Nn;
using HdrOfx.Engine.Synthesis;
using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Autograd;
using Microsoft.Extensions.Logging;

namespace HdrOfx.Engine.Training.Ldm;

/// <summary>
/// Stages 1 and 2 of DESIGN §5 (`hdrofx train --stage ae` / `--stage ldm`): AdamW with warm-up + cosine, gradient
/// clipping, an EMA of the trained part (with warm-up), a checkpoint every few minutes that `--resume` continues, loss.csv, and a
/// validation pass of the EMA weights on crops of the validation panoramas (validation.csv) that also exports them
/// as fp16 (ae: the autoencoder alone, ae-ema.safetensors; ldm: the whole model, hdr-ldm-ema.safetensors).
/// Stage 1 fits the autoencoder with L1 in its domain, on HDR targets and on LDR conditions alike (both go
/// through it). Stage 2 freezes the autoencoder and fits the denoiser with ε-prediction (hdr-v-diff Eq. 5):
/// ‖ε − ε_θ(√ᾱ_t z₀ + √(1 − ᾱ_t) ε ‖ E(c), t, e)‖², t uniform in 0 … T − 1.
/// </summary>
public sealed class LdmTrainer : IDisposable
{
    private readonly LdmTrainOptions _o;
    private readonly ILogger _log;
    private readonly LdmCropSampler _sampler;
    private readonly IReadOnlyList<LdmCrop>? _validation;
    private readonly CosineSchedule _schedule;

    public HdrLdm Model { get; }
    public Module Trained { get; }
    public AdamW Optimizer { get; }
    public Ema Ema { get; }
    public long Step { get; private set; }
    public double ElapsedSeconds { get; private set; }
    public string CheckpointDir => Path.Combine(_o.Output, "checkpoint");
    public string ExportPath => Path.Combine(_o.Output, _o.Stage == LdmStage.Autoencoder ? "ae-ema.safetensors" : "hdr-ldm-ema.safetensors");

    public LdmTrainer(LdmTrainOptions o, LdmCropSampler sampler, IReadOnlyList<LdmCrop>? validation, ILogger log)
    {
        _o = o;
        _log = log;
        _sampler = sampler;
        _validation = validation;
        Directory.CreateDirectory(o.Output);
        Model = new HdrLdm(o.Config, new Rng(o.Seed));
        if (o.Stage == LdmStage.Denoiser)
        {
            LdmWeights.LoadAutoencoder(Model.Autoencoder, o.AutoencoderPath ?? throw new ArgumentException("the ldm stage needs the autoencoder exported by the ae stage"), o.Config);
            Model.Autoencoder.RequiresGrad(false);
            Model.Autoencoder.Eval();
        }
        Trained = o.Stage == LdmStage.Autoencoder ? Model.Autoencoder : Model.Denoiser;
        Optimizer = new AdamW(Trained.NamedParameters(), o.LearningRate, weightDecay: o.WeightDecay, noDecay: AdamW.NoDecayForBiasAndNorm);
        Ema = new Ema(Trained, o.EmaDecay, warmup: true);
        _schedule = new CosineSchedule(o.LearningRate, Math.Min(o.WarmupSteps, o.Steps / 10), o.Steps, o.MinLearningRate);
        if (o.Resume) LoadCheckpoint();
        else if (Directory.Exists(CheckpointDir))
            throw new IOException($"'{o.Output}' already holds a checkpoint; pass --resume to continue it or choose another --output");
    }

    /// <summary>One optimization step on the step's deterministic batch; returns the loss and the gradient norm.</summary>
    public (double Loss, double GradNorm) TrainStep()
    {
        var crops = Enumerable.Range(0, _o.Batch).Select(i => _sampler.Crop(Step, i)).ToArray();
        using var scope = new TensorScope();
        Optimizer.LearningRate = _schedule.At(Step);
        var loss = _o.Stage == LdmStage.Autoencoder ? AutoencoderLoss(Model.Autoencoder, crops) : DenoiserLoss(Model, crops, _o.Seed, Step);
        loss.Backward();
        double norm = GradClip.ClipGradNorm(Trained.Parameters(), _o.ClipNorm);
        if (double.IsFinite(norm))
        {
            Optimizer.Step();
            Ema.Update();
        }
        else _log.LogWarning("step {Step}: non-finite gradient norm, update skipped", Step);
        Trained.ZeroGrad();
        Step++;
        return (loss.Item(), norm);
    }

    /// <summary>Stage 1: L1 in the domain; even batch entries reconstruct the HDR target, odd ones the LDR condition.</summary>
    public static Tensor AutoencoderLoss(LatentAutoencoder ae, IReadOnlyList<LdmCrop> crops)
    {
        var x = Stack(crops.Select((c, i) => i % 2 == 0 ? c.Target : c.Condition).ToArray(), crops[0].Linear);
        return Tensor.L1Loss(ae.Forward(x), x);
    }

    /// <summary>Stage 2, Eq. 5 (see the class remarks); t and ε derive from (seed, step).</summary>
    public static Tensor DenoiserLoss(HdrLdm model, IReadOnlyList<LdmCrop> crops, ulong seed, long step)
    {
        int b = crops.Count;
        Tensor z0, zc;
        using (GradMode.NoGrad())
        {
            z0 = model.Autoencoder.Encode(Stack(crops.Select(c => c.Target).ToArray(), crops[0].Linear));
            zc = model.Autoencoder.Encode(Stack(crops.Select(c => c.Condition).ToArray(), crops[0].Linear));
        }
        var rng = SynthRandom.Fork(seed, 300, (ulong)step);
        var t = new float[b];
        var ca = new float[b];
        var cn = new float[b];
        for (int i = 0; i < b; i++)
        {
            int ti = rng.NextInt(model.Schedule.Timesteps);
            t[i] = ti;
            ca[i] = (float)Math.Sqrt(model.Schedule.AlphaBar(ti));
            cn[i] = (float)Math.Sqrt(1 - model.Schedule.AlphaBar(ti));
        }
        var eps = Tensor.Randn(new Rng(rng.NextULong()), z0.Shape);
        var zt = z0 * Tensor.FromArray(ca, b, 1, 1, 1) + eps * Tensor.FromArray(cn, b, 1, 1, 1);
        var ev = crops.Select(c => (float)c.Ev).ToArray();
        return Tensor.MseLoss(model.Denoiser.Forward(zt, zc, t, ev), eps);
    }

    private static Tensor Stack(float[][] planes, Imaging.ImageF like)
    {
        int n = planes[0].Length;
        var all = new float[planes.Length * n];
        for (int i = 0; i < planes.Length; i++) planes[i].CopyTo(all, i * n);
        return Tensor.FromArray(all, planes.Length, 3, like.Height, like.Width);
    }

    public void Run(CancellationToken cancel = default)
    {
        var lossLog = Path.Combine(_o.Output, "loss.csv");
        if (!File.Exists(lossLog)) File.WriteAllText(lossLog, "step,lr,loss,grad_norm,elapsed_s\n");
        var wall = Stopwatch.StartNew();
        double baseElapsed = ElapsedSeconds, lastCheckpoint = 0, lastValidation = 0;
        long firstStep = Step;
        _log.LogInformation("HDR-LDM stage {Stage}: config {Config}, {Params} trained parameters, step {Step} of {Steps}; {Split}",
            _o.StageName, _o.Config.Describe(), Trained.ParameterCount(), Step, _o.Steps, PanoramaSplit.Describe());
        while (Step < _o.Steps && !cancel.IsCancellationRequested)
        {
            double lr = _schedule.At(Step);
            var (loss, norm) = TrainStep();
            ElapsedSeconds = baseElapsed + wall.Elapsed.TotalSeconds;
            File.AppendAllText(lossLog, string.Create(CultureInfo.InvariantCulture, $"{Step},{lr:G6},{loss:G6},{norm:G6},{ElapsedSeconds:F1}\n"));
            if (Step % 20 == 0)
                _log.LogInformation("step {Step}: loss {Loss:F5}, lr {Lr:G3}, {Sec:F2} s/step", Step, loss, lr, wall.Elapsed.TotalSeconds / Math.Max(1, Step - firstStep));
            double minutes = wall.Elapsed.TotalMinutes;
            if (minutes - lastCheckpoint >= _o.CheckpointMinutes) { SaveCheckpoint(); lastCheckpoint = minutes; }
            if (_validation is not null && minutes - lastValidation >= _o.ValidateMinutes) { Validate(cancel); lastValidation = wall.Elapsed.TotalMinutes; }
            if (_o.MaxMinutes > 0 && minutes >= _o.MaxMinutes) { _log.LogInformation("time limit of {Min} min reached", _o.MaxMinutes); break; }
        }
        SaveCheckpoint();
        if (_validation is not null && !cancel.IsCancellationRequested) Validate(cancel);
    }

    /// <summary>Validates the EMA weights on the validation crops, appends to validation.csv and exports them as fp16.</summary>
    public IReadOnlyList<LdmValidationRow> Validate(CancellationToken cancel = default)
    {
        using var model = new HdrLdm(_o.Config, new Rng(0));
        model.LoadStateDict(Model.StateDict(), strict: true);
        Ema.CopyTo(_o.Stage == LdmStage.Autoencoder ? model.Autoencoder : model.Denoiser);
        model.Eval();
        var sw = Stopwatch.StartNew();
        var rows = _o.Stage == LdmStage.Autoencoder
            ? LdmValidation.Autoencoder(model.Autoencoder, _validation!)
            : LdmValidation.Sampling(model, _validation!, _o.ValidationSteps, cancel);
        var path = Path.Combine(_o.Output, "validation.csv");
        if (!File.Exists(path)) File.WriteAllText(path, "step,crop,ev,psnr_mu,psnr_mu_single,clipped_fraction,psnr_mu_clipped,psnr_mu_clipped_single\n");
        var sb = new StringBuilder();
        foreach (var r in rows)
            sb.Append(string.Create(CultureInfo.InvariantCulture,
                $"{Step},{r.Crop},{r.Ev:F3},{r.PsnrMu:F3},{r.PsnrMuSingle:F3},{r.ClippedFraction:F4},{r.PsnrMuClipped:F3},{r.PsnrMuClippedSingle:F3}\n"));
        File.AppendAllText(path, sb.ToString());
        double mean = rows.Average(r => r.PsnrMu), single = rows.Average(r => r.PsnrMuSingle);
        _log.LogInformation("validation step {Step} ({Stage}): mean PSNR-μ {P:F3} dB (single {S:F3} dB) on {N} crops in {Sec:F0} s",
            Step, _o.StageName, mean, single, rows.Count, sw.Elapsed.TotalSeconds);
        var meta = new Dictionary<string, string>
        {
            ["stage"] = _o.StageName,
            ["step"] = Step.ToString(CultureInfo.InvariantCulture),
            ["seed"] = _o.Seed.ToString(CultureInfo.InvariantCulture),
            ["train_wall_s"] = ElapsedSeconds.ToString("F0", CultureInfo.InvariantCulture),
            ["machine"] = TcamTrainer.Machine(),
            ["split"] = PanoramaSplit.Describe(),
            ["validation"] = $"{rows.Count} crops of {_o.ValidationCropSize} px from the validation panoramas",
            ["validation_psnr_mu"] = mean.ToString("F3", CultureInfo.InvariantCulture),
            ["validation_psnr_mu_single"] = single.ToString("F3", CultureInfo.InvariantCulture),
            ["weights"] = "EMA",
        };
        LdmWeights.Save(_o.Stage == LdmStage.Autoencoder ? model.Autoencoder : model, _o.Config, ExportPath, DType.F16, meta);
        return rows;
    }

    public void SaveCheckpoint()
    {
        StageCheckpoint.Save(CheckpointDir, Trained, Ema, Optimizer, new Dictionary<string, string>
        {
            ["step"] = Step.ToString(CultureInfo.InvariantCulture),
            ["elapsed_s"] = StageCheckpoint.Invariant(ElapsedSeconds),
            ["ema_updates"] = Ema.Updates.ToString(CultureInfo.InvariantCulture),
            ["stage"] = _o.StageName,
            ["config"] = _o.Config.Name,
            ["seed"] = _o.Seed.ToString(CultureInfo.InvariantCulture),
        });
        _log.LogInformation("checkpoint at step {Step} ({Dir})", Step, CheckpointDir);
    }

    private void LoadCheckpoint()
    {
        var state = StageCheckpoint.Load(CheckpointDir, Trained, Ema, Optimizer);
        foreach (var (key, want) in new[] { ("stage", _o.StageName), ("config", _o.Config.Name), ("seed", _o.Seed.ToString(CultureInfo.InvariantCulture)) })
            if (state.GetValueOrDefault(key) != want) throw new IOException($"--resume: the checkpoint in '{CheckpointDir}' has {key} '{state.GetValueOrDefault(key)}', not '{want}'");
        Step = long.Parse(state["step"], CultureInfo.InvariantCulture);
        ElapsedSeconds = double.Parse(state["elapsed_s"], CultureInfo.InvariantCulture);
        // A checkpoint from before the EMA warm-up existed has no count: the warm-up then starts again.
        Ema.Updates = state.TryGetValue("ema_updates", out var u) ? long.Parse(u, CultureInfo.InvariantCulture) : 0;
        TcamTrainer.TrimLog(Path.Combine(_o.Output, "loss.csv"), Step);
        _log.LogInformation("resumed from '{Dir}' at step {Step} ({Min:F1} min trained)", CheckpointDir, Step, ElapsedSeconds / 60);
    }

    public void Dispose()
    {
        Ema.Dispose();
        Optimizer.Dispose();
        Model.Dispose();
    }
}
