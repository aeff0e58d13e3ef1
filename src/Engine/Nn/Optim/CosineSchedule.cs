namespace HdrOfx.Engine.Nn;

/// <summary>
/// Learning rate with linear warm-up then cosine decay (Loshchilov &amp; Hutter 2017, SGDR without restarts):
/// step s &lt; W: lr = base·(s+1)/W; W ≤ s ≤ T: lr = min + ½(base − min)(1 + cos(π(s − W)/(T − W))); after T: min.
/// Steps count from 0 (the step about to be taken).
/// </summary>
public sealed class CosineSchedule
{
    public double BaseLr { get; }
    public double MinLr { get; }
    public int WarmupSteps { get; }
    public int TotalSteps { get; }

    public CosineSchedule(double baseLr, int warmupSteps, int totalSteps, double minLr = 0)
    {
        if (!(baseLr >= 0) || !(minLr >= 0) || minLr > baseLr) throw new ArgumentOutOfRangeException(nameof(baseLr), $"need 0 ≤ minLr ({minLr}) ≤ baseLr ({baseLr})");
        if (warmupSteps < 0 || totalSteps <= 0 || warmupSteps > totalSteps) throw new ArgumentOutOfRangeException(nameof(totalSteps), $"need 0 ≤ warmup ({warmupSteps}) ≤ total ({totalSteps}), total > 0");
        BaseLr = baseLr; MinLr = minLr; WarmupSteps = warmupSteps; TotalSteps = totalSteps;
    }

    public double At(long step)
    {
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), $"step {step} is negative");
        if (step < WarmupSteps) return BaseLr * (step + 1) / WarmupSteps;
        if (step >= TotalSteps || TotalSteps == WarmupSteps) return MinLr;
        double progress = (double)(step - WarmupSteps) / (TotalSteps - WarmupSteps);
        return MinLr + 0.5 * (BaseLr - MinLr) * (1 + Math.Cos(Math.PI * progress));
    }
}
