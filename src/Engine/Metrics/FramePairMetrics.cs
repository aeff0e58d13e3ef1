using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using HdrOfx.Engine.Imaging;

namespace HdrOfx.Engine.Metrics;

/// <summary>
/// Every per-frame metric of one pair in one pass over the samples (PSNR-μ, PSNR-L, PU21-PSNR, and the μ-law frames),
/// then SSIM-μ on those μ-law frames. The sums run in the order of <see cref="Psnr"/>'s loops (channel by channel,
/// sample by sample), and the terms are <see cref="HalfValueTables"/> lookups of the same values, so each score equals
/// <see cref="Psnr.Mu"/>, <see cref="Psnr.Linear"/>, <see cref="Psnr.Pu21Encoded"/> to the bit and SSIM-μ equals
/// <see cref="Ssim.Mu"/>. One pair runs on one thread; eval runs pairs in parallel.
/// </summary>
public static class FramePairMetrics
{
    /// <summary>The scores, and the μ-law frames (first three planes at most, pooled: the caller disposes) for the flicker.</summary>
    public static (FrameScores Scores, ImageF TonedResult, ImageF TonedTruth) Score(ImageF result, ImageF truth, HalfValueTables tables)
    {
        int channels = MetricGuard.CheckPair(result, truth);
        ArgumentNullException.ThrowIfNull(tables);
        var tr = ImageF.Rent(result.Width, result.Height, channels);
        var tt = ImageF.Rent(result.Width, result.Height, channels);
        int n = channels * result.PlaneSize;
        var (mu, lin, pu) = Sums(result.Data.AsSpan(0, n), truth.Data.AsSpan(0, n), tables, tr.Data, tt.Data);
        double count = (double)channels * result.PlaneSize;
        double ssim = Ssim.MuOfTonemapped(tr, tt);
        var scores = new FrameScores(MetricGuard.PsnrFromMse(mu / count, 1.0), ssim,
            MetricGuard.PsnrFromMse(lin / count, 1.0), MetricGuard.PsnrFromMse(pu / count, Pu21.PeakCode));
        return (scores, tr, tt);
    }

    /// <summary>The three sums of squared differences over the samples, in order; writes the μ-law values.</summary>
    public static (double Mu, double Linear, double Pu21) Sums(ReadOnlySpan<float> r, ReadOnlySpan<float> t, HalfValueTables tables,
        Span<float> muR, Span<float> muT)
    {
        if (t.Length != r.Length || muR.Length < r.Length || muT.Length < r.Length)
            throw new ArgumentException($"lengths differ: result {r.Length}, truth {t.Length}, μ-law {muR.Length}/{muT.Length}");
        var acc = new Accumulators();
        int i = 0;
        while (i < r.Length)
        {
            i = HalfRun(r, t, tables, muR, muT, i, ref acc);
            if (i == r.Length) break;
            // A sample that is not a half: the formula, then back to the lookups.
            float a = r[i], b = t[i];
            float ma = muR[i] = tables.MuOf(a), mb = muT[i] = tables.MuOf(b);
            acc.Add(ma - mb, tables.LinearOf(a) - tables.LinearOf(b), tables.Pu21Of(a) - tables.Pu21Of(b));
            i++;
        }
        return (acc.Mu, acc.Linear, acc.Pu21);
    }

    private struct Accumulators
    {
        public double Mu, Linear, Pu21;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Add(double dm, double dl, double dp)
        {
            Mu += dm * dm;
            Linear += dl * dl;
            Pu21 += dp * dp;
        }
    }

    /// <summary>
    /// Samples from <paramref name="start"/> while both are halves (table lookups only); returns the first index that is
    /// not, or the length. No calls inside, so the three sums stay in registers.
    /// </summary>
    private static int HalfRun(ReadOnlySpan<float> r, ReadOnlySpan<float> t, HalfValueTables tables, Span<float> muR, Span<float> muT,
        int start, ref Accumulators acc)
    {
        ref float rr = ref MemoryMarshal.GetReference(r);
        ref float rt = ref MemoryMarshal.GetReference(t);
        ref float mr = ref MemoryMarshal.GetReference(muR);
        ref float mt = ref MemoryMarshal.GetReference(muT);
        ref float muTable = ref MemoryMarshal.GetArrayDataReference(tables.Mu);
        ref double puTable = ref MemoryMarshal.GetArrayDataReference(tables.Pu21Code);
        ref double linTable = ref MemoryMarshal.GetArrayDataReference(tables.Linear);
        double sMu = acc.Mu, sLin = acc.Linear, sPu = acc.Pu21;
        int i = start, n = r.Length;
        for (; i < n; i++)
        {
            int ba = BitConverter.SingleToInt32Bits(Unsafe.Add(ref rr, i)), bb = BitConverter.SingleToInt32Bits(Unsafe.Add(ref rt, i));
            if (((ba | bb) & HalfValueTables.LowMask) != 0) break;
            // Both are named by their top 19 bits (every half is): the tables hold the formula's values.
            nint ia = (nint)((uint)ba >> HalfValueTables.Shift), ib = (nint)((uint)bb >> HalfValueTables.Shift);
            float ma = Unsafe.Add(ref muTable, ia), mb = Unsafe.Add(ref muTable, ib);
            Unsafe.Add(ref mr, i) = ma;
            Unsafe.Add(ref mt, i) = mb;
            double dm = ma - mb; // float difference, as Psnr.Mu and Psnr.MuOfTonemapped take it
            sMu += dm * dm;
            double dl = Unsafe.Add(ref linTable, ia) - Unsafe.Add(ref linTable, ib);
            sLin += dl * dl;
            double dp = Unsafe.Add(ref puTable, ia) - Unsafe.Add(ref puTable, ib);
            sPu += dp * dp;
        }
        acc.Mu = sMu; acc.Linear = sLin; acc.Pu21 = sPu;
        return i;
    }
}
