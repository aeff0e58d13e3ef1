using System.Runtime.CompilerServices;

namespace HdrOfx.Engine.Synthesis;

/// <summary>
/// Deterministic random source for synthesis: xoshiro256** seeded through SplitMix64.
/// Never System.Random or the clock, so a seed fixes a clip bit for bit on every platform.
/// Streams are derived with <see cref="Fork"/> so that, e.g., the noise of frame 7 does not depend
/// on how many numbers the camera path drew, and frames can be generated in parallel.
/// </summary>
public sealed class SynthRandom
{
    private ulong _s0, _s1, _s2, _s3;
    private double _spareNormal;
    private bool _hasSpare;

    public SynthRandom(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
        if ((_s0 | _s1 | _s2 | _s3) == 0) _s0 = 0x9E3779B97F4A7C15UL;
    }

    /// <summary>Derives a seed from a base seed and stream ids (order matters); pure function.</summary>
    public static ulong Mix(ulong seed, ulong a, ulong b = 0)
    {
        ulong x = seed ^ 0xD1B54A32D192ED03UL;
        ulong h = SplitMix64(ref x);
        x = h ^ (a * 0x9E3779B97F4A7C15UL);
        h = SplitMix64(ref x);
        x = h ^ (b * 0xC2B2AE3D27D4EB4FUL);
        return SplitMix64(ref x);
    }

    /// <summary>An independent generator for stream (a, b) of this seed.</summary>
    public static SynthRandom Fork(ulong seed, ulong a, ulong b = 0) => new(Mix(seed, a, b));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong SplitMix64(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong NextULong()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [lo, hi).</summary>
    public double Uniform(double lo, double hi) => lo + (hi - lo) * NextDouble();

    /// <summary>Uniform integer in [0, n).</summary>
    public int NextInt(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), $"n = {n} must be positive");
        return (int)((NextULong() >> 33) * (ulong)n >> 31);
    }

    /// <summary>±1 with equal probability.</summary>
    public double Sign() => (NextULong() >> 63) == 0 ? 1.0 : -1.0;

    /// <summary>Standard normal by Box–Muller (the second value of a pair is kept for the next call).</summary>
    public double Normal()
    {
        if (_hasSpare) { _hasSpare = false; return _spareNormal; }
        double u1;
        do u1 = NextDouble(); while (u1 <= double.Epsilon);
        double u2 = NextDouble();
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        double a = 2.0 * Math.PI * u2;
        _spareNormal = r * Math.Sin(a);
        _hasSpare = true;
        return r * Math.Cos(a);
    }

    public double Normal(double mean, double std) => mean + std * Normal();

    /// <summary>Normal(mean, std) clipped to [lo, hi] (clipped, not truncated: DESIGN §4 says "clipped").</summary>
    public double ClippedNormal(double mean, double std, double lo, double hi) => Math.Clamp(Normal(mean, std), lo, hi);

    /// <summary>
    /// Poisson(λ). Inversion by sequential search for λ &lt; 12; Hörmann's PTRS transformed rejection
    /// (W. Hörmann 1993, "The transformed rejection method for generating Poisson random variables") above;
    /// a normal approximation beyond 1e9 where a double count stops being meaningful.
    /// </summary>
    public double Poisson(double lambda)
    {
        if (!(lambda > 0)) return 0;
        if (lambda < 12)
        {
            double l = Math.Exp(-lambda), p = l, cdf = l, u = NextDouble();
            int k = 0;
            while (u > cdf && k < 200) { k++; p *= lambda / k; cdf += p; }
            return k;
        }
        if (lambda > 1e9) return Math.Max(0, Math.Round(lambda + Math.Sqrt(lambda) * Normal()));
        double slam = Math.Sqrt(lambda), loglam = Math.Log(lambda);
        double b = 0.931 + 2.53 * slam;
        double a = -0.059 + 0.02483 * b;
        double invalpha = 1.1239 + 1.1328 / (b - 3.4);
        double vr = 0.9277 - 3.6224 / (b - 2);
        while (true)
        {
            double u = NextDouble() - 0.5;
            double v = NextDouble();
            double us = 0.5 - Math.Abs(u);
            double k = Math.Floor((2 * a / us + b) * u + lambda + 0.43);
            if (us >= 0.07 && v <= vr) return k;
            if (k < 0 || (us < 0.013 && v > us)) continue;
            double lhs = Math.Log(v) + Math.Log(invalpha) - Math.Log(a / (us * us) + b);
            double rhs = -lambda + k * loglam - LogFactorial(k);
            if (lhs <= rhs) return k;
        }
    }

    private static double LogFactorial(double k)
    {
        if (k < 10)
        {
            double f = 1;
            for (int i = 2; i <= (int)k; i++) f *= i;
            return Math.Log(f);
        }
        // Stirling series; error < 1e-10 for k >= 10.
        double k1 = k + 1;
        return (k1 - 0.5) * Math.Log(k1) - k1 + 0.5 * Math.Log(2 * Math.PI) + 1.0 / (12 * k1) - 1.0 / (360 * k1 * k1 * k1);
    }
}
