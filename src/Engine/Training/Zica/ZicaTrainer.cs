using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using HdrOfx.Engine.Metrics;
using HdrOfx.Engine.Models;
using HdrOfx.Engine.Models.Ldm;
using HdrOfx.Engine.Models.Zica;
using HdrOfx.Engine.Nn;
using HdrOfx.Engine.Reconstruction;
using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Training.Ldm;
using Microsoft.Extensions.Logging;

namespace HdrOfx.Engine.Training.Zica;

/// <summary>
/// Stage 4 of DESIGN §5 (`hdrofx train --stage zica`, hdr-v-diff §3.3 "Training Strategy"): HDR-LDM and TCAM with its
/// temporal decoder frozen (loaded from their stages' exports; a missing file is refused, naming it), the ZiCA
/// module trained with Eq. 7 (<see cref="ZicaLoss"/>) at λ = 1 on the windows of <see cref="TcamWindowSampler"/>
/// (training panoramas only), the prior sampled from each window's reference frame. AdamW with warm-up + cosine,
/// gradient clipping, an EMA, checkpoints that `--resume` continues (refused if the frozen files changed),
/// loss.csv, and validation of the EMA weights against `tcam` and classical (validation.csv), exported as fp16
/// zica-ema-stepN.safetensors.
/// </summary>
public sealed class ZicaTrainer : IDisposable
{
    private readonly ZicaTrainOptions _o;
    private readonly ILogger _log;
    private readonly TcamWindowSampler _sampler;
    private readonly Func<TcamValidation>? _validation;
    private TcamValidation? _validator;
    private IReadOnlyList<ValidationRow>? _baseline;
    private readonly StageRun _run;
    private readonly string _tcamHash, _ldmHash;

    public HdrVDiff Model { get; }
    public AdamW Optimizer => _run.Optimizer;
    public Ema Ema => _run.Ema;
    public long Step => _run.Step;
    public double ElapsedSeconds => _run.ElapsedSeconds;
    public string CheckpointDir => _run.CheckpointDir;

    public ZicaTrainer(ZicaTrainOptions o, TcamWindowSampler sampler, Func<TcamValidation>? validation, ILogger log)
    {
        _o = o;
        _log = log;
        _sampler = sampler;
        _validation = validation;
        RequireFrozen(o);
        var tcam = TcamWeights.Load(o.TcamPath);
        HdrLdm ldm;
        try { ldm = LdmWeights.Load(o.LdmPath); }
        catch
        {
            tcam.Dispose();
            throw;
        }
        (_tcamHash, _ldmHash) = (Sha256(o.TcamPath), Sha256(o.LdmPath));
        tcam.RequiresGrad(false);
        ldm.RequiresGrad(false);
        Model = new HdrVDiff(tcam, ldm, HdrVDiff.NewModule(o.Config, tcam, ldm, new Rng(o.Seed)));
        try
        {
            _run = new StageRun(o, Model.Zica, emaWarmup: false,
                [("stage", "zica"), ("config", o.Config.Name), ("seed", o.Seed.ToString(CultureInfo.InvariantCulture)), ("tcam_sha256", _tcamHash), ("ldm_sha256", _ldmHash)], log);
        }
        catch
        {
            Model.Dispose();
            Model.Tcam.Dispose();
            Model.Ldm.Dispose();
            throw;
        }
    }

    /// <summary>Refuses, naming the file and the stage that makes it, when a frozen stage's weights are missing.</summary>
    public static void RequireFrozen(ZicaTrainOptions o)
    {
        foreach (var (path, what, stage) in new[] { (o.TcamPath, "TCAM", "tcam"), (o.LdmPath, "HDR-LDM", "ldm") })
            if (!File.Exists(path))
                throw new ModelWeightsException($"stage zica trains ZiCA over frozen {what} weights, and '{path}' is not there: train them first (hdrofx train --stage {stage}) or pass --{stage} FILE");
    }

    private static string Sha256(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    /// <summary>One optimization step on the step's deterministic batch; returns the loss terms as numbers.</summary>
    public (double Total, double L1, double Ssim, double Temporal, double GradNorm) TrainStep()
    {
        var pairs = new List<TrainingPair>();
        for (int i = 0; i < _o.ClipsPerStep; i++) pairs.Add(_sampler.Pair(Step, i));
        var priors = pairs.SelectMany(p => new[] { p.First, p.Second }).Select(s => Model.Prior(s, _o.DiffusionSteps)).ToArray();
        using var scope = new TensorScope();
        var (batch, truth, flow, valid) = TcamTrainer.Tensors(pairs);
        var prior = PriorFeatures.Stack(priors, Model.Ldm.Config);
        var loss = ZicaLoss.Compute(batch.ClassicalMu + Model.Residual(batch, prior, 1f), truth, flow, valid);
        double norm = _run.Update(loss.Total);
        return (loss.Total.Item(), loss.L1.Item(), loss.Ssim.Item(), loss.Temporal.Item(), norm);
    }

    /// <summary>Trains until the schedule ends, the time limit passes or <paramref name="cancel"/> fires; checkpoints on the way out.</summary>
    public void Run(CancellationToken cancel = default)
    {
        _log.LogInformation("ZiCA training (stage 4): config {Config}, {Params} trained parameters over frozen TCAM '{Tcam}' and HDR-LDM '{Ldm}', step {Step} of {Steps}; {Split}",
            _o.Config.Describe(), Model.Zica.ParameterCount(), _o.TcamPath, _o.LdmPath, Step, _o.Steps, PanoramaSplit.Describe());
        _run.Run("step,lr,loss,l1,ssim,temporal,grad_norm,elapsed_s\n", () =>
        {
            var (total, l1, ssim, temporal, norm) = TrainStep();
            return (string.Create(CultureInfo.InvariantCulture, $"{total:G6},{l1:G6},{ssim:G6},{temporal:G6},{norm:G6}"),
                (lr, _) => _log.LogInformation("step {Step}: loss {Loss:F5}, lr {Lr:G3}", Step, total, lr));
        }, _validation is null ? null : c => Validate(c), cancel);
    }

    /// <summary>
    /// Scores the EMA weights (`hdr-v-diff` at λ = 1) against `tcam` and classical on the validation clips, appends to
    /// validation.csv and exports the weights as fp16 with their metrics.
    /// </summary>
    public IReadOnlyList<(string Clip, ClipScore HdrVDiff, ClipScore Tcam, ClipScore Classical)> Validate(CancellationToken cancel = default)
    {
        _validator ??= _validation!();
        _baseline ??= _validator.Run(Model.Tcam, cancel);
        using var ema = HdrVDiff.NewModule(_o.Config, Model.Tcam, Model.Ldm, new Rng(0));
        Ema.CopyTo(ema);
        ema.Eval();
        var method = new HdrVDiffReconstruction(new HdrVDiff(Model.Tcam, Model.Ldm, ema));
        var scores = _validator.Run(method, new ReconstructOptions { DiffusionSteps = _o.DiffusionSteps }, cancel);
        var rows = scores.Select((s, i) => (s.Clip, s.Score, _baseline[i].Tcam, _baseline[i].Classical)).ToArray();
        var path = Path.Combine(_o.Output, "validation.csv");
        if (!File.Exists(path)) File.WriteAllText(path, "step,clip,psnr_mu_hdrvdiff,psnr_mu_tcam,psnr_mu_classical,pu21_hdrvdiff,pu21_tcam,pu21_classical,flicker_hdrvdiff,flicker_tcam,flicker_classical\n");
        var sb = new StringBuilder();
        foreach (var (clip, v, t, c) in rows)
            sb.Append(string.Create(CultureInfo.InvariantCulture,
                $"{Step},{clip},{v.PsnrMu:F3},{t.PsnrMu:F3},{c.PsnrMu:F3},{v.PsnrPu21:F3},{t.PsnrPu21:F3},{c.PsnrPu21:F3},{v.Flicker:G5},{t.Flicker:G5},{c.Flicker:G5}\n"));
        File.AppendAllText(path, sb.ToString());
        double mv = rows.Average(r => r.Score.PsnrMu), mt = rows.Average(r => r.Tcam.PsnrMu), mc = rows.Average(r => r.Classical.PsnrMu);
        _log.LogInformation("validation step {Step}: mean PSNR-μ hdr-v-diff {V:F3} dB, tcam {T:F3} dB, classical {C:F3} dB", Step, mv, mt, mc);
        ZicaWeights.Save(ema, Model.Tcam.Config, Model.Ldm.Config, Path.Combine(_o.Output, $"zica-ema-step{Step}.safetensors"), DType.F16, new Dictionary<string, string>
        {
            ["step"] = Step.ToString(CultureInfo.InvariantCulture),
            ["seed"] = _o.Seed.ToString(CultureInfo.InvariantCulture),
            ["train_wall_s"] = ElapsedSeconds.ToString("F0", CultureInfo.InvariantCulture),
            ["machine"] = StageRun.Machine(),
            ["split"] = PanoramaSplit.Describe(),
            ["tcam_sha256"] = _tcamHash,
            ["ldm_sha256"] = _ldmHash,
            ["diffusion_steps"] = _o.DiffusionSteps.ToString(CultureInfo.InvariantCulture),
            ["validation_psnr_mu_hdrvdiff"] = mv.ToString("F3", CultureInfo.InvariantCulture),
            ["validation_psnr_mu_tcam"] = mt.ToString("F3", CultureInfo.InvariantCulture),
            ["validation_psnr_mu_classical"] = mc.ToString("F3", CultureInfo.InvariantCulture),
            ["weights"] = "EMA",
        });
        return rows;
    }

    public void SaveCheckpoint() => _run.SaveCheckpoint();

    public void Dispose()
    {
        _run.Dispose();
        Model.Dispose();
        Model.Tcam.Dispose();
        Model.Ldm.Dispose();
    }
}
