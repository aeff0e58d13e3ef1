using HdrOfx.Engine.Models.Ldm;
using HdrOfx.Engine.Nn;
using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tests.Synthesis;
using HdrOfx.Engine.Training.Ldm;
using Microsoft.Extensions.Logging.Abstractions;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Training.Ldm;

public class DenoiserWeightingTests
{
    private static readonly NoiseSchedule Schedule = NoiseSchedule.For(LdmConfig.Compact);

    private static LdmCrop[] Crops() =>
        Enumerable.Range(0, 3).Select(i => new LdmCropSampler(new[] { ProceduralHdr.Panorama(96, 48, 1), ProceduralHdr.Panorama(96, 48, 2) }, 32, 5).Crop(4, i)).ToArray();

    [Test]
    public void TruncatedSnrIsOneWhileSignalDominatesThenTheInverseSnr()
    {
        for (int t = 0; t < Schedule.Timesteps; t += 37)
        {
            double a = Schedule.AlphaBar(t), snr = a / (1 - a);
            Assert.That(LdmTrainer.SnrWeight(Schedule, t), Is.EqualTo(snr >= 1 ? 1.0 : 1 / snr).Within(1e-9 / Math.Min(snr, 1)), $"t = {t}");
        }
        Assert.That(LdmTrainer.SnrWeight(Schedule, 999), Is.EqualTo((1 - 0.0047) / 0.0047).Within(5), "≈ 212 at the noisiest step");
    }

    [Test]
    public void WeightsAreTheNormalizedSnrWeightTimesTheClipFocusOfEachLatentBlock()
    {
        var crops = Crops();
        Assert.That(crops.Any(c => SoftClipMask.Of(c.Linear).Any(a => a > 0)), "a crop clips");
        int[] t = [10, 500, 999];
        const float f = 3f;
        var w = LdmTrainer.DenoiserWeights(Schedule, crops, t, truncatedSnr: true, clipFocus: f);
        double mean = Enumerable.Range(0, Schedule.Timesteps).Average(s => Math.Max(1, (1 - Schedule.AlphaBar(s)) / Schedule.AlphaBar(s)));
        int W = 32, lw = 8, n = 64;
        Assert.That(w, Has.Length.EqualTo(3 * 4 * n));
        for (int b = 0; b < 3; b++)
        {
            var alpha = SoftClipMask.Of(crops[b].Linear);
            double snr = Math.Max(1, (1 - Schedule.AlphaBar(t[b])) / Schedule.AlphaBar(t[b])) / mean;
            for (int ch = 0; ch < 4; ch++)
                for (int p = 0; p < n; p++)
                {
                    int ly = p / lw, lx = p % lw;
                    float max = 0f;
                    for (int y = 4 * ly; y < 4 * ly + 4; y++)
                        for (int x = 4 * lx; x < 4 * lx + 4; x++) max = Math.Max(max, alpha[y * W + x]);
                    Assert.That(w[(b * 4 + ch) * n + p], Is.EqualTo(snr * (1 + f * max)).Within(1e-5 * snr * (1 + f)), $"b {b} ch {ch} p {p}");
                }
        }
        Assert.That(LdmTrainer.DenoiserWeights(Schedule, crops, t, false, 0f), Has.All.EqualTo(1f));
    }

    [Test]
    public void AClipFocusOnFramesThatDoNotClipIsEquationFive()
    {
        var crops = Crops().Select(c =>
        {
            var lin = c.Linear.Clone();
            for (int i = 0; i < lin.Data.Length; i++) lin.Data[i] = Math.Min(lin.Data[i], 0.5f);
            return c with { Linear = lin };
        }).ToArray();
        using var m = new HdrLdm(LdmConfig.Tiny, new Rng(3));
        using var scope = new TensorScope();
        double plain = LdmTrainer.DenoiserLoss(m, crops, 7, 2).Item();
        double focused = LdmTrainer.DenoiserLoss(m, crops, 7, 2, truncatedSnr: false, clipFocus: 5f).Item();
        Assert.That(focused, Is.EqualTo(plain).Within(1e-6 * plain));
        double snr = LdmTrainer.DenoiserLoss(m, crops, 7, 2, truncatedSnr: true).Item();
        Assert.That(snr, Is.Not.EqualTo(plain).Within(1e-3 * plain), "the SNR weighting changes the loss");
    }

    [Test]
    public void InitTakesTheDenoiserOfAnHdrLdmFile()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"ldm-init-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            string aePath = Path.Combine(dir, "ae.safetensors"), initPath = Path.Combine(dir, "init.safetensors");
            using (var ae = new HdrLdm(LdmConfig.Tiny, new Rng(1))) LdmWeights.Save(ae.Autoencoder, ae.Config, aePath, DType.F32);
            using var from = new HdrLdm(LdmConfig.Tiny, new Rng(77));
            LdmWeights.Save(from, from.Config, initPath, DType.F32);
            var o = new LdmTrainOptions { Stage = LdmStage.Denoiser, Output = Path.Combine(dir, "run"), Config = LdmConfig.Tiny, Steps = 4, Batch = 2, Crop = 32, AutoencoderPath = aePath, InitWeights = initPath };
            using (var t = new LdmTrainer(o, new LdmCropSampler(new[] { ProceduralHdr.Panorama(96, 48, 1) }, 32, 5), null, NullLogger.Instance))
                foreach (var (name, p) in from.Denoiser.StateDict())
                    Assert.That(t.Model.Denoiser.StateDict()[name].ToArray(), Is.EqualTo(p.ToArray()), name);
            using var masked = new HdrLdm(LdmConfig.TinyMasked, new Rng(2));
            LdmWeights.Save(masked, masked.Config, initPath, DType.F32);
            Assert.Throws<HdrOfx.Engine.Models.ModelWeightsException>(() => new LdmTrainer(o with { Output = Path.Combine(dir, "run2") }, new LdmCropSampler(new[] { ProceduralHdr.Panorama(96, 48, 1) }, 32, 5), null, NullLogger.Instance));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
