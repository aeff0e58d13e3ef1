using System.Runtime.CompilerServices;

namespace HdrOfx.Engine.Metrics;

/// <summary>
/// The per-sample μ-law value, PU21 code and clamped linear value for one clip peak, looked up instead of computed. A float whose low 13 mantissa
/// bits are zero has at most 11 significant bits, which every half value has (normal or subnormal): such a float is
/// named exactly by its top 19 bits, and every table holds the term of that exact value, so a lookup gives what the
/// formula gives, to the bit. Other floats (a float EXR) go through the formula. The tables are 2^19 entries
/// (10 MiB) and fill in a few milliseconds: the formula runs only where the clamps leave it a choice.
/// </summary>
public sealed class HalfValueTables
{
    public const int Shift = 13;
    internal const int LowMask = (1 << Shift) - 1;
    private const int Entries = 1 << (32 - Shift);

    public float Peak { get; }
    private readonly float _inv;
    private readonly double _invD, _puScale;
    internal readonly float[] Mu = new float[Entries];
    internal readonly double[] Pu21Code = new double[Entries];
    internal readonly double[] Linear = new double[Entries];

    public HalfValueTables(float peak)
    {
        MetricGuard.CheckPeak(peak);
        Peak = peak;
        _inv = 1f / peak;
        _invD = 1.0 / peak;
        _puScale = Metrics.Pu21.DisplayPeak / peak;
        float mu0 = MuLaw.Apply(0f), mu1 = MuLaw.Apply(1f);
        double pu0 = Metrics.Pu21.Encode(Metrics.Pu21.MinLuminance), pu1 = Metrics.Pu21.Encode(Metrics.Pu21.MaxLuminance);
        for (int k = 0; k < Entries; k++)
        {
            float v = BitConverter.Int32BitsToSingle(k << Shift);
            // The clamps inside MuLaw.Apply and Pu21.Encode decide these without the logarithm or the powers.
            float h = v * _inv;
            Mu[k] = h <= 0f ? mu0 : h >= 1f ? mu1 : MuLaw.Apply(h);
            Linear[k] = LinearOf(v);
            double y = Math.Min(v, peak) * _puScale;
            Pu21Code[k] = y <= Metrics.Pu21.MinLuminance ? pu0 : y >= Metrics.Pu21.MaxLuminance ? pu1 : Metrics.Pu21.Encode(y);
        }
    }

    /// <summary>μ-law of v/peak: <c>MuLaw.Apply(v * (1f / peak))</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float MuOf(float v)
    {
        int b = BitConverter.SingleToInt32Bits(v);
        return (b & LowMask) == 0 ? Mu[(int)((uint)b >> Shift)] : MuLaw.Apply(v * _inv);
    }

    /// <summary>v/peak clamped to [0,1], in double: the term of PSNR-L.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double LinearOf(float v) => Math.Clamp(v * _invD, 0, 1);

    /// <summary>PU21 code of min(v, peak) shown on a <see cref="Metrics.Pu21.DisplayPeak"/> cd/m² display.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double Pu21Of(float v)
    {
        int b = BitConverter.SingleToInt32Bits(v);
        return (b & LowMask) == 0 ? Pu21Code[(int)((uint)b >> Shift)] : Metrics.Pu21.Encode(Math.Min(v, Peak) * _puScale);
    }
}
