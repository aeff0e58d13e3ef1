using HdrOfx.Engine.Classical;
using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.Models;
using HdrOfx.Engine.Models.Zica;
using HdrOfx.Engine.Reconstruction;
using HdrOfx.Engine.Tensors;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Models.Zica;

public class HdrVDiffTests
{
    [Test]
    public void CompactModuleHasTheDocumentedParameterCount()
    {
        using var m = new ZicaModule(ZicaConfig.Compact, TcamConfig.Compact, Engine.Models.Ldm.LdmConfig.Compact, new Rng(1));
        Assert.That(m.ParameterCount(), Is.EqualTo(8573)); // docs/models.md, section ZiCA
    }

    [Test]
    public void UntrainedZicaGivesTheTcamOutputExactly()
    {
        var frames = TcamTestData.Window(size: 38); // neither a multiple of 4 nor of HDR-LDM's 32: both paddings
        using var model = ZicaTestModels.Model(trained: false);
        var tcam = ZicaTestModels.Run(new TcamReconstruction(model.Tcam), frames, 1f);
        var classical = new ClassicalReconstruction("classical", AlignmentMode.OpticalFlow).Reconstruct(frames, 1, new ReconstructOptions(), default).Hdr;
        Assert.That(tcam.Data, Is.Not.EqualTo(classical.Data), "the stand-in TCAM must differ from classical for this to mean anything");
        Assert.That(ZicaTestModels.Run(new HdrVDiffReconstruction(model), frames, 1f).Data, Is.EqualTo(tcam.Data), "bit for bit");
    }

    [Test]
    public void PriorStrengthZeroGivesTheTcamOutputExactly()
    {
        var frames = TcamTestData.Window(size: 36);
        using var model = ZicaTestModels.Model(trained: true);
        var method = new HdrVDiffReconstruction(model);
        var tcam = ZicaTestModels.Run(new TcamReconstruction(model.Tcam), frames, 0f);
        var full = ZicaTestModels.Run(method, frames, 1f);
        var half = ZicaTestModels.Run(method, frames, 0.5f);
        Assert.That(full.Data, Is.Not.EqualTo(tcam.Data), "non-zero ZiCA weights change the result at λ = 1");
        Assert.That(half.Data, Is.Not.EqualTo(full.Data));
        Assert.That(full.Data.All(float.IsFinite), Is.True);
        Assert.That(ZicaTestModels.Run(method, frames, 0f).Data, Is.EqualTo(tcam.Data), "bit for bit");
        Assert.Throws<ArgumentException>(() => ZicaTestModels.Run(method, frames, 1.5f));
    }

    [Test]
    public void StillSceneRendersIdenticalFrames()
    {
        // Five frames of a still scene, alternating EV −1/+1: references 1 and 3 see the same window content, as
        // fresh images, with a render of reference 2 in between; the prior's noise depends on pixel position only.
        var rng = new Rng(31);
        var radiance = Tensor.Rand(rng, 3, 20, 24).ToArray();
        FrameInput Frame(double ev)
        {
            var img = new ImageF(24, 20, 3);
            for (int i = 0; i < img.Data.Length; i++) img.Data[i] = Math.Min(1f, 1.5f * radiance[i] * (float)Math.Pow(2, ev));
            return new FrameInput(img, ev);
        }
        var seq = Enumerable.Range(0, 5).Select(t => Frame(t % 2 == 0 ? -1 : 1)).ToArray();
        using var model = ZicaTestModels.Model(trained: true);
        var method = new HdrVDiffReconstruction(model);
        var options = new ReconstructOptions { DiffusionSteps = 3 };
        ImageF At(int t) => method.Reconstruct([seq[t - 1], seq[t], seq[t + 1]], 1, options, default).Hdr;
        var first = At(1);
        At(2);
        Assert.That(At(3).Data, Is.EqualTo(first.Data), "bit for bit");
    }

    [Test]
    public void WeightsRoundTripAndMissingOrMismatchedFilesNameTheFile()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"zica-weights-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            using var model = ZicaTestModels.Model(trained: true);
            string path = Path.Combine(dir, ZicaWeights.FileName);
            ZicaWeights.Save(model.Zica, model.Tcam.Config, model.Ldm.Config, path, DType.F32);
            using (var back = ZicaWeights.Load(path, model.Tcam, model.Ldm))
                Assert.That(back.Parameters().SelectMany(p => p.ToArray()), Is.EqualTo(model.Zica.Parameters().SelectMany(p => p.ToArray())));

            string missing = Path.Combine(dir, "none", ZicaWeights.FileName);
            var e = Assert.Throws<ModelWeightsException>(() => ZicaWeights.Load(missing, model.Tcam, model.Ldm))!;
            Assert.That(e.Message, Does.Contain(missing));

            using var compact = new TcamNet(TcamConfig.Compact, new Rng(1));
            e = Assert.Throws<ModelWeightsException>(() => ZicaWeights.Load(path, compact, model.Ldm))!;
            Assert.That(e.Message, Does.Contain(path).And.Contain("tiny"));

            var saved = TcamWeights.Directory;
            try
            {
                TcamWeights.Directory = dir; // holds zica.safetensors only: the first missing file is named
                e = Assert.Throws<ModelWeightsException>(() => ZicaWeights.Shared())!;
                Assert.That(e.Message, Does.Contain(Path.Combine(dir, TcamWeights.FileName)));
            }
            finally { TcamWeights.Directory = saved; }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
