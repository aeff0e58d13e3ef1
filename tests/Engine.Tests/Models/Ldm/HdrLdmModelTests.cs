using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.Models;
using HdrOfx.Engine.Models.Ldm;
using HdrOfx.Engine.Reconstruction;
using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Autograd;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Models.Ldm;

public class HdrLdmModelTests
{
    /// <summary>A 48×40 frame with a clipped bright patch and a smooth rest.</summary>
    internal static ImageF Frame()
    {
        var img = new ImageF(48, 40, 3);
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 40; y++)
                for (int x = 0; x < 48; x++)
                    img[c, y, x] = x is > 10 and < 20 && y is > 8 and < 18 ? 1f : 0.05f + 0.5f * x / 48f + 0.1f * c;
        return img;
    }

    [Test]
    public void ExposureEmbeddingIsEquationFour()
    {
        using var den = new LatentDenoiser(LdmConfig.Compact, new Rng(1));
        float[] evs = [-2f, 0f, 0.5f, 3f];
        var e = den.ExposureEmbedding(evs).ToArray();
        int d = LdmConfig.Compact.EmbeddingDim, h = d / 2;
        for (int b = 0; b < evs.Length; b++)
            for (int i = 0; i < h; i++)
            {
                double w = Math.Pow(10000, -(double)i / h);
                Assert.That(e[b * d + i], Is.EqualTo(Math.Cos(evs[b] * w)).Within(1e-6), $"cos {b},{i}");
                Assert.That(e[b * d + h + i], Is.EqualTo(Math.Sin(evs[b] * w)).Within(1e-6), $"sin {b},{i}");
            }
    }

    [Test]
    public void ShapesAndDecoderFeatures()
    {
        var cfg = LdmConfig.Tiny;
        using var m = new HdrLdm(cfg, new Rng(2));
        using var scope = new TensorScope();
        var x = Tensor.Rand(new Rng(3), 2, 3, 32, 64);
        var z = m.Autoencoder.Encode(x);
        Assert.That(z.Shape, Is.EqualTo(new[] { 2, 4, 8, 16 }));
        Assert.That(z.ToArray(), Has.All.InRange(-1f, 1f));
        var d = m.Autoencoder.Decode(z, x);
        Assert.That(d.Image.Shape, Is.EqualTo(new[] { 2, 3, 32, 64 }));
        Assert.That(d.Image.ToArray(), Is.EqualTo(x.ToArray()), "an untrained decoder returns its condition (its last convolution starts at zero)");
        Assert.Throws<ArgumentException>(() => m.Autoencoder.Decode(z, x.Narrow(3, 0, 32)));
        Assert.That((d.Quarter.Shape[2], d.Half.Shape[2], d.Full.Shape[2]), Is.EqualTo((8, 16, 32)));
        var cond = DenoiserCondition.Build(m.Autoencoder, x);
        Assert.That(cond.Shape, Is.EqualTo(new[] { 2, LdmConfig.ConditionChannels, 8, 16 }));
        var eps = m.Denoiser.Forward(z, cond, new float[] { 10, 500 }, new float[] { 0, 1 });
        Assert.That(eps.Shape, Is.EqualTo(z.Shape));
        Assert.Throws<ArgumentException>(() => m.Denoiser.Forward(z.Narrow(3, 0, 12), cond.Narrow(3, 0, 12), new float[] { 1, 1 }, new float[] { 0, 0 }));
        Assert.Throws<ArgumentException>(() => m.Denoiser.Forward(z, z, new float[] { 1, 1 }, new float[] { 0, 0 }), "the condition has 10 channels");
    }

    [Test]
    public void TheVSkipDenoiserReturnsTheNoisyLatentScaledPlusTheScaledNetworkOutput()
    {
        using var plain = new LatentDenoiser(LdmConfig.TinyMasked, new Rng(12));
        using var v = new LatentDenoiser(LdmConfig.TinyMaskedV, new Rng(99));
        v.LoadStateDict(plain.StateDict(), strict: true);
        using var scope = new TensorScope();
        var rng = new Rng(13);
        var zt = Tensor.Randn(rng, 3, 4, 8, 8);
        var cond = Tensor.Randn(rng, 3, LdmConfig.ConditionChannels, 8, 8);
        float[] t = [0, 500, 999];
        float[] ev = [0, 1, -2];
        var f = plain.Forward(zt, cond, t, ev).ToArray();
        var eps = v.Forward(zt, cond, t, ev).ToArray();
        var z = zt.ToArray();
        var schedule = NoiseSchedule.For(LdmConfig.TinyMaskedV);
        int n = 4 * 64;
        for (int b = 0; b < 3; b++)
        {
            double a = schedule.AlphaBar((int)t[b]);
            for (int i = b * n; i < (b + 1) * n; i++)
                Assert.That(eps[i], Is.EqualTo(Math.Sqrt(1 - a) * z[i] + Math.Sqrt(a) * f[i]).Within(1e-5), $"t {t[b]}, element {i}");
        }
        Assert.That(LdmConfig.MaskedV.SameAutoencoder(LdmConfig.Masked));
        Assert.That(LdmConfig.Compact.SameAutoencoder(LdmConfig.Masked), Is.False);
        Assert.That(LdmConfig.Parse("masked-v"), Is.SameAs(LdmConfig.MaskedV));
    }

    [Test]
    public void DenoiserConditionIsTheLatentThenTheBlockMeanAndMaximum()
    {
        using var m = new HdrLdm(LdmConfig.Tiny, new Rng(4));
        using var scope = new TensorScope();
        var x = Tensor.Rand(new Rng(6), 1, 3, 16, 24);
        var cond = DenoiserCondition.Build(m.Autoencoder, x).ToArray();
        var z = m.Autoencoder.Encode(x).ToArray();
        var px = x.ToArray();
        int h = 4, w = 6, n = h * w;
        for (int i = 0; i < 4 * n; i++) Assert.That(cond[i], Is.EqualTo(z[i]));
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < h; y++)
                for (int xx = 0; xx < w; xx++)
                {
                    double sum = 0;
                    float max = float.MinValue;
                    for (int dy = 0; dy < 4; dy++)
                        for (int dx = 0; dx < 4; dx++)
                        {
                            float v = px[(c * 16 + 4 * y + dy) * 24 + 4 * xx + dx];
                            sum += v;
                            max = Math.Max(max, v);
                        }
                    Assert.That(cond[(4 + c) * n + y * w + xx], Is.EqualTo(sum / 16).Within(1e-6), $"mean {c},{y},{xx}");
                    Assert.That(cond[(7 + c) * n + y * w + xx], Is.EqualTo(max), $"max {c},{y},{xx}");
                }
    }

    [TestCase(0.0)]
    [TestCase(-2.5)]
    public void AnOvershootingDecoderIsCappedAtTheCeiling(double ev)
    {
        using var m = new HdrLdm(LdmConfig.Tiny, new Rng(4));
        foreach (var (name, p) in m.Autoencoder.NamedParameters().Where(e => e.Key == "decoder.7.bias"))
            p.Span.Fill(10f); // x = c + 10 in the μ-law domain: far past half-float range once inverted
        var frame = new HdrOfx.Engine.Imaging.ImageF(40, 20, 3);
        Array.Fill(frame.Data, 1f);
        var y = m.Sample(frame, ev, 1, 14);
        Assert.That(y, Has.All.EqualTo((float)Math.Pow(2, LdmDomain.CeilingStops - ev)));
    }

    [Test]
    public void PositionalNoiseDependsOnPositionAndSeedOnly()
    {
        var whole = PositionalNoise.Window(7, 4, 0, 0, 40, 30);
        var tile = PositionalNoise.Window(7, 4, 16, 8, 12, 10);
        for (int c = 0; c < 4; c++)
            for (int y = 0; y < 10; y++)
                for (int x = 0; x < 12; x++)
                    Assert.That(tile[(c * 10 + y) * 12 + x], Is.EqualTo(whole[(c * 30 + y + 8) * 40 + x + 16]));
        Assert.That(PositionalNoise.Window(8, 4, 0, 0, 40, 30), Is.Not.EqualTo(whole));
        var big = PositionalNoise.Window(1, 4, 0, 0, 128, 128);
        double mean = big.Average(v => (double)v), var = big.Average(v => (v - mean) * (v - mean));
        Assert.That(mean, Is.EqualTo(0).Within(0.02));
        Assert.That(Math.Sqrt(var), Is.EqualTo(1).Within(0.02));
    }

    [Test]
    public void SamplingIsBitIdenticalForEqualFramesAtAnyTime()
    {
        using var m = new HdrLdm(LdmConfig.Tiny, new Rng(4));
        m.Eval();
        var method = new HdrLdmReconstruction(m);
        var options = new ReconstructOptions { Method = "hdr-ldm", DiffusionSteps = 3 };
        var f = Frame();
        var a = method.Reconstruct(new[] { new FrameInput(f, 0) }, 0, options, default).Hdr.Data;
        var b = method.Reconstruct(new[] { new FrameInput(f.Clone(), 0) }, 0, options, default).Hdr.Data;
        Assert.That(b, Is.EqualTo(a), "two identical frames");
        // The same frame at timeline frames 0..3 of a single-exposure sequence.
        LdmMethods.Register();
        Reconstructor.Register("hdr-ldm-test", () => method, ExposureInput.Single);
        var outs = new List<float[]>();
        new SequenceReconstructor(new ExposurePattern([0.0], 0), TransferFunction.Linear, new ReconstructOptions { Method = "hdr-ldm-test", DiffusionSteps = 3 })
            .Run(0, 3, 0, 3, _ => f.Clone(), (_, r) => outs.Add(r.Hdr.Data));
        foreach (var o in outs) Assert.That(o, Is.EqualTo(a), "a frame and its copy at another time");
    }

    [Test]
    public void AStartTimestepSamplesFromTheNoisedConditionLatentDeterministically()
    {
        using var m = new HdrLdm(LdmConfig.Tiny, new Rng(4));
        m.Eval();
        foreach (var (name, p) in m.Autoencoder.NamedParameters().Where(e => e.Key == "decoder.7.weight"))
            for (int i = 0; i < p.Span.Length; i++) p.Span[i] = 0.05f * MathF.Sin(i); // the decoder reads the latent (it starts at zero)
        Assert.That(m.SampleStart, Is.EqualTo(m.Schedule.Timesteps - 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => m.SampleStart = m.Schedule.Timesteps);
        Assert.Throws<ArgumentOutOfRangeException>(() => m.SampleStart = -1);
        var f = Frame();
        var fromNoise = m.Sample(f, 0, 2, 14);
        m.SampleStart = 299;
        var a = m.Sample(f, 0, 2, 14);
        Assert.That(m.Sample(f.Clone(), 0, 2, 14), Is.EqualTo(a), "bit-identical for the same frame");
        Assert.That(a, Is.Not.EqualTo(fromNoise), "the chain starts elsewhere");
        m.SampleStart = 2;
        Assert.That(m.Sample(f, 0, 4, 14), Is.EqualTo(m.Sample(f, 0, 3, 14)), "4 steps from t = 2 are the 3 there are");
    }

    [Test]
    public void DecodeTruthIsTheAutoencodersRoundTripOfTheTruthBesideTheFrame()
    {
        using var m = new HdrLdm(LdmConfig.TinyMasked, new Rng(5));
        foreach (var (name, p) in m.Autoencoder.NamedParameters().Where(e => e.Key == "decoder.7.weight"))
            for (int i = 0; i < p.Span.Length; i++) p.Span[i] = 0.05f * MathF.Sin(i); // the decoder reads the latent (it starts at zero)
        var whole = Frame();
        var f = new ImageF(48, 32, 3);
        for (int ch = 0; ch < 3; ch++)
            for (int row = 0; row < 32; row++)
                for (int col = 0; col < 48; col++) f[ch, row, col] = whole[ch, row, col];
        var truth = f.Clone();
        for (int i = 0; i < truth.Data.Length; i++) truth.Data[i] *= truth.Data[i] >= 1f ? 6f : 1f;
        double ev = 0.5;
        var y = m.DecodeTruth(f, truth, ev);
        float s = LdmDomain.RadianceScale(ev);
        using var scope = new TensorScope();
        var x = Tensor.FromArray(truth.Data.Select(v => MuLawDomain.Forward(v, s)).ToArray(), 1, 3, f.Height, f.Width);
        var c = Tensor.FromArray(f.Data.Select(LdmDomain.Condition).ToArray(), 1, 3, f.Height, f.Width);
        var want = m.Autoencoder.Decode(m.Autoencoder.Encode(x, c), c).Image.ToArray();
        for (int i = 0; i < y.Length; i++) Assert.That(y[i], Is.EqualTo(Math.Max(MuLawDomain.Inverse(want[i], s), 0f)).Within(1e-6 + 1e-5 * Math.Abs(y[i])), $"element {i}");
        Assert.Throws<ArgumentException>(() => m.DecodeTruth(f, new ImageF(40, 40, 3), ev));
    }

    [Test]
    public void BlendKeepsMeasuredPixelsAndStrengthZeroIsSingle()
    {
        using var m = new HdrLdm(LdmConfig.Tiny, new Rng(4));
        var method = new HdrLdmReconstruction(m);
        var f = Frame();
        var single = new Engine.Classical.SingleExposureReconstruction().Reconstruct(new[] { new FrameInput(f, 1) }, 0, new ReconstructOptions(), default).Hdr.Data;
        var off = method.Reconstruct(new[] { new FrameInput(f, 1) }, 0, new ReconstructOptions { HighlightRecovery = 0, DiffusionSteps = 2 }, default).Hdr.Data;
        Assert.That(off, Is.EqualTo(single));
        var on = method.Reconstruct(new[] { new FrameInput(f, 1) }, 0, new ReconstructOptions { DiffusionSteps = 2, Diagnostics = true }, default);
        int n = f.PlaneSize;
        for (int p = 0; p < n; p++)
        {
            bool clipped = f.Data[p] >= 1f;
            Assert.That(on.SaturationMask!.Data[p], clipped ? Is.EqualTo(1f) : Is.EqualTo(0f), $"mask at {p}");
            for (int c = 0; c < 3; c++)
                Assert.That(on.Hdr.Data[c * n + p], clipped ? Is.GreaterThanOrEqualTo(single[c * n + p]) : Is.EqualTo(single[c * n + p]), $"pixel {p}");
        }
        Assert.That(SoftClipMask.Alpha(0.95f, 0.2f, 0.2f), Is.EqualTo(Math.Max(0, Math.Pow(0.95, 1 / 2.2) - 0.95) / 0.05).Within(1e-5));
    }

    [Test]
    public void SingleAndSeveralExposureRefusals()
    {
        HdrOfx.Engine.Classical.ClassicalMethods.Register();
        TcamMethods.Register();
        LdmMethods.Register();
        var e1 = Assert.Throws<ArgumentException>(() => Reconstructor.CheckInput("classical", 1))!;
        Assert.That(e1.Message, Does.Contain("needs alternating exposures").And.Contain("hdr-ldm"));
        Assert.Throws<ArgumentException>(() => Reconstructor.CheckInput("tcam", 1));
        var e2 = Assert.Throws<ArgumentException>(() => Reconstructor.CheckInput("hdr-ldm", 2))!;
        Assert.That(e2.Message, Does.Contain("reconstructs single-exposure footage (one EV)"));
        Assert.DoesNotThrow(() => Reconstructor.CheckInput("single", 1));
        Assert.DoesNotThrow(() => Reconstructor.CheckInput("single", 3));
        Assert.DoesNotThrow(() => Reconstructor.CheckInput("hdr-ldm", 1));
        using var m = new HdrLdm(LdmConfig.Tiny, new Rng(4));
        var f = Frame();
        var e3 = Assert.Throws<ArgumentException>(() => new HdrLdmReconstruction(m).Reconstruct(new[] { new FrameInput(f, -1), new FrameInput(f, 1) }, 0, new ReconstructOptions(), default))!;
        Assert.That(e3.Message, Does.Contain("single-exposure footage (one EV)"));
        Assert.That(ExposurePattern.Parse("0.5", 0).Length, Is.EqualTo(1));
        Assert.That(ExposurePattern.Parse("0.5", 0).DefaultRadius, Is.EqualTo(0));
    }

    [Test]
    public void WeightsRoundTripAsF16AndBadFilesNameThemselves()
    {
        string dir = Path.Combine(Path.GetTempPath(), "hdrofx-ldm-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, LdmWeights.FileName);
        using var m = new HdrLdm(LdmConfig.Tiny, new Rng(6));
        LdmWeights.Save(m, m.Config, path, DType.F16);
        using var back = LdmWeights.Load(path);
        foreach (var (name, t) in m.StateDict())
        {
            var want = t.To(DType.F16).To(DType.F32).ToArray();
            Assert.That(back.StateDict()[name].ToArray(), Is.EqualTo(want), name);
        }
        var missing = Assert.Throws<ModelWeightsException>(() => LdmWeights.Load(Path.Combine(dir, "none.safetensors")))!;
        Assert.That(missing.Message, Does.Contain("none.safetensors"));
        File.WriteAllBytes(Path.Combine(dir, "bad.safetensors"), new byte[] { 1, 2, 3 });
        var bad = Assert.Throws<ModelWeightsException>(() => LdmWeights.Load(Path.Combine(dir, "bad.safetensors")))!;
        Assert.That(bad.Message, Does.Contain("bad.safetensors"));
        using var ae = new HdrLdm(LdmConfig.Tiny, new Rng(7));
        LdmWeights.Save(ae.Autoencoder, ae.Config, Path.Combine(dir, "ae.safetensors"), DType.F16);
        var notWhole = Assert.Throws<ModelWeightsException>(() => LdmWeights.Load(Path.Combine(dir, "ae.safetensors")))!;
        Assert.That(notWhole.Message, Does.Contain("ae.safetensors").And.Contain("do not fit"));
        Assert.That(back.SampleStart, Is.EqualTo(999), "no sample_start: pure noise");
        string started = Path.Combine(dir, "started.safetensors");
        LdmWeights.Save(m, m.Config, started, DType.F16, new Dictionary<string, string> { [LdmWeights.SampleStartKey] = "299" });
        using (var s299 = LdmWeights.Load(started)) Assert.That(s299.SampleStart, Is.EqualTo(299));
        foreach (var badStart in new[] { "1000", "-1", "x" })
        {
            LdmWeights.Save(m, m.Config, started, DType.F16, new Dictionary<string, string> { [LdmWeights.SampleStartKey] = badStart });
            var e = Assert.Throws<ModelWeightsException>(() => LdmWeights.Load(started))!;
            Assert.That(e.Message, Does.Contain("started.safetensors").And.Contain("sample_start"), badStart);
        }
        Directory.Delete(dir, true);
    }
}
