using HdrOfx.Engine.Models;
using HdrOfx.Engine.Reconstruction;
using HdrOfx.Engine.Tensors;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Models;

public class TcamDeterminismTests
{
    [Test]
    public void InferenceDoesNotDependOnWhatTheArenaHeld()
    {
        var frames = TcamTestData.Window(size: 40);
        using var net = new TcamNet(TcamConfig.Tiny, new Rng(14));
        var rng = new Rng(15);
        foreach (var (_, p) in net.NamedParameters()) p.Span.Fill(0); // then random, head included
        foreach (var (_, p) in net.NamedParameters())
        {
            var r = Tensor.Randn(rng, p.Shape, 0.3f);
            r.Span.CopyTo(p.Span);
        }
        var method = new TcamReconstruction(net);
        var a = method.Reconstruct(frames, 1, new ReconstructOptions(), default).Hdr.Data;
        for (int n = 1; n <= 1 << 20; n *= 2)
        {
            var junk = Tensor.Full(new[] { n }, float.NaN);
            junk.Dispose();
            var junk2 = Tensor.Full(new[] { n }, 1e6f);
            junk2.Dispose();
        }
        var b = method.Reconstruct(frames, 1, new ReconstructOptions(), default).Hdr.Data;
        Assert.That(b, Is.EqualTo(a));
        int threads = HdrOfx.Engine.Parallelism.ParallelRange.MaxThreads;
        try
        {
            HdrOfx.Engine.Parallelism.ParallelRange.MaxThreads = 1;
            var c = method.Reconstruct(frames, 1, new ReconstructOptions(), default).Hdr.Data;
            double maxd = a.Zip(c, (x, y) => (double)Math.Abs(x - y) / (1 + Math.Abs(y))).Max();
            TestContext.Out.WriteLine($"1 thread vs {threads}: max rel {maxd:G3}");
            Assert.That(maxd, Is.LessThan(1e-4));
        }
        finally { HdrOfx.Engine.Parallelism.ParallelRange.MaxThreads = threads; }
    }
}
