using System.Text;
using System.Text.Json;
using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.Models;
using HdrOfx.Engine.Models.Zica;
using HdrOfx.Engine.Reconstruction;
using HdrOfx.Engine.Tensors;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Models.Zica;

/// <summary><see cref="PriorSkip"/> against float64 loops, and in `hdr-v-diff`: where it acts, λ = 0, the weights file's gain.</summary>
public class PriorSkipTests
{
    private static double SoftAlpha(double r, double g, double b)
    {
        double l = Math.Pow(Math.Clamp(Math.Max(r, Math.Max(g, b)), 0, 1), 1 / 2.2);
        return Math.Max(0, l - 0.95) / 0.05;
    }

    [Test]
    public void ApplyAndWindowMaskMatchFloat64Loops()
    {
        var rng = new Random(7);
        int w = 13, h = 9, n = w * h;
        FrameInput Frame()
        {
            var img = new ImageF(w, h, 3);
            for (int i = 0; i < img.Data.Length; i++) img.Data[i] = (float)Math.Min(1, rng.NextDouble() * 1.3);
            return new FrameInput(img, 0);
        }
        var frames = new FrameInput?[] { Frame(), null, Frame(), Frame() };
        var mask = PriorSkip.WindowMask(frames);
        for (int p = 0; p < n; p++)
        {
            double expected = frames.Where(f => f is not null).Min(f => SoftAlpha(f!.Linear.Data[p], f.Linear.Data[n + p], f.Linear.Data[2 * n + p]));
            Assert.That(mask[p], Is.EqualTo(expected).Within(1e-5), $"α_w at {p}");
        }
        Assert.That(mask.Count(a => a > 0), Is.GreaterThan(0), "some pixel clips in every frame");
        Assert.That(mask.Count(a => a == 0), Is.GreaterThan(0), "and some does not");

        var hdr = new ImageF(w, h, 3);
        var prior = new float[3 * n];
        for (int i = 0; i < prior.Length; i++) { hdr.Data[i] = (float)(rng.NextDouble() * 4); prior[i] = (float)(rng.NextDouble() * 4); }
        const float gain = 0.7f;
        var o = PriorSkip.Apply(hdr, prior, mask, gain);
        for (int i = 0; i < prior.Length; i++)
        {
            double a = gain * mask[i % n];
            double expected = hdr.Data[i] + a * Math.Max(prior[i] - hdr.Data[i], 0);
            Assert.That(o.Data[i], Is.EqualTo(expected).Within(1e-5 * (1 + expected)), $"Ĥ at {i}");
            Assert.That(o.Data[i], Is.GreaterThanOrEqualTo(hdr.Data[i]), "never below H");
            if (mask[i % n] == 0f) Assert.That(o.Data[i], Is.EqualTo(hdr.Data[i]), "untouched where some frame recorded the pixel");
        }
        Assert.Throws<ArgumentException>(() => PriorSkip.Apply(hdr, new float[3], mask, gain));
    }

    /// <summary>The stand-in window with a square clipped in all three frames, where only the prior can say anything.</summary>
    private static FrameInput?[] ClippedWindow()
    {
        var frames = TcamTestData.Window(size: 36);
        foreach (var f in frames)
        {
            int n = f!.Linear.PlaneSize, w = f.Linear.Width;
            for (int c = 0; c < 3; c++)
                for (int y = 10; y < 20; y++)
                    for (int x = 12; x < 24; x++) f.Linear.Data[c * n + y * w + x] = 1f;
        }
        return frames;
    }

    [Test]
    public void Hdr_v_diff_adds_the_prior_where_the_window_clips_at_lambda_times_the_gain()
    {
        var frames = ClippedWindow();
        using var model = ZicaTestModels.Model(trained: true);
        // An untrained decoder returns its condition (the clip value); a positive last convolution makes the prior brighter.
        ZicaTestModels.Fill(model.Ldm, "autoencoder.decoder.7.", 0.05f);
        var plain = ZicaTestModels.Run(new HdrVDiffReconstruction(model), frames, 1f); // the module's gain: 0
        var tcam = ZicaTestModels.Run(new TcamReconstruction(model.Tcam), frames, 0f);
        var withGain = new HdrVDiffReconstruction(new HdrVDiff(model.Tcam, model.Ldm, model.Zica, priorGain: 1f));
        Assert.That(ZicaTestModels.Run(withGain, frames, 0f).Data, Is.EqualTo(tcam.Data), "λ = 0: tcam bit for bit, whatever the gain");
        var mask = PriorSkip.WindowMask(frames);
        Assert.That(mask.Count(a => a == 1f), Is.EqualTo(10 * 12), "the square clips fully in every frame");
        var prior = PriorFeatures.Sample(model.Ldm, frames[1]!, 2).Radiance;
        foreach (float lambda in new[] { 1f, 0.5f })
        {
            var h = ZicaTestModels.Run(new HdrVDiffReconstruction(model), frames, lambda);
            var got = ZicaTestModels.Run(withGain, frames, lambda);
            Assert.That(got.Data, Is.EqualTo(PriorSkip.Apply(h, prior, mask, lambda).Data), $"λ = {lambda}: Ĥ = H + λ·α_w·max(Y − H, 0)");
        }
        Assert.That(ZicaTestModels.Run(withGain, frames, 1f).Data, Is.Not.EqualTo(plain.Data), "the stand-in prior is brighter somewhere in the square");
    }

    [Test]
    public void The_gain_travels_in_the_weights_file_and_old_files_add_nothing()
    {
        string dir = Directory.CreateTempSubdirectory("zica-gain-").FullName;
        try
        {
            using var model = ZicaTestModels.Model(trained: true);
            string path = Path.Combine(dir, ZicaWeights.FileName);
            model.Zica.PriorGain = 0.75f;
            ZicaWeights.Save(model.Zica, model.Tcam.Config, model.Ldm.Config, path, DType.F32);
            using (var back = ZicaWeights.Load(path, model.Tcam, model.Ldm))
            {
                Assert.That(back.PriorGain, Is.EqualTo(0.75f));
                Assert.That(new HdrVDiff(model.Tcam, model.Ldm, back).PriorGain, Is.EqualTo(0.75f));
            }
            RewriteGain(path, null);
            using (var old = ZicaWeights.Load(path, model.Tcam, model.Ldm)) Assert.That(old.PriorGain, Is.EqualTo(0f), "an export from before the prior skip");
            RewriteGain(path, "1.5");
            var e = Assert.Throws<ModelWeightsException>(() => ZicaWeights.Load(path, model.Tcam, model.Ldm))!;
            Assert.That(e.Message, Does.Contain(path).And.Contain("prior_gain"));
            Assert.Throws<ArgumentOutOfRangeException>(() => model.Zica.PriorGain = -0.1f);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    /// <summary>Sets (or, with null, removes) the "prior_gain" metadata of a safetensors file in place.</summary>
    private static void RewriteGain(string path, string? gain)
    {
        var bytes = File.ReadAllBytes(path);
        long n = BitConverter.ToInt64(bytes, 0);
        var header = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, (int)n)).RootElement;
        var dict = new Dictionary<string, object?>();
        foreach (var p in header.EnumerateObject())
        {
            if (p.Name != "__metadata__") { dict[p.Name] = p.Value; continue; }
            var meta = p.Value.EnumerateObject().Where(m => m.Name != "prior_gain").ToDictionary(m => m.Name, m => m.Value.GetString());
            if (gain is not null) meta["prior_gain"] = gain;
            dict[p.Name] = meta;
        }
        var blob = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(dict));
        int pad = (8 - blob.Length % 8) % 8;
        using var f = File.Create(path);
        f.Write(BitConverter.GetBytes((long)(blob.Length + pad)));
        f.Write(blob);
        f.Write(Enumerable.Repeat((byte)' ', pad).ToArray());
        f.Write(bytes, (int)(8 + n), bytes.Length - (int)(8 + n));
    }
}
