using HdrOfx.Engine.IO.Hdri;
using HdrOfx.Engine.Models;
using HdrOfx.Engine.Nn;
using HdrOfx.Engine.Synthesis;
using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tests.Models;
using HdrOfx.Engine.Training;
using Microsoft.Extensions.Logging.Abstractions;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Training;

public class TcamTrainingTests
{
    [Test]
    public void ValidationClipsUseOnlyValidationPanoramasAndTrainingNone()
    {
        var names = HdriCatalog.Names;
        foreach (var spec in PanoramaSplit.ValidationSpecs())
        {
            Assert.That(PanoramaSplit.IsValidation(names[spec.BackgroundIndex]), spec.Name);
            Assert.That(PanoramaSplit.IsValidation(names[spec.ForegroundIndex]), spec.Name);
        }
        Assert.That(PanoramaSplit.Training.Intersect(PanoramaSplit.Validation), Is.Empty);
        Assert.That(PanoramaSplit.Training.Count + PanoramaSplit.Validation.Count, Is.EqualTo(names.Count));
        Assert.That(PanoramaSplit.ValidationSpecs().Select(s => s.Name[..7]), Is.EqualTo(new[] { "bench00", "bench05", "bench08", "bench13" }));
    }

    [Test]
    public void TuningClipsUseOnlyTrainingPanoramas()
    {
        var names = HdriCatalog.Names;
        foreach (var spec in PanoramaSplit.TuningSpecs())
        {
            Assert.That(PanoramaSplit.IsValidation(names[spec.BackgroundIndex]), Is.False, spec.Name);
            Assert.That(PanoramaSplit.IsValidation(names[spec.ForegroundIndex]), Is.False, spec.Name);
        }
        Assert.That(PanoramaSplit.TuningSpecs().Select(s => s.Name[..7]), Is.EqualTo(new[] { "bench02", "bench07", "bench09", "bench14" }));
    }

    [Test]
    public void SamplerIsDeterministicAndGivesConsistentPairs()
    {
        var a = TcamTestData.Sampler().Pair(3, 0);
        var b = TcamTestData.Sampler().Pair(3, 0);
        Assert.That(a.First.Reference, Is.EqualTo(b.First.Reference));
        Assert.That(a.TruthSecond, Is.EqualTo(b.TruthSecond));
        Assert.That(a.First.NeighbourCount, Is.EqualTo(a.Second.NeighbourCount));
        Assert.That(a.First.Scale, Is.EqualTo(a.Second.Scale));
        Assert.That(a.Flow.Length, Is.EqualTo(2 * 32 * 32));
    }

    /// <summary>
    /// Issue 13: a tiny model overfits one window, its loss falling by 10×. One reference window (16², 3 exposures, 4
    /// neighbours) of the sampler; the tiny config with 16 channels at full resolution (18,469 parameters), where the
    /// window's per-pixel error is fitted (C1 = 4 gives 10.5× here, C1 = 8 17×); lr 3e-3 (1e-2 leaves some windows stuck).
    /// 31× on this window in 600 steps. Across sampler seeds 1–8 the fall was 4.7–35×, below 10× only where classical is
    /// already within 6e-4 (μ-law L1) of the truth and what is left is quantization and noise, or (9.7×) just short.
    /// </summary>
    [Test]
    public void TinyModelOverfitsOneWindow()
    {
        var window = TcamTestData.Sampler(crop: 16, seed: 4).Pair(0, 0);
        var batch = TcamSample.Stack(new[] { window.First });
        var truth = Tensor.FromArray(window.TruthFirst, 1, 3, 16, 16);
        using var net = new TcamNet(TcamConfig.Tiny with { C1 = 16 }, new Rng(12));
        using var opt = new AdamW(net.NamedParameters(), 3e-3, weightDecay: 0);
        var sched = new CosineSchedule(3e-3, 10, 600, 3e-4);
        double first = 0, last = 0;
        for (int s = 0; s < 600; s++)
        {
            using var scope = new TensorScope();
            opt.LearningRate = sched.At(s);
            var loss = Tensor.L1Loss(net.PredictMu(batch), truth);
            loss.Backward();
            GradClip.ClipGradNorm(net.Parameters(), 1.0);
            opt.Step();
            net.ZeroGrad();
            last = loss.Item();
            if (s == 0) first = last;
        }
        TestContext.Out.WriteLine($"L1 (μ-law) {first:G4} -> {last:G4} ({first / last:F1}x)");
        Assert.That(last, Is.LessThan(first / 10));
    }

    [Test]
    public void CheckpointResumeGivesTheSameNextStep()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"tcam-train-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            var o = new TcamTrainOptions { Output = dir, Config = TcamConfig.Tiny, Steps = 20, Crop = 32, ClipsPerStep = 1, WarmupSteps = 2 };
            double lossAfter;
            float[] weightsAfter;
            using (var t = new TcamTrainer(o, TcamTestData.Sampler(), null, NullLogger.Instance))
            {
                t.TrainStep(); t.TrainStep();
                t.SaveCheckpoint();
                lossAfter = t.TrainStep().Total;
                weightsAfter = t.Net.Parameters().SelectMany(p => p.ToArray()).ToArray();
            }
            Assert.Throws<IOException>(() => new TcamTrainer(o, TcamTestData.Sampler(), null, NullLogger.Instance), "an existing checkpoint needs --resume");
            using (var t = new TcamTrainer(o with { Resume = true }, TcamTestData.Sampler(), null, NullLogger.Instance))
            {
                Assert.That(t.Step, Is.EqualTo(2));
                Assert.That(t.TrainStep().Total, Is.EqualTo(lossAfter));
                Assert.That(t.Net.Parameters().SelectMany(p => p.ToArray()).ToArray(), Is.EqualTo(weightsAfter));
            }
            Assert.Throws<IOException>(() => new TcamTrainer(o with { Resume = true, Config = TcamConfig.Compact }, TcamTestData.Sampler(), null, NullLogger.Instance));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }
}
