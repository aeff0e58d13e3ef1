using HdrOfx.Engine.Models;
using HdrOfx.Engine.Reconstruction;
using HdrOfx.Engine.Tensors;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Models;

[NonParallelizable]
public class TcamWeightsTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), $"tcam-weights-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void TearDown()
    {
        TcamWeights.Directory = null;
        Directory.Delete(_dir, true);
    }

    [Test]
    public void Fp16RoundTripKeepsConfigAndWeights()
    {
        using var net = new TcamNet(TcamConfig.Tiny, new Rng(6));
        string path = Path.Combine(_dir, TcamWeights.FileName);
        TcamWeights.Save(net, path, DType.F16);
        using var back = TcamWeights.Load(path);
        Assert.That(back.Config, Is.EqualTo(TcamConfig.Tiny));
        var a = net.StateDict();
        foreach (var (name, t) in back.StateDict())
        {
            using var h = a[name].To(DType.F16).To(DType.F32);
            Assert.That(t.ToArray(), Is.EqualTo(h.ToArray()), name);
        }
    }

    [Test]
    public void MissingCorruptOrMismatchedFilesGiveAClearErrorNamingTheFile()
    {
        string path = Path.Combine(_dir, TcamWeights.FileName);
        var e = Assert.Throws<ModelWeightsException>(() => TcamWeights.Load(path))!;
        Assert.That(e.Message, Does.Contain(path).And.Contain("not found"));

        using (var net = new TcamNet(TcamConfig.Tiny, new Rng(7))) TcamWeights.Save(net, path, DType.F16);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes.AsSpan(0, bytes.Length - 10).ToArray());
        e = Assert.Throws<ModelWeightsException>(() => TcamWeights.Load(path))!;
        Assert.That(e.Message, Does.Contain(path).And.Contain("cannot be read"));

        File.WriteAllText(path, "not a safetensors file at all");
        e = Assert.Throws<ModelWeightsException>(() => TcamWeights.Load(path))!;
        Assert.That(e.Message, Does.Contain(path));

        using (var net = new TcamNet(TcamConfig.Tiny, new Rng(7)))
            HdrOfx.Engine.Nn.Safetensors.Save(net, path, DType.F16, new Dictionary<string, string> { ["config"] = "compact" });
        e = Assert.Throws<ModelWeightsException>(() => TcamWeights.Load(path))!;
        Assert.That(e.Message, Does.Contain(path).And.Contain("do not fit the 'compact' model"));
    }

    [Test]
    public void TheRegisteredMethodLoadsLazilyFromTheModelsFolder()
    {
        HdrOfx.Engine.Classical.ClassicalMethods.Register();
        TcamMethods.Register();
        Assert.That(Reconstructor.Methods, Does.Contain("tcam"));
        var frames = TcamTestData.Window();
        TcamWeights.Directory = _dir;
        var e = Assert.Throws<ModelWeightsException>(() => Reconstructor.Reconstruct(frames, 1, new ReconstructOptions { Method = "tcam" }))!;
        Assert.That(e.Message, Does.Contain(Path.Combine(_dir, TcamWeights.FileName)));

        using (var net = new TcamNet(TcamConfig.Tiny, new Rng(8))) TcamWeights.Save(net, Path.Combine(_dir, TcamWeights.FileName), DType.F16);
        var classical = Reconstructor.Reconstruct(frames, 1, new ReconstructOptions { Method = "classical" });
        var tcam = Reconstructor.Reconstruct(frames, 1, new ReconstructOptions { Method = "tcam" });
        Assert.That(tcam.Hdr.Data, Is.EqualTo(classical.Hdr.Data), "untrained weights: the classical merge");
        Assert.That(TcamWeights.Shared(), Is.SameAs(TcamWeights.Shared()), "loaded once");
        var models = Enumerable.Range(0, 8).AsParallel().Select(_ => TcamWeights.Shared()).Distinct().Count();
        Assert.That(models, Is.EqualTo(1), "one model across threads");
    }
}
