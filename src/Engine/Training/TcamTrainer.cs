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
    private readonly CosineSchedule _schedule;

    public TcamNet Net { get; }
    public AdamW Optimizer { get; }
    public Ema Ema { get; }
    public long Step { get; private set; }
    /// <summary>Training wall time over every run of this output folder, seconds.</summary>
    public double ElapsedSeconds { get; private set; }

    public string CheckpointDir => Path.Combine(_o.Output, "checkpoint");

    /// <param name="validation">Builds the validator on first use (null: no validation pass).</param>
    public TcamTrainer(TcamTrainOptions o, TcamWindowSampler sampler, Func<TcamValidation>? validation, ILogger log)
    {
        _o = o;
        _log = log;
        _sampler = sampler;
        _validation = validation;
        Directory.CreateDirectory(o.Output);
        Net = new TcamNet(o.Config, new Rng(o.Seed));
        Optimizer = new AdamW(Net.NamedParameters(), o.LearningRate, weightDecay: o.WeightDecay, noDecay: AdamW.NoDecayForBiasAndNorm);
        Ema = new Ema(Net, o.EmaDecay);
        _schedule = new CosineSchedule(o.LearningRate, Math.Min(o.WarmupSteps, o.Steps / 10), o.Steps, o.MinLearningRate);
        if (o.Resume) LoadCheckpoint();
        else if (Directory.Exists(CheckpointDir))
            throw new IOException($"'{o.Output}' already holds a checkpoint; pass --resume to continue it or choose another --output");
    }

    /// <summary>One optimization step on the step's deterministic batch; returns the loss terms as numbers.</summary>
    public (double Total, double L1, double Ssim, double Temporal, double GradNorm) TrainStep()
    {
        var pairs = new List<TrainingPair>();
        for (int i = 0; i < _o.ClipsPerStep; i++) pairs.Add(_sampler.Pair(Step, i));
        using var scope = new TensorScope();
        var (batch, truth, flow, valid) = Tensors(pairs);
        Optimizer.LearningRate = _schedule.At(Step);
        var loss = TcamLoss.Compute(Net.PredictMu(batch), truth, flow, valid);
        loss.Total.Backward();
        double norm = GradClip.ClipGradNorm(Net.Parameters(), _o.ClipNorm);
        if (double.IsFinite(norm))
        {
            Optimizer.Step();
            Ema.Update();
        }
        else _log.LogWarning("step {Step}: non-finite gradient norm, update skipped", Step);
        Net.ZeroGrad();
        Step++;
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
        var lossLog = Path.Combine(_o.Output, "loss.csv");
        if (!File.Exists(lossLog)) File.WriteAllText(lossLog, "step,lr,loss,l1,ssim,temporal,grad_norm,elapsed_s\n");
        var wall = Stopwatch.StartNew();
        double baseElapsed = ElapsedSeconds, lastCheckpoint = 0, lastValidation = 0;
        long firstStep = Step;
        _log.LogInformation("TCAM training: config {Config}, {Params} parameters, step {Step} of {Steps}; {Split}",
            _o.Config.Describe(), Net.ParameterCount(), Step, _o.Steps, PanoramaSplit.Describe());
        while (Step < _o.Steps && !cancel.IsCancellationRequested)
        {
            double lr = _schedule.At(Step);
            var (total, l1, ssim, temporal, norm) = TrainStep();
            ElapsedSeconds = baseElapsed + wall.Elapsed.TotalSeconds;
            File.AppendAllText(lossLog, string.Create(CultureInfo.InvariantCulture,
                $"{Step},{lr:G6},{total:G6},{l1:G6},{ssim:G6},{temporal:G6},{norm:G6},{ElapsedSeconds:F1}\n"));
            if (Step % 20 == 0)
                _log.LogInformation("step {Step}: loss {Loss:F5} (L1 {L1:F5}, SSIM {Ssim:F4}, temporal {Temporal:F5}), lr {Lr:G3}, {Sec:F2} s/step",
                    Step, total, l1, ssim, temporal, lr, wall.Elapsed.TotalSeconds / Math.Max(1, Step - firstStep));
            double minutes = wall.Elapsed.TotalMinutes;
            if (minutes - lastCheckpoint >= _o.CheckpointMinutes) { SaveCheckpoint(); lastCheckpoint = minutes; }
            if (_validation is not null && minutes - lastValidation >= _o.ValidateMinutes) { Validate(cancel); lastValidation = wall.Elapsed.TotalMinutes; }
            if (_o.MaxMinutes > 0 && minutes >= _o.MaxMinutes) { _log.LogInformation("time limit of {Min} min reached", _o.MaxMinutes); break; }
        }
        SaveCheckpoint();
        if (_validation is not null && !cancel.IsCancellationRequested) Validate(cancel);
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
            ["machine"] = Machine(),
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

    public static string Machine() =>
        $"{Environment.ProcessorCount} logical CPUs, {System.Runtime.InteropServices.RuntimeInformation.OSDescription.Trim()}, .NET {Environment.Version}";

    public void SaveCheckpoint()
    {
        string fresh = CheckpointDir + ".new", old = CheckpointDir + ".old";
        if (Directory.Exists(fresh)) Directory.Delete(fresh, true);
        Directory.CreateDirectory(fresh);
        Safetensors.Save(Net, Path.Combine(fresh, "model.safetensors"));
        Safetensors.Save(Path.Combine(fresh, "ema.safetensors"), Ema.StateDict());
        Optimizer.SaveState(Path.Combine(fresh, "adamw.safetensors"));
        File.WriteAllText(Path.Combine(fresh, "state.txt"), string.Create(CultureInfo.InvariantCulture,
            $"step={Step}\nelapsed_s={ElapsedSeconds:R}\nconfig={_o.Config.Name}\nseed={_o.Seed}\n"));
        if (Directory.Exists(old)) Directory.Delete(old, true);
        if (Directory.Exists(CheckpointDir)) Directory.Move(CheckpointDir, old);
        Directory.Move(fresh, CheckpointDir);
        if (Directory.Exists(old)) Directory.Delete(old, true);
        _log.LogInformation("checkpoint at step {Step} ({Dir})", Step, CheckpointDir);
    }

    private void LoadCheckpoint()
    {
        string dir = CheckpointDir;
        if (!Directory.Exists(dir) && Directory.Exists(dir + ".old")) dir += ".old";
        if (!File.Exists(Path.Combine(dir, "state.txt"))) throw new IOException($"--resume: no checkpoint in '{_o.Output}'");
        var state = File.ReadAllLines(Path.Combine(dir, "state.txt")).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        if (state["config"] != _o.Config.Name) throw new IOException($"--resume: the checkpoint in '{dir}' is config '{state["config"]}', not '{_o.Config.Name}'");
        if (state["seed"] != _o.Seed.ToString(CultureInfo.InvariantCulture)) throw new IOException($"--resume: the checkpoint in '{dir}' has seed {state["seed"]}, not {_o.Seed}");
        Safetensors.Load(Net, Path.Combine(dir, "model.safetensors"));
        using (var ema = Safetensors.Load(Path.Combine(dir, "ema.safetensors")))
        {
            var shadow = Ema.StateDict();
            foreach (var (name, t) in ema.Tensors)
            {
                if (!shadow.TryGetValue(name, out var s)) throw new IOException($"--resume: '{dir}/ema.safetensors' has unknown tensor '{name}'");
                t.Span.CopyTo(s.Span);
            }
        }
        Optimizer.LoadState(Path.Combine(dir, "adamw.safetensors"));
        Step = long.Parse(state["step"], CultureInfo.InvariantCulture);
        ElapsedSeconds = double.Parse(state["elapsed_s"], CultureInfo.InvariantCulture);
        TrimLog(Path.Combine(_o.Output, "loss.csv"), Step);
        _log.LogInformation("resumed from '{Dir}' at step {Step} ({Min:F1} min trained)", dir, Step, ElapsedSeconds / 60);
    }

    /// <summary>Drops loss rows after the resumed step (they belong to the interrupted run's lost steps).</summary>
    internal static void TrimLog(string path, long step)
    {
        if (!File.Exists(path)) return;
        var lines = File.ReadAllLines(path);
        var keep = lines.Where((l, i) => i == 0 || long.Parse(l.AsSpan(0, l.IndexOf(',')), CultureInfo.InvariantCulture) <= step);
        AtomicFile.WriteText(path, string.Join("\n", keep) + "\n");
    }

    public void Dispose()
    {
        Ema.Dispose();
        Optimizer.Dispose();
        Net.Dispose();
    }
}
