namespace HdrOfx.Engine.Models.Ldm;

/// <summary>
/// Deterministic DDIM sampling (Song et al. 2021, arXiv 2010.02502) with η = 0, as HDR-V-Diff samples HDR-LDM
/// (§3.1: 10 steps). Timesteps are spaced "trailing" (Lin et al. 2024): t_i = round(T − i·T/S) − 1 for
/// i = 0 … S − 1, so even one step starts from pure noise at t = T − 1; the chain ends at ᾱ = 1.
/// With a bound b, each step's predicted x₀ is clamped to [−b, b] and ε recomputed from it (the "clip_sample" of the
/// DDIM reference code and of diffusers' DDIMScheduler): at t = T − 1, √ᾱ ≈ 0.07, so x₀ = (x_t − √(1−ᾱ)ε)/√ᾱ
/// multiplies the predictor's error by ≈ 14, and a latent known to lie in (−1, 1) (HDR-LDM's tanh) need not leave it.
/// </summary>
public sealed class DdimSampler
{
    public const int MinSteps = 1, MaxSteps = 50;

    /// <summary>
    /// The step count of a render unless the user sets one: 1, chosen on the tuning clips (training panoramas) for both
    /// `hdr-ldm` and `hdr-v-diff` with the shipped weights, where it scored best and is fastest (docs/results.md). The
    /// papers sample 10 steps (<see cref="PaperSteps"/>); every count from 1 to 50 stays available.
    /// </summary>
    public const int DefaultSteps = 1;

    public const int PaperSteps = 10;
    private readonly NoiseSchedule _schedule;
    private readonly double _bound;

    /// <param name="x0Bound">b &gt; 0 clamps every predicted x₀ to [−b, b]; +∞ (the default) leaves it free.</param>
    public DdimSampler(NoiseSchedule schedule, double x0Bound = double.PositiveInfinity)
    {
        if (!(x0Bound > 0)) throw new ArgumentOutOfRangeException(nameof(x0Bound), $"the x₀ bound must be positive, got {x0Bound}");
        (_schedule, _bound) = (schedule, x0Bound);
    }

    public NoiseSchedule Schedule => _schedule;

    /// <summary>
    /// The S timesteps visited, from noisiest to cleanest: trailing spacing of the chain that starts at
    /// <paramref name="start"/> (default T − 1, pure noise): t_i = round(N − i·N/S) − 1 with N = start + 1.
    /// </summary>
    public int[] Timesteps(int steps, int start = -1)
    {
        if (steps is < MinSteps or > MaxSteps) throw new ArgumentOutOfRangeException(nameof(steps), $"DDIM steps must be {MinSteps} to {MaxSteps}, got {steps}");
        int N = (start < 0 ? _schedule.Timesteps - 1 : start) + 1;
        if (N > _schedule.Timesteps) throw new ArgumentOutOfRangeException(nameof(start), $"the start timestep must be below {_schedule.Timesteps}, got {start}");
        if (N < steps) throw new ArgumentOutOfRangeException(nameof(start), $"{steps} steps need a start timestep of at least {steps - 1}, got {start}");
        var ts = new int[steps];
        for (int i = 0; i < steps; i++) ts[i] = (int)Math.Round(N - i * (double)N / steps) - 1;
        return ts;
    }

    /// <summary>
    /// One step from t to <paramref name="prev"/> (−1 = the clean end), formula (12) of arXiv 2010.02502 with σ_t = 0:
    /// x_prev = √ᾱ_prev · (x_t − √(1 − ᾱ_t)·ε)/√ᾱ_t + √(1 − ᾱ_prev)·ε; with a bound, x₀ is clamped and
    /// ε = (x_t − √ᾱ_t·x₀)/√(1 − ᾱ_t) recomputed before the second term.
    /// </summary>
    public void Step(ReadOnlySpan<float> xt, ReadOnlySpan<float> eps, int t, int prev, Span<float> dst)
    {
        double a = _schedule.AlphaBar(t), ap = _schedule.AlphaBar(prev);
        double sa = Math.Sqrt(a), sn = Math.Sqrt(1 - a), sap = Math.Sqrt(ap), snp = Math.Sqrt(1 - ap);
        for (int i = 0; i < dst.Length; i++)
        {
            double x0 = (xt[i] - sn * eps[i]) / sa;
            double e = eps[i];
            if (Math.Abs(x0) > _bound)
            {
                x0 = Math.CopySign(_bound, x0);
                e = (xt[i] - sa * x0) / sn;
            }
            dst[i] = (float)(sap * x0 + snp * e);
        }
    }

    /// <summary>
    /// Runs the chain from x_T = <paramref name="noise"/> (overwritten with the result, x_0) in <paramref name="steps"/>
    /// steps; <paramref name="predict"/>(x_t, t) returns ε. With <paramref name="start"/> &lt; T − 1 the chain starts
    /// there, and <paramref name="noise"/> must already be x_start (<see cref="NoiseSchedule.AddNoise"/>).
    /// </summary>
    public void Sample(float[] noise, int steps, Func<float[], int, float[]> predict, int start = -1)
    {
        var ts = Timesteps(steps, start);
        for (int i = 0; i < ts.Length; i++)
        {
            var eps = predict(noise, ts[i]);
            if (eps.Length != noise.Length) throw new ArgumentException($"the ε-predictor returned {eps.Length} values for {noise.Length}");
            Step(noise, eps, ts[i], i + 1 < ts.Length ? ts[i + 1] : -1, noise);
        }
    }
}
