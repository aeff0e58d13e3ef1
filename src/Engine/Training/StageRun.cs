using System.Diagnostics;
using System.Globalization;
using HdrOfx.Engine.IO;
using HdrOfx.Engine.Nn;
using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Training.Ldm;
using Microsoft.Extensions.Logging;

namespace HdrOfx.Engine.Training;

/// <summary>
/// What the neural training stages of DESIGN §5 share: AdamW over the trained module with a warm-up + cosine
/// schedule and gradient clipping, an EMA of its weights, the step count and training wall time, a checkpoint
/// folder (<see cref="StageCheckpoint"/>) that `--resume` continues, loss.csv, and the run loop with its
/// time-based checkpoint and validation cadence. The stage keeps its model, its loss and its validation.
/// </summary>
public sealed class StageRun : IDisposable
{
    private readonly StageTrainOptions _o;
    private readonly ILogger _log;
    private readonly Module _trained;
    private readonly (string Key, string Value)[] _identity;
    private readonly CosineSchedule _schedule;

    public AdamW Optimizer { get; }
    public Ema Ema { get; }
    public long Step { get; private set; }
    /// <summary>Training wall time over every run of this output folder, seconds.</summary>
    public double ElapsedSeconds { get; private set; }
    public string CheckpointDir => Path.Combine(_o.Output, "checkpoint");
    public string LossLog => Path.Combine(_o.Output, "loss.csv");

    /// <param name="trained">The module the optimizer and the EMA cover (and the checkpoint's model.safetensors holds).</param>
    /// <param name="emaWarmup">EMA warm-up; its update count is then checkpointed (ema_updates) and restored.</param>
    /// <param name="identity">state.txt entries written after step and elapsed_s (and ema_updates) that a resumed checkpoint must match.</param>
    public StageRun(StageTrainOptions o, Module trained, bool emaWarmup, (string Key, string Value)[] identity, ILogger log)
    {
        _o = o;
        _log = log;
        _trained = trained;
        _identity = identity;
        Directory.CreateDirectory(o.Output);
        Optimizer = new AdamW(trained.NamedParameters(), o.LearningRate, weightDecay: o.WeightDecay, noDecay: AdamW.NoDecayForBiasAndNorm);
        Ema = new Ema(trained, o.EmaDecay, warmup: emaWarmup);
        _schedule = new CosineSchedule(o.LearningRate, Math.Min(o.WarmupSteps, o.Steps / 10), o.Steps, o.MinLearningRate);
        try
        {
            if (o.Resume) LoadCheckpoint();
            else if (Directory.Exists(CheckpointDir))
                throw new IOException($"'{o.Output}' already holds a checkpoint; pass --resume to continue it or choose another --output");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>
    /// The update of one step, given its loss: backpropagates, clips the gradients, steps AdamW at the schedule's
    /// rate and the EMA (both skipped on a non-finite gradient norm), zeroes the gradients and advances
    /// <see cref="Step"/>. Returns the gradient norm.
    /// </summary>
    public double Update(Tensor loss)
    {
        Optimizer.LearningRate = _schedule.At(Step);
        loss.Backward();
        double norm = GradClip.ClipGradNorm(_trained.Parameters(), _o.ClipNorm);
        if (double.IsFinite(norm))
        {
            Optimizer.Step();
            Ema.Update();
        }
        else _log.LogWarning("step {Step}: non-finite gradient norm, update skipped", Step);
        _trained.ZeroGrad();
        Step++;
        return norm;
    }

    /// <summary>
    /// Trains until the schedule ends, the time limit passes or <paramref name="cancel"/> fires, checkpointing and
    /// validating every so many minutes; checkpoints (and validates, unless cancelled) on the way out.
    /// </summary>
    /// <param name="lossHeader">loss.csv's header line, written when the file is new.</param>
    /// <param name="step">One training step: returns its loss.csv columns between lr and elapsed_s, and the progress
    /// line it logs every 20 steps, given the learning rate and the seconds per step.</param>
    /// <param name="validate">The validation pass (null: none).</param>
    public void Run(string lossHeader, Func<(string Columns, Action<double, double> Progress)> step, Action<CancellationToken>? validate, CancellationToken cancel)
    {
        var lossLog = LossLog;
        if (!File.Exists(lossLog)) File.WriteAllText(lossLog, lossHeader);
        var wall = Stopwatch.StartNew();
        double baseElapsed = ElapsedSeconds, lastCheckpoint = 0, lastValidation = 0;
        long firstStep = Step;
        while (Step < _o.Steps && !cancel.IsCancellationRequested)
        {
            double lr = _schedule.At(Step);
            var (columns, progress) = step();
            ElapsedSeconds = baseElapsed + wall.Elapsed.TotalSeconds;
            File.AppendAllText(lossLog, string.Create(CultureInfo.InvariantCulture, $"{Step},{lr:G6},{columns},{ElapsedSeconds:F1}\n"));
            if (Step % 20 == 0) progress(lr, wall.Elapsed.TotalSeconds / Math.Max(1, Step - firstStep));
            double minutes = wall.Elapsed.TotalMinutes;
            if (minutes - lastCheckpoint >= _o.CheckpointMinutes) { SaveCheckpoint(); lastCheckpoint = minutes; }
            if (validate is not null && minutes - lastValidation >= _o.ValidateMinutes) { validate(cancel); lastValidation = wall.Elapsed.TotalMinutes; }
            if (_o.MaxMinutes > 0 && minutes >= _o.MaxMinutes) { _log.LogInformation("time limit of {Min} min reached", _o.MaxMinutes); break; }
        }
        SaveCheckpoint();
        if (validate is not null && !cancel.IsCancellationRequested) validate(cancel);
    }

    public void SaveCheckpoint()
    {
        var state = new List<(string, string)>
        {
            ("step", Step.ToString(CultureInfo.InvariantCulture)),
            ("elapsed_s", StageCheckpoint.Invariant(ElapsedSeconds)),
        };
        if (Ema.Warmup) state.Add(("ema_updates", Ema.Updates.ToString(CultureInfo.InvariantCulture)));
        state.AddRange(_identity);
        StageCheckpoint.Save(CheckpointDir, _trained, Ema, Optimizer, state);
        _log.LogInformation("checkpoint at step {Step} ({Dir})", Step, CheckpointDir);
    }

    private void LoadCheckpoint()
    {
        var state = StageCheckpoint.Load(CheckpointDir, _trained, Ema, Optimizer, _identity);
        Step = long.Parse(state["step"], CultureInfo.InvariantCulture);
        ElapsedSeconds = double.Parse(state["elapsed_s"], CultureInfo.InvariantCulture);
        // A checkpoint from before the EMA warm-up existed has no count: the warm-up then starts again.
        if (Ema.Warmup) Ema.Updates = state.TryGetValue("ema_updates", out var u) ? long.Parse(u, CultureInfo.InvariantCulture) : 0;
        TrimLog(LossLog, Step);
        _log.LogInformation("resumed from '{Dir}' at step {Step} ({Min:F1} min trained)", CheckpointDir, Step, ElapsedSeconds / 60);
    }

    /// <summary>Drops loss rows after the resumed step (they belong to the interrupted run's lost steps).</summary>
    internal static void TrimLog(string path, long step)
    {
        if (!File.Exists(path)) return;
        var lines = File.ReadAllLines(path);
        var keep = lines.Where((l, i) => i == 0 || long.Parse(l.AsSpan(0, l.IndexOf(',')), CultureInfo.InvariantCulture) <= step);
        AtomicFile.WriteText(path, string.Join("\n", keep) + "\n");
    }

    public static string Machine() =>
        $"{Environment.ProcessorCount} logical CPUs, {System.Runtime.InteropServices.RuntimeInformation.OSDescription.Trim()}, .NET {Environment.Version}";

    public void Dispose()
    {
        Ema.Dispose();
        Optimizer.Dispose();
    }
}
