namespace HdrOfx.Engine.Synthesis;

/// <summary>
/// A smooth random 1-D signal: Σ aₖ sin(ωₖ t + φₖ). Used for handheld shake and slow perspective drift.
/// Frequencies are in radians per frame.
/// </summary>
public sealed record SmoothPath
{
    public double[] Amplitudes { get; init; } = [];
    public double[] Frequencies { get; init; } = [];
    public double[] Phases { get; init; } = [];

    public static SmoothPath Zero { get; } = new();

    /// <summary>
    /// <paramref name="terms"/> sinusoids with frequencies U(ωmin, ωmax) and random phases, scaled so the
    /// root-mean-square of the signal is <paramref name="rms"/>.
    /// </summary>
    public static SmoothPath Random(SynthRandom rng, double rms, int terms, double omegaMin, double omegaMax)
    {
        var a = new double[terms];
        var w = new double[terms];
        var p = new double[terms];
        double sumSq = 0;
        for (int k = 0; k < terms; k++)
        {
            a[k] = rng.Uniform(0.5, 1.0);
            w[k] = rng.Uniform(omegaMin, omegaMax);
            p[k] = rng.Uniform(0, 2 * Math.PI);
            sumSq += a[k] * a[k];
        }
        // RMS of Σ aₖ sin(·) with incommensurate frequencies is sqrt(Σaₖ²/2).
        double norm = sumSq > 0 ? rms / Math.Sqrt(sumSq / 2) : 0;
        for (int k = 0; k < terms; k++) a[k] *= norm;
        return new SmoothPath { Amplitudes = a, Frequencies = w, Phases = p };
    }

    public double At(double t)
    {
        double s = 0;
        for (int k = 0; k < Amplitudes.Length; k++) s += Amplitudes[k] * Math.Sin(Frequencies[k] * t + Phases[k]);
        return s;
    }

    /// <summary>An upper bound of |At(t)| for all t.</summary>
    public double Bound()
    {
        double s = 0;
        foreach (var a in Amplitudes) s += Math.Abs(a);
        return s;
    }
}
