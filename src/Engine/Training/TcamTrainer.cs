using System.Diagnostics;
using System.Globalization;
using System.Text;
using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.IO;
using HdrOfx.Engine.Models;
using HdrOfx.Engine.Nn;
using HdrOfx.Engine.Tensors;
using Microsoft.Extensions.Logging;

namespace HdrOfx.Engine.Training;

/// <summary>
/// Stage 3 of DESIGN §5 (`hdrofx train --stage tcam`): AdamW with a warm-up + cosine schedule, gradient clipping,
/// an EMA of the weights, a checkpoint every few minutes (model, EMA, optimizer, step, wall time) that `--resume`
/// continues bit for bit, a loss log (loss.csv) and a validation pass of the EMA weights against classical
/// (validation.csv), whose weights are also exported as fp16 (tcam-ema-stepN.safetensors) for shipping.
/// </summary>
public sealed class TcamTrainer : IDisposable
{
    private readonly TcamTrainOptions _o;
    private readonly ILogger _log;
    private readonly TcamWindowSampler _sampler;
    private readonly Func<TcamValidation>? _validation;
    private TcamValidation? _validator;
    private readonly StageRun _run;

    public TcamNet Net { get; }
    public AdamW Optimizer => _run.Optimizer;
    public Ema Ema => _run.Ema;
    public long Step => _run.Step;
    /// <summary>Training wall time over every run of this output folder, seconds.</summary>
    public double ElapsedSeconds => _run.ElapsedSeconds;
    public string CheckpointDir => _run.CheckpointDir;

    /// <param name="validation">Builds the validator on first use (null: no validation pass).</param>
    public TcamTrainer(TcamTrainOptions o, TcamWindowSampler sampler, Func<TcamValidation>? validation, ILogger log)
    {
        _o = o;
        _log = log;
        _sampler = sampler;
        _validation = validation;
        Net = new TcamNet(o.Config, new Rng(o.Seed));
        if (o.InitWeights is { } init && !o.Resume) LoadInit(init);
        _run = new StageRun(o, Net, emaWarmup: false, [("config", o.Config.Name), ("seed", o.Seed.ToString(CultureInfo.InvariantCulture))], log);
    }

    private void LoadInit(string path)
    {
        using var from = TcamWeights.Load(path);
        if (from.Config.Describe() != Net.Config.Describe())
            throw new ModelWeightsException($"TCAM weights '{path}' are config {from.Config.Name}, not {Net.Config.Name}");
        var source = from.NamedParameters().ToDictionary(p => p.Key, p => p.Value);
        foreach (var (name, p) in Net.NamedParameters()) source[name].Span.CopyTo(p.Span);
        _log.LogInformation("TCAM training starts from the weights in '{Path}'", path);
    }

    /// <summary>One optimization step on the step's deterministic batch; returns the loss terms as numbers.</summary>
    public (double Total, double L1, double Ssim, double Temporal, double GradNorm) TrainStep()
    {
        var pairs = new List<TrainingPair>();
        for (int i = 0; i < _o.ClipsPerStep; i++) pairs.Add(_sampler.Pair(Step, i));
        using var scope = new TensorScope();
        var (batch, truth, flow, valid) = Tensors(pairs);
        var loss = TcamLoss.Compute(Net.PredictMu(batch), truth, flow, valid, _o.TemporalWeight);
        double norm = _run.Update(loss.Total);
        return (loss.Total.Item(), loss.L1.Item(), loss.Ssim.Item(), loss.Temporal.Item(), norm);
    }

    /// <summary>The pairs as one batch (frame t and t + 1 of each clip side by side) with truths, flows and validity.</summary>
    public static (TcamBatch Batch, Tensor Truth, Tensor Flow, Tensor Valid) Tensors(IReadOnlyList<TrainingPair> pairs)
    {
        var samples = pairs.SelectMany(p => new[] { p.First, p.Second }).ToArray();
        int h = samples[0].Height, w = samples[0].Width, n = h * w;
        var truth = new float[samples.Length * 3 * n];
        var flow = new float[pairs.Count * 2 * n];
        var valid = new float[pairs.Count * n];
        for (int i = 0; i < pairs.Count; i++)
        {
            pairs[i].TruthFirst.CopyTo(truth, 2 * i * 3 * n);
            pairs[i].TruthSecond.CopyTo(truth, (2 * i + 1) * 3 * n);
            pairs[i].Flow.CopyTo(flow, i * 2 * n);
            pairs[i].Valid.CopyTo(valid, i * n);
        }
        return (TcamSample.Stack(samples), Tensor.FromArray(truth, samples.Length, 3, h, w),
            Tensor.FromArray(flow, pairs.Count, 2, h, w), Tensor.FromArray(valid, pairs.Count, 1, h, w));
    }

    /// <summary>Trains until the schedule ends, the time limit passes or <paramref name="cancel"/> fires; checkpoints on the way out.</summary>
    public void Run(CancellationToken cancel = default)
    {
        _log.LogInformation("TCAM training: config {Config}, {Params} parameters, step {Step} of {Steps}, temporal weight {Temporal}; {Split}",
            _o.Config.Describe(), Net.ParameterCount(), Step, _o.Steps, _o.TemporalWeight, PanoramaSplit.Describe());
        _run.Run("step,lr,loss,l1,ssim,temporal,grad_norm,elapsed_s\n", () =>
        {
            var (total, l1, ssim, temporal, norm) = TrainStep();
            return (string.Create(CultureInfo.InvariantCulture, $"{total:G6},{l1:G6},{ssim:G6},{temporal:G6},{norm:G6}"),
                (lr, pace) => _log.LogInformation("step {Step}: loss {Loss:F5} (L1 {L1:F5}, SSIM {Ssim:F4}, temporal {Temporal:F5}), lr {Lr:G3}, {Sec:F2} s/step",
                    Step, total, l1, ssim, temporal, lr, pace));
        }, _validation is null ? null : c => Validate(c), cancel);
    }

    /// <summary>
    /// Validates the EMA weights rounded to fp16 (exactly what the exported file holds), appends to validation.csv and
    /// exports them as fp16 with their metrics.
    /// </summary>
    public IReadOnlyList<ValidationRow> Validate(CancellationToken cancel = default)
    {
        _validator ??= _validation!();
        using var ema = new TcamNet(_o.Config, new Rng(0));
        Ema.CopyTo(ema);
        RoundToF16(ema);
        ema.Eval();
        var sw = Stopwatch.StartNew();
        var rows = _validator.Run(ema, cancel);
        var path = Path.Combine(_o.Output, "validation.csv");
        if (!File.Exists(path)) File.WriteAllText(path, TcamValidation.CsvHeader + "\n");
        var sb = new StringBuilder();
        foreach (var r in rows)
        {
            sb.Append(TcamValidation.CsvRow(Step, r)).Append('\n');
            _log.LogInformation("validation step {Step} {Clip}: PSNR-μ tcam {T:F3} dB, classical {C:F3} dB ({D:+0.000;-0.000;0.000})",
                Step, r.Clip, r.Tcam.PsnrMu, r.Classical.PsnrMu, r.Tcam.PsnrMu - r.Classical.PsnrMu);
        }
        File.AppendAllText(path, sb.ToString());
        double mt = rows.Average(r => r.Tcam.PsnrMu), mc = rows.Average(r => r.Classical.PsnrMu);
        _log.LogInformation("validation step {Step}: mean PSNR-μ tcam {T:F3} dB vs classical {C:F3} dB ({D:+0.000;-0.000;0.000}) in {S:F0} s",
            Step, mt, mc, mt - mc, sw.Elapsed.TotalSeconds);
        var meta = new Dictionary<string, string>
        {
            ["step"] = Step.ToString(CultureInfo.InvariantCulture),
            ["seed"] = _o.Seed.ToString(CultureInfo.InvariantCulture),
            ["train_wall_s"] = ElapsedSeconds.ToString("F0", CultureInfo.InvariantCulture),
            ["machine"] = StageRun.Machine(),
            ["split"] = PanoramaSplit.Describe(),
            ["validation_psnr_mu_tcam"] = mt.ToString("F3", CultureInfo.InvariantCulture),
            ["validation_psnr_mu_classical"] = mc.ToString("F3", CultureInfo.InvariantCulture),
            ["weights"] = "EMA",
        };
        TcamWeights.Save(ema, Path.Combine(_o.Output, $"tcam-ema-step{Step}.safetensors"), DType.F16, meta);
        return rows;
    }

    private static void RoundToF16(Module net)
    {
        foreach (var (_, t) in net.StateDict())
        {
            using var h = t.To(DType.F16);
            using var back = h.To(DType.F32);
            back.Span.CopyTo(t.Span);
        }
    }

    public void SaveCheckpoint() => _run.SaveCheckpoint();

    public void Dispose()
    {
        _run.Dispose();
        Net.Dispose();
    }
}
