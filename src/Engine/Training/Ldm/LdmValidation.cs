using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.Metrics;
using HdrOfx.Engine.Models;
using HdrOfx.Engine.Models.Ldm;
using HdrOfx.Engine.Reconstruction;
using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Autograd;

namespace HdrOfx.Engine.Training.Ldm;

/// <summary>
/// One validation crop's scores, PSNR-μ (the project's metric, peak = the crop's maximum radiance) of the result and
/// of `single` (the linearized frame), over the whole crop and over its clipped pixels only (max channel ≥ 0.99).
/// For the ae stage the result is the autoencoder's round trip of the HDR target (decoded beside the condition).
/// </summary>
public sealed record LdmValidationRow(int Crop, double Ev, double PsnrMu, double PsnrMuSingle, double ClippedFraction, double PsnrMuClipped, double PsnrMuClippedSingle);

/// <summary>One validation clip, each frame alone at its own EV: `hdr-ldm` and `single`, and PSNR-μ in the pixels clipped in the input.</summary>
/// <remarks>
/// <see cref="Oracle"/> is `single` with every clipped pixel replaced by the truth: the best any method can score that
/// keeps the measured pixels where they are not clipped (as `hdr-ldm` does, Eq. 1 of vitm-tc), i.e. its ceiling.
/// </remarks>
/// <summary>One validation clip's frame with the most clipped pixels: `single`, `hdr-ldm` and the truth, and the clipped mask.</summary>
public sealed record LdmPicture(string Clip, int Frame, ImageF Single, ImageF HdrLdm, ImageF Truth, bool[] Clipped);

public sealed record LdmClipRow(string Clip, ClipScore HdrLdm, ClipScore Single, ClipScore Oracle, double ClippedFraction, double PsnrMuClipped, double PsnrMuClippedSingle);

public static class LdmValidation
{
    public const float ClippedLevel = 0.99f;

    /// <summary>Fixed crops of the validation panoramas (never trained on), from the source the training draws from.</summary>
    public static IReadOnlyList<LdmCrop> Crops(IReadOnlyList<ImageF> validationPanoramas, int count, int size, string data = "crops")
    {
        ILdmCropSource source = data == "clips" ? new LdmClipSampler(validationPanoramas, size, 1414) : new LdmCropSampler(validationPanoramas, size, 1414);
        return Enumerable.Range(0, count).Select(i => source.Crop(0, i)).ToArray();
    }

    /// <summary>
    /// The validation clips of <see cref="PanoramaSplit"/> (made from the validation panoramas alone) as single-exposure
    /// footage: every frame reconstructed from itself at its own EV, by `hdr-ldm` and by `single`; metrics with the
    /// clip's peak, as the benchmark computes them.
    /// </summary>
    /// <param name="panoramas">All panoramas sorted by name (the benchmark indexes them).</param>
    /// <param name="picture">Handed each clip's frame with the most clipped pixels (for pictures), if given.</param>
    /// <param name="specs">Other clips than the validation clips (<see cref="PanoramaSplit.TuningSpecs"/>).</param>
    /// <param name="truthLatent">Diagnostic: decode the truth's own latent instead of sampling (<see cref="HdrLdm.DecodeTruth"/>),
    /// the score a perfect denoiser would give with this autoencoder.</param>
    public static IReadOnlyList<LdmClipRow> Clips(HdrLdm model, IReadOnlyList<ImageF> panoramas, int steps, int frames, CancellationToken cancel,
        Action<LdmPicture>? picture = null, bool truthLatent = false, IReadOnlyList<Synthesis.BenchmarkClipSpec>? specs = null)
    {
        var method = new HdrLdmReconstruction(model);
        var options = new ReconstructOptions { Method = HdrLdmReconstruction.MethodName, DiffusionSteps = steps };
        var rows = new List<LdmClipRow>();
        foreach (var spec in specs ?? PanoramaSplit.ValidationSpecs())
        {
            var clip = Synthesis.SyntheticBenchmark.Generate(spec, panoramas);
            var tf = TransferFunctions.Parse(spec.Transfer);
            int n = frames <= 0 ? clip.FrameCount : Math.Min(frames, clip.FrameCount);
            var ldm = new List<ImageF>();
            var single = new List<ImageF>();
            var masks = new List<bool[]>();
            var oracle = new List<ImageF>();
            for (int t = 0; t < n; t++)
            {
                cancel.ThrowIfCancellationRequested();
                var input = new FrameInput(SequenceReconstructor.Linearize(clip.Ldr[t], tf), clip.Pattern.EvOf(t));
                ldm.Add(truthLatent
                    ? HdrLdmReconstruction.Blend(input, model.DecodeTruth(input.Linear, clip.Hdr[t], input.Ev), HdrLdmReconstruction.Mask(input.Linear, 1f, out _))
                    : method.Reconstruct(new[] { input }, 0, options, cancel).Hdr);
                single.Add(new Classical.SingleExposureReconstruction().Reconstruct(new[] { input }, 0, options, cancel).Hdr);
                masks.Add(ClippedMask(input.Linear));
                oracle.Add(WithTruthWhere(single[^1], clip.Hdr[t], masks[^1]));
            }
            var truths = clip.Hdr.Take(n).ToArray();
            if (picture is not null)
            {
                int best = Enumerable.Range(0, n).MaxBy(t => masks[t].Count(b => b));
                picture(new LdmPicture(spec.Name, best, single[best], ldm[best], truths[best], masks[best]));
            }
            float peak = ClipPeak.Of(truths);
            double Clipped(List<ImageF> res) => MaskedPsnrMu(res, truths, peak, masks);
            rows.Add(new LdmClipRow(spec.Name, TcamValidation.Score(clip, ldm), TcamValidation.Score(clip, single),
                TcamValidation.Score(clip, oracle), masks.Average(m => m.Count(b => b) / (double)m.Length), Clipped(ldm), Clipped(single)));
        }
        return rows;
    }

    /// <summary>The round trip of each crop's HDR target: encoded, then decoded beside its LDR condition.</summary>
    public static IReadOnlyList<LdmValidationRow> Autoencoder(LatentAutoencoder ae, IReadOnlyList<LdmCrop> crops) =>
        Decoded(ae, crops, c => c.Target);

    /// <summary>
    /// Each crop's condition encoded and decoded beside itself: what the decoder makes without any information from
    /// the target. The gap to <see cref="Autoencoder"/> is what the latent carries.
    /// </summary>
    public static IReadOnlyList<LdmValidationRow> ConditionOnly(LatentAutoencoder ae, IReadOnlyList<LdmCrop> crops) =>
        Decoded(ae, crops, c => c.Condition);

    /// <summary>Mean clipped-pixel PSNR-μ of the round trip over that of <see cref="ConditionOnly"/>, over the crops that clip.</summary>
    public static double LatentInformationDb(IReadOnlyList<LdmValidationRow> roundTrip, IReadOnlyList<LdmValidationRow> conditionOnly) =>
        roundTrip.Zip(conditionOnly).Where(p => double.IsFinite(p.First.PsnrMuClipped) && double.IsFinite(p.Second.PsnrMuClipped))
            .Select(p => p.First.PsnrMuClipped - p.Second.PsnrMuClipped).DefaultIfEmpty(0).Average();

    private static IReadOnlyList<LdmValidationRow> Decoded(LatentAutoencoder ae, IReadOnlyList<LdmCrop> crops, Func<LdmCrop, float[]> encoded)
    {
        var rows = new List<LdmValidationRow>();
        for (int i = 0; i < crops.Count; i++)
        {
            var c = crops[i];
            float[] y;
            using (new TensorScope())
            using (GradMode.NoGrad())
                y = ae.RoundTrip(Tensor.FromArray(encoded(c), 1, 3, c.Linear.Height, c.Linear.Width),
                    Tensor.FromArray(c.Condition, 1, 3, c.Linear.Height, c.Linear.Width)).ToArray();
            float s = LdmDomain.RadianceScale(c.Ev);
            var hdr = new ImageF(c.Linear.Width, c.Linear.Height, 3, y.Select(v => MathF.Max(MuLawDomain.Inverse(v, s), 0f)).ToArray());
            rows.Add(Row(i, c, hdr));
        }
        return rows;
    }

    public static IReadOnlyList<LdmValidationRow> Sampling(HdrLdm model, IReadOnlyList<LdmCrop> crops, int steps, CancellationToken cancel)
    {
        var method = new HdrLdmReconstruction(model);
        var options = new ReconstructOptions { Method = HdrLdmReconstruction.MethodName, DiffusionSteps = steps };
        return crops.Select((c, i) => Row(i, c, method.Reconstruct(new[] { new FrameInput(c.Linear, c.Ev) }, 0, options, cancel).Hdr)).ToArray();
    }

    private static LdmValidationRow Row(int index, LdmCrop c, ImageF result)
    {
        var single = Single(c);
        float peak = c.Radiance.Data.Max();
        var clipped = ClippedMask(c.Linear);
        double frac = clipped.Count(m => m) / (double)clipped.Length;
        return new LdmValidationRow(index, c.Ev, Psnr.Mu(result, c.Radiance, peak), Psnr.Mu(single, c.Radiance, peak), frac,
            MaskedPsnrMu(new[] { result }, new[] { c.Radiance }, peak, new[] { clipped }), MaskedPsnrMu(new[] { single }, new[] { c.Radiance }, peak, new[] { clipped }));
    }

    /// <summary>The `single` estimate: the linearized frame over its exposure.</summary>
    public static ImageF Single(LdmCrop c)
    {
        float inv = (float)Math.Pow(2, -c.Ev);
        return new ImageF(c.Linear.Width, c.Linear.Height, 3, c.Linear.Data.Select(v => v * inv).ToArray());
    }

    /// <summary>A copy of <paramref name="estimate"/> holding <paramref name="truth"/>'s pixels where the mask holds.</summary>
    public static ImageF WithTruthWhere(ImageF estimate, ImageF truth, bool[] mask)
    {
        var data = (float[])estimate.Data.Clone();
        int n = estimate.PlaneSize;
        for (int p = 0; p < n; p++)
            if (mask[p])
                for (int ch = 0; ch < 3; ch++) data[ch * n + p] = truth.Data[ch * n + p];
        return new ImageF(estimate.Width, estimate.Height, 3, data);
    }

    public static bool[] ClippedMask(ImageF linear)
    {
        int n = linear.PlaneSize;
        var m = new bool[n];
        for (int p = 0; p < n; p++) m[p] = MathF.Max(linear.Data[p], MathF.Max(linear.Data[n + p], linear.Data[2 * n + p])) >= ClippedLevel;
        return m;
    }

    /// <summary>PSNR-μ over the pixels where the frames' masks hold (NaN when none does).</summary>
    public static double MaskedPsnrMu(IReadOnlyList<ImageF> results, IReadOnlyList<ImageF> truths, float peak, IReadOnlyList<bool[]> masks)
    {
        long count = 0;
        double sum = 0;
        for (int f = 0; f < results.Count; f++)
        {
            var (result, truth, mask) = (results[f], truths[f], masks[f]);
            int n = truth.PlaneSize;
            for (int p = 0; p < n; p++)
            {
                if (!mask[p]) continue;
                for (int ch = 0; ch < 3; ch++)
                {
                    double d = MuLaw.Apply(result.Data[ch * n + p] / peak) - MuLaw.Apply(truth.Data[ch * n + p] / peak);
                    sum += d * d;
                }
                count += 3;
            }
        }
        return count == 0 ? double.NaN : MetricGuard.PsnrFromMse(sum / count, 1.0);
    }
}
