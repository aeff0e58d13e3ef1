using HdrOfx.Engine.Models;
using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tests.Models;
using HdrOfx.Engine.Training;
using Microsoft.Extensions.Logging.Abstractions;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Training;

public class TcamInitTests
{
    [Test]
    public void AFreshRunStartsFromTheGivenWeightsAndRefusesAnotherConfig()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"tcam-init-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            string file = Path.Combine(dir, "init.safetensors");
            using (var source = new TcamNet(TcamConfig.Tiny, new Rng(99))) TcamWeights.Save(source, file, DType.F32);
            using var expected = TcamWeights.Load(file);
            var o = new TcamTrainOptions { Output = Path.Combine(dir, "run"), Config = TcamConfig.Tiny, Steps = 4, Crop = 32, ClipsPerStep = 1, WarmupSteps = 1, InitWeights = file };
            using (var t = new TcamTrainer(o, TcamTestData.Sampler(), null, NullLogger.Instance))
            {
                Assert.That(t.Net.Parameters().SelectMany(p => p.ToArray()), Is.EqualTo(expected.Parameters().SelectMany(p => p.ToArray())));
                using var fresh = new TcamNet(TcamConfig.Tiny, new Rng(o.Seed));
                Assert.That(t.Net.Parameters().SelectMany(p => p.ToArray()), Is.Not.EqualTo(fresh.Parameters().SelectMany(p => p.ToArray())));
            }
            Assert.Throws<ModelWeightsException>(() => new TcamTrainer(o with { Output = Path.Combine(dir, "run2"), Config = TcamConfig.Compact }, TcamTestData.Sampler(), null, NullLogger.Instance));
        }
        finally { Directory.Delete(dir, true); }
    }
}
