namespace HdrOfx.Engine.Models.Ldm;

/// <summary>
/// The forward-process schedule of HDR-LDM (hdr-v-diff Eq. 2; Ho et al. 2020, Eq. 4):
/// q(z_t | z_0) = N(√ᾱ_t z_0, (1 − ᾱ_t) I), ᾱ_t = Π_{i ≤ t} (1 − β_i), t = 0 … T − 1.
/// β follows Rombach et al. 2022's "scaled linear" schedule: β_i = (√β₀ + i/(T − 1)·(√β₁ − √β₀))².
/// Computed in float64.
/// </summary>
public sealed class NoiseSchedule
{
    public int Timesteps { get; }
    public IReadOnlyList<double> Betas { get; }
    public IReadOnlyList<double> AlphasCumprod { get; }

    public NoiseSchedule(int timesteps, double betaStart, double betaEnd)
    {
        if (timesteps < 2) throw new ArgumentException($"a noise schedule needs at least 2 timesteps, got {timesteps}");
        if (!(betaStart > 0 && betaEnd >= betaStart && betaEnd < 1)) throw new ArgumentException($"β from {betaStart} to {betaEnd} must satisfy 0 < β₀ ≤ β₁ < 1");
        Timesteps = timesteps;
        var betas = new double[timesteps];
        var abar = new double[timesteps];
        double a0 = Math.Sqrt(betaStart), a1 = Math.Sqrt(betaEnd), prod = 1;
        for (int i = 0; i < timesteps; i++)
        {
            double s = a0 + (a1 - a0) * i / (timesteps - 1);
            betas[i] = s * s;
            prod *= 1 - betas[i];
            abar[i] = prod;
        }
        Betas = betas;
        AlphasCumprod = abar;
    }

    public static NoiseSchedule For(LdmConfig c) => new(c.Timesteps, c.BetaStart, c.BetaEnd);

    /// <summary>ᾱ_t, with ᾱ_{−1} = 1 (the clean end of the chain).</summary>
    public double AlphaBar(int t) => t < 0 ? 1.0 : AlphasCumprod[t];

    /// <summary>√ᾱ_t and √(1 − ᾱ_t) (Eq. 2's scales of z₀ and ε) for each timestep of a batch.</summary>
    public (float[] Signal, float[] Noise) Scales(ReadOnlySpan<float> t)
    {
        var signal = new float[t.Length];
        var noise = new float[t.Length];
        for (int i = 0; i < t.Length; i++)
        {
            double a = AlphaBar((int)t[i]);
            (signal[i], noise[i]) = ((float)Math.Sqrt(a), (float)Math.Sqrt(1 - a));
        }
        return (signal, noise);
    }

    /// <summary>z_t = √ᾱ_t z_0 + √(1 − ᾱ_t) ε (Eq. 2), element by element.</summary>
    public void AddNoise(ReadOnlySpan<float> z0, ReadOnlySpan<float> eps, int t, Span<float> zt)
    {
        double a = AlphaBar(t);
        float ca = (float)Math.Sqrt(a), cn = (float)Math.Sqrt(1 - a);
        for (int i = 0; i < zt.Length; i++) zt[i] = ca * z0[i] + cn * eps[i];
    }
}
