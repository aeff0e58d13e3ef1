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
/// Stage 1 fits the autoencoder with a squared error in its domain over the near-clipped pixels of HDR targets, decoded beside their LDR condition. Stage 2 freezes the autoencoder and fits the denoiser with ε-prediction (hdr-v-diff Eq. 5):
/// ‖ε − ε_θ(√ᾱ_t z₀ + √(1 − ᾱ_t) ε ‖ C(c), t, e)‖², t uniform in 0 … T − 1, C = <see cref="DenoiserCondition"/>.
/// </summary>
public sealed class LdmTrainer : IDisposable
{
    private readonly LdmTrainOptions _o;
    private readonly ILogger _log;
    private readonly ILdmCropSource _sampler;
    private readonly IReadOnlyList<LdmCrop>? _validation;
    private readonly StageRun _run;

    public HdrLdm Model { get; }
    public Module Trained { get; }
    public AdamW Optimizer => _run.Optimizer;
    public Ema Ema => _run.Ema;
    public long Step => _run.Step;
    public double ElapsedSeconds => _run.ElapsedSeconds;
    public string CheckpointDir => _run.CheckpointDir;
    public string ExportPath => Path.Combine(_o.Output, _o.Stage == LdmStage.Autoencoder ? "ae-ema.safetensors" : "hdr-ldm-ema.safetensors");

    public LdmTrainer(LdmTrainOptions o, ILdmCropSource sampler, IReadOnlyList<LdmCrop>? validation, ILogger log)
    {
        _o = o;
        _log = log;
        _sampler = sampler;
        _validation = validation;
        Model = new HdrLdm(o.Config, new Rng(o.Seed));
        if (o.Stage == LdmStage.Denoiser)
        {
            LdmWeights.LoadAutoencoder(Model.Autoencoder, o.AutoencoderPath ?? throw new ArgumentException("the ldm stage needs the autoencoder exported by the ae stage"), o.Config);
            Model.Autoencoder.RequiresGrad(false);
            Model.Autoencoder.Eval();
            if (o.InitWeights is { } init && !o.Resume)
            {
                using var from = LdmWeights.Load(init);
                if (from.Config.Name != o.Config.Name) throw new Models.ModelWeightsException($"--init '{init}' is config '{from.Config.Name}', not '{o.Config.Name}'");
                Model.Denoiser.LoadStateDict(from.Denoiser.StateDict(), strict: true, source: init);
                log.LogInformation("denoiser initialized from {Init}", init);
            }
        }
        Trained = o.Stage == LdmStage.Autoencoder ? Model.Autoencoder : Model.Denoiser;
        _run = new StageRun(o, Trained, emaWarmup: true,
            [("stage", o.StageName), ("config", o.Config.Name), ("data", o.Data), ("seed", o.Seed.ToString(CultureInfo.InvariantCulture))], log);
    }

    /// <summary>One optimization step on the step's deterministic batch; returns the loss and the gradient norm.</summary>
    public (double Loss, double GradNorm) TrainStep()
    {
        var crops = Enumerable.Range(0, _o.Batch).Select(i => _sampler.Crop(Step, i)).ToArray();
        using var scope = new TensorScope();
        var loss = _o.Stage == LdmStage.Autoencoder ? AutoencoderLoss(Model.Autoencoder, crops) : DenoiserLoss(Model, crops, _o.Seed, Step, _o.TruncatedSnr, _o.ClipFocus);
        double norm = _run.Update(loss);
        return (loss.Item(), norm);
    }

    /// <summary>
    /// Stage 1: squared error in the domain over the pixels the method takes the decoded image for, Σ α·e² / Σ α
    /// (<see cref="AutoencoderWeights"/>): every batch entry encodes the HDR target and decodes it beside its LDR
    /// condition. What did not work (docs/models.md): reconstructing the condition on odd entries as the plain
    /// autoencoder did (the residual stayed at zero); L1 (it fits the small median excess above the clip point while
    /// PSNR-μ is ruled by the few bright sources far above it); a floor weight on every pixel (on noisy frames the
    /// loss went to denoising the 99 % of pixels the method never takes from the decoder).
    /// </summary>
    public static Tensor AutoencoderLoss(LatentAutoencoder ae, IReadOnlyList<LdmCrop> crops)
    {
        var x = Stack(crops.Select(c => c.Target).ToArray(), crops[0].Linear);
        var cond = Stack(crops.Select(c => c.Condition).ToArray(), crops[0].Linear);
        var weights = crops.Select(AutoencoderWeights).ToArray();
        double total = weights.Sum(w => w.Sum(v => (double)v));
        var w = Stack(weights, crops[0].Linear);
        var logits = ae.EncodeLogits(x, cond);
        var reconstruction = ((ae.Decode(logits.Tanh(), cond).Image - x).Square() * w).Sum() * (float)(1.0 / Math.Max(total, 1.0));
        return reconstruction + SaturationPenalty(logits) * SaturationWeight;
    }

    /// <summary>
    /// mean(max(0, |u| − <see cref="SaturationKnee"/>)²) of the encoder's logits u: zero while tanh(u) stays below
    /// 0.96 in magnitude, growing beyond. Without it every stage-1 run so far ended with the latent at ±1 everywhere
    /// (mean |z| = 1.00, the truth's and the condition's latents equal to 4·10⁻⁴): AdamW's normalized steps drift the
    /// encoder while the zero-started decoder sends it almost no gradient, tanh saturates, and no gradient comes back —
    /// the decoder then worked from the condition alone and the diffusion prior had nothing to carry.
    /// </summary>
    public static Tensor SaturationPenalty(Tensor logits) =>
        (logits.AddScalar(-SaturationKnee).Relu().Square() + (logits * -1f).AddScalar(-SaturationKnee).Relu().Square()).Mean();

    public const float SaturationKnee = 2f;
    public const float SaturationWeight = 1f;

    /// <summary>
    /// The per-pixel weight of the stage-1 loss: α, the soft over-exposure mask of the recorded frame
    /// (<see cref="SoftClipMask"/>), on all three channels: the method uses the decoded image only where α &gt; 0.
    /// </summary>
    public static float[] AutoencoderWeights(LdmCrop crop)
    {
        var alpha = SoftClipMask.Of(crop.Linear);
        var w = new float[3 * alpha.Length];
        for (int c = 0; c < 3; c++) alpha.CopyTo(w, c * alpha.Length);
        return w;
    }

    /// <summary>
    /// Stage 2, Eq. 5 (see the class remarks); t and ε derive from (seed, step). With <paramref name="truncatedSnr"/>
    /// or <paramref name="clipFocus"/> &gt; 0, the squared error is weighted (<see cref="LdmTrainOptions.TruncatedSnr"/>,
    /// <see cref="LdmTrainOptions.ClipFocus"/>; <see cref="DenoiserWeights"/>) and divided by the element count.
    /// </summary>
    public static Tensor DenoiserLoss(HdrLdm model, IReadOnlyList<LdmCrop> crops, ulong seed, long step, bool truncatedSnr = false, float clipFocus = 0f)
    {
        int b = crops.Count;
        Tensor z0, zc;
        using (GradMode.NoGrad())
        {
            var cond = Stack(crops.Select(c => c.Condition).ToArray(), crops[0].Linear);
            z0 = model.Autoencoder.Encode(Stack(crops.Select(c => c.Target).ToArray(), crops[0].Linear), cond);
            zc = DenoiserCondition.Build(model.Autoencoder, cond);
        }
        var rng = SynthRandom.Fork(seed, 300, (ulong)step);
        var t = new float[b];
        for (int i = 0; i < b; i++) t[i] = rng.NextInt(model.Schedule.Timesteps);
        var (ca, cn) = model.Schedule.Scales(t);
        var eps = Tensor.Randn(new Rng(rng.NextULong()), z0.Shape);
        var zt = z0 * Tensor.FromArray(ca, b, 1, 1, 1) + eps * Tensor.FromArray(cn, b, 1, 1, 1);
        var ev = crops.Select(c => (float)c.Ev).ToArray();
        var prediction = model.Denoiser.Forward(zt, zc, t, ev);
        if (!truncatedSnr && clipFocus == 0f) return Tensor.MseLoss(prediction, eps);
        var w = DenoiserWeights(model.Schedule, crops, t.Select(v => (int)v).ToArray(), truncatedSnr, clipFocus);
        return ((prediction - eps).Square() * Tensor.FromArray(w, z0.Shape)).Mean();
    }

    /// <summary>
    /// The weights of <see cref="DenoiserLoss"/> on the latent [B, 4, h, w]: max(1, 1/SNR_t)/m (m: its mean over t,
    /// so the scale matches Eq. 5's) when <paramref name="truncatedSnr"/>, times 1 + f·max α over each latent
    /// pixel's 4×4 block (α: <see cref="SoftClipMask"/> of the recorded frame).
    /// </summary>
    public static float[] DenoiserWeights(NoiseSchedule schedule, IReadOnlyList<LdmCrop> crops, int[] t, bool truncatedSnr, float clipFocus)
    {
        int d = LdmConfig.Down, c = LdmConfig.LatentChannels;
        int W = crops[0].Linear.Width, H = crops[0].Linear.Height, w = W / d, h = H / d, n = w * h;
        double mean = 0;
        for (int s = 0; s < schedule.Timesteps; s++) mean += SnrWeight(schedule, s);
        mean /= schedule.Timesteps;
        var weights = new float[crops.Count * c * n];
        for (int b = 0; b < crops.Count; b++)
        {
            float wt = truncatedSnr ? (float)(SnrWeight(schedule, t[b]) / mean) : 1f;
            var alpha = SoftClipMask.Of(crops[b].Linear);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    float a = 0f;
                    for (int dy = 0; dy < d; dy++)
                        for (int dx = 0; dx < d; dx++) a = MathF.Max(a, alpha[(y * d + dy) * W + x * d + dx]);
                    float v = wt * (1f + clipFocus * a);
                    for (int ch = 0; ch < c; ch++) weights[(b * c + ch) * n + y * w + x] = v;
                }
        }
        return weights;
    }

    /// <summary>max(1, 1/SNR_t) with SNR_t = ᾱ_t/(1 − ᾱ_t).</summary>
    public static double SnrWeight(NoiseSchedule schedule, int t)
    {
        double a = schedule.AlphaBar(t);
        return Math.Max(1.0, (1 - a) / a);
    }

    private static Tensor Stack(float[][] planes, Imaging.ImageF like)
    {
        int n = planes[0].Length;
        var all = new float[planes.Length * n];
        for (int i = 0; i < planes.Length; i++) planes[i].CopyTo(all, i * n);
        return Tensor.FromArray(all, planes.Length, 3, like.Height, like.Width);
    }

    /// <summary>Trains until the schedule ends, the time limit passes or <paramref name="cancel"/> fires; checkpoints on the way out.</summary>
    public void Run(CancellationToken cancel = default)
    {
        _log.LogInformation("HDR-LDM stage {Stage}: config {Config}, {Params} trained parameters, step {Step} of {Steps}; {Split}",
            _o.StageName, _o.Config.Describe(), Trained.ParameterCount(), Step, _o.Steps, PanoramaSplit.Describe());
        _run.Run("step,lr,loss,grad_norm,elapsed_s\n", () =>
        {
            var (loss, norm) = TrainStep();
            return (string.Create(CultureInfo.InvariantCulture, $"{loss:G6},{norm:G6}"),
                (lr, pace) => _log.LogInformation("step {Step}: loss {Loss:F5}, lr {Lr:G3}, {Sec:F2} s/step", Step, loss, lr, pace));
        }, _validation is null ? null : c => Validate(c), cancel);
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
        if (_o.Stage == LdmStage.Autoencoder)
            _log.LogInformation("validation step {Step} (ae): the latent carries {Gain:F2} dB in clipped pixels (round trip of the truth against the condition's own latent)",
                Step, LdmValidation.LatentInformationDb(rows, LdmValidation.ConditionOnly(model.Autoencoder, _validation!)));
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
            ["machine"] = StageRun.Machine(),
            ["split"] = PanoramaSplit.Describe(),
            ["validation"] = $"{rows.Count} crops of {_o.ValidationCropSize} px from the validation panoramas",
            ["validation_psnr_mu"] = mean.ToString("F3", CultureInfo.InvariantCulture),
            ["validation_psnr_mu_single"] = single.ToString("F3", CultureInfo.InvariantCulture),
            ["weights"] = "EMA",
        };
        LdmWeights.Save(_o.Stage == LdmStage.Autoencoder ? model.Autoencoder : model, _o.Config, ExportPath, DType.F16, meta);
        return rows;
    }

    public void SaveCheckpoint() => _run.SaveCheckpoint();

    public void Dispose()
    {
        _run.Dispose();
        Model.Dispose();
    }
}
