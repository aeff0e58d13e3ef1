using HdrOfx.Engine.Models;
using HdrOfx.Engine.Models.Ldm;
using HdrOfx.Engine.Models.Zica;
using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tests.Models;
using HdrOfx.Engine.Tests.Models.Zica;
using HdrOfx.Engine.Tests.Synthesis;
using HdrOfx.Engine.Training;
using HdrOfx.Engine.Training.Zica;
using Microsoft.Extensions.Logging.Abstractions;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Training.Zica;

/// <summary>Stage 4 on tiny configs: the frozen TCAM and HDR-LDM are untrained stand-ins saved to a temporary folder.</summary>
public class ZicaTrainingTests
{
    private string _dir = null!;
    private string _tcam = null!, _ldm = null!;

    [SetUp]
    public void SaveFrozenStandIns()
    {
        _dir = Path.Combine(Path.GetTempPath(), $"zica-train-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_dir);
        _tcam = Path.Combine(_dir, TcamWeights.FileName);
        _ldm = Path.Combine(_dir, LdmWeights.FileName);
        using var tcam = ZicaTestModels.Tcam();
        using var ldm = ZicaTestModels.Ldm();
        TcamWeights.Save(tcam, _tcam, DType.F32);
        LdmWeights.Save(ldm, ldm.Config, _ldm, DType.F32);
    }

    [TearDown]
    public void Remove()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, true);
    }

    private ZicaTrainOptions Options() => new()
    {
        Output = Path.Combine(_dir, "run"), TcamPath = _tcam, LdmPath = _ldm, Config = ZicaConfig.Tiny, Steps = 20, Crop = 32, ClipsPerStep = 1,
        WarmupSteps = 2, DiffusionSteps = 1,
    };

    private static float[] Flat(HdrOfx.Engine.Nn.Module m) => m.Parameters().SelectMany(p => p.ToArray()).ToArray();

    [Test]
    public void FrozenPartsStayBitIdenticalThroughAStep()
    {
        using var t = new ZicaTrainer(Options(), TcamTestData.Sampler(crop: 32), null, NullLogger.Instance);
        var tcam = Flat(t.Model.Tcam);
        var ldm = Flat(t.Model.Ldm);
        var zica = Flat(t.Model.Zica);
        t.TrainStep();
        t.TrainStep();
        Assert.That(Flat(t.Model.Tcam), Is.EqualTo(tcam), "TCAM and its temporal decoder are frozen");
        Assert.That(Flat(t.Model.Ldm), Is.EqualTo(ldm), "HDR-LDM is frozen");
        Assert.That(Flat(t.Model.Zica), Is.Not.EqualTo(zica), "ZiCA trains");
        Assert.That(t.Model.Tcam.Parameters().Concat(t.Model.Ldm.Parameters()).All(p => p.Grad is null || p.Grad.ToArray().All(g => g == 0f)), Is.True);
    }

    [Test]
    public void MissingFrozenWeightsAreRefusedNamingTheFile()
    {
        File.Delete(_tcam);
        var e = Assert.Throws<ModelWeightsException>(() => new ZicaTrainer(Options(), TcamTestData.Sampler(crop: 32), null, NullLogger.Instance))!;
        Assert.That(e.Message, Does.Contain(_tcam).And.Contain("--stage tcam"));
        SaveFrozenStandIns();
        File.Delete(_ldm);
        e = Assert.Throws<ModelWeightsException>(() => new ZicaTrainer(Options() with { TcamPath = _tcam }, TcamTestData.Sampler(crop: 32), null, NullLogger.Instance))!;
        Assert.That(e.Message, Does.Contain(_ldm).And.Contain("--stage ldm"));
    }

    [Test]
    public void CheckpointResumeGivesTheSameNextStepAndRefusesChangedFrozenWeights()
    {
        var o = Options();
        double lossAfter;
        float[] weightsAfter;
        using (var t = new ZicaTrainer(o, TcamTestData.Sampler(crop: 32), null, NullLogger.Instance))
        {
            t.TrainStep(); t.TrainStep();
            t.SaveCheckpoint();
            lossAfter = t.TrainStep().Total;
            weightsAfter = Flat(t.Model.Zica);
        }
        Assert.Throws<IOException>(() => new ZicaTrainer(o, TcamTestData.Sampler(crop: 32), null, NullLogger.Instance), "an existing checkpoint needs --resume");
        using (var t = new ZicaTrainer(o with { Resume = true }, TcamTestData.Sampler(crop: 32), null, NullLogger.Instance))
        {
            Assert.That(t.Step, Is.EqualTo(2));
            Assert.That(t.TrainStep().Total, Is.EqualTo(lossAfter));
            Assert.That(Flat(t.Model.Zica), Is.EqualTo(weightsAfter));
        }
        using (var other = ZicaTestModels.Tcam(seed: 99)) TcamWeights.Save(other, _tcam, DType.F32);
        Assert.Throws<IOException>(() => new ZicaTrainer(o with { Resume = true }, TcamTestData.Sampler(crop: 32), null, NullLogger.Instance), "the frozen TCAM changed");
    }

    [Test, Explicit("about a minute: synthesizes the four 512×256 validation clips")]
    public void ValidationScoresHdrVDiffTcamAndClassicalAndExportsTheWeights()
    {
        var panoramas = Enumerable.Range(0, 16).Select(i => ProceduralHdr.Panorama(1024, 512, i + 1)).ToArray();
        var o = Options() with { ValidationFrames = 2 };
        using var t = new ZicaTrainer(o, TcamTestData.Sampler(crop: 32), () => new TcamValidation(panoramas, o.ValidationFrames), NullLogger.Instance);
        t.TrainStep();
        var rows = t.Validate();
        Assert.That(rows.Select(r => r.Clip), Is.EqualTo(PanoramaSplit.ValidationSpecs().Select(s => s.Name)));
        Assert.That(rows.SelectMany(r => new[] { r.HdrVDiff.PsnrMu, r.Tcam.PsnrMu, r.Classical.PsnrMu }).All(double.IsFinite), Is.True);
        Assert.That(File.ReadAllLines(Path.Combine(o.Output, "validation.csv")), Has.Length.EqualTo(1 + rows.Count));
        using var back = ZicaWeights.Load(Path.Combine(o.Output, "zica-ema-step1.safetensors"), t.Model.Tcam, t.Model.Ldm);
        Assert.That(back.ParameterCount(), Is.EqualTo(t.Model.Zica.ParameterCount()));
    }
}
