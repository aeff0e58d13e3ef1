using HdrOfx.Engine.Classical;
using HdrOfx.Engine.Models;
using HdrOfx.Engine.Reconstruction;
using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Autograd;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Models;

public class TcamNetTests
{
    [Test]
    public void ParameterCountsAreTheDocumentedOnes()
    {
        using var compact = new TcamNet(TcamConfig.Compact, new Rng(1));
        using var tiny = new TcamNet(TcamConfig.Tiny, new Rng(1));
        TestContext.Out.WriteLine($"compact {compact.ParameterCount()}, tiny {tiny.ParameterCount()}");
        Assert.That(compact.ParameterCount(), Is.EqualTo(66020));
        Assert.That(tiny.ParameterCount(), Is.LessThan(10000));
        foreach (var ablation in new[] { "compact-noattn", "compact-nodcn", "compact-nomatch", "compact-noflow" })
        {
            using var a = new TcamNet(TcamConfig.Parse(ablation), new Rng(1));
            Assert.That(a.ParameterCount(), Is.LessThanOrEqualTo(compact.ParameterCount()), ablation);
        }
    }

    [TestCase(2)]
    [TestCase(4)]
    public void ResidualHasTheReferenceShapeForTwoAndFourNeighbours(int k)
    {
        using var net = new TcamNet(TcamConfig.Tiny, new Rng(2));
        using var scope = new TensorScope();
        var rng = new Rng(3);
        const int b = 2, h = 16, w = 20;
        var batch = new TcamBatch(Tensor.Rand(rng, b, 6, h, w), Tensor.Rand(rng, k * b, 6, h, w), Tensor.Randn(rng, new[] { k * b, 2, h, w }),
            Tensor.Rand(rng, b, 4, h, w), k);
        var r = net.Residual(batch);
        Assert.That(r.Shape, Is.EqualTo(new[] { b, 3, h, w }));
        Assert.That(r.ToArray(), Has.All.EqualTo(0f), "the zero-initialized head adds nothing before training");
        Assert.Throws<ArgumentException>(() => net.Residual(batch with { Reference = Tensor.Rand(rng, b, 6, 18, w) }));
    }

    [Test]
    public void UntrainedModelReturnsTheClassicalMergeExactly()
    {
        var frames = TcamTestData.Window(size: 38); // not a multiple of 4: exercises the padding
        using var net = new TcamNet(TcamConfig.Tiny, new Rng(4));
        var classical = new ClassicalReconstruction("classical", AlignmentMode.OpticalFlow).Reconstruct(frames, 1, new ReconstructOptions(), default);
        var tcam = new TcamReconstruction(net).Reconstruct(frames, 1, new ReconstructOptions(), default);
        Assert.That(tcam.Hdr.Data, Is.EqualTo(classical.Hdr.Data), "bit for bit");
    }

    [Test]
    public void NonZeroHeadChangesTheResultAndStaysFinite()
    {
        var frames = TcamTestData.Window();
        using var net = new TcamNet(TcamConfig.Tiny, new Rng(5));
        using (GradMode.NoGrad())
            foreach (var (name, p) in net.NamedParameters())
                if (name.StartsWith("decoder.head.", StringComparison.Ordinal)) p.Fill(0.01f);
        var classical = new ClassicalReconstruction("classical", AlignmentMode.OpticalFlow).Reconstruct(frames, 1, new ReconstructOptions(), default);
        var tcam = new TcamReconstruction(net).Reconstruct(frames, 1, new ReconstructOptions(), default);
        Assert.That(tcam.Hdr.Data, Is.Not.EqualTo(classical.Hdr.Data));
        Assert.That(tcam.Hdr.Data.All(float.IsFinite), Is.True);
    }

    [Test]
    public void ResidualsInsideTheDeadZoneLeaveTheMergeAndLargerOnesAreShrunk()
    {
        var (classical, sample) = TcamReconstruction.Prepare(TcamTestData.Window(), 1, new ReconstructOptions(), default);
        using var s = sample!;
        const float tau = TcamReconstruction.ResidualDeadZone;
        var rng = new Random(6);
        var r = new float[3 * s.ClassicalHdr.PlaneSize];
        for (int i = 0; i < r.Length; i++) r[i] = (float)(rng.NextDouble() - 0.5) * 8 * tau;
        var hdr = TcamReconstruction.ApplyResidual(s, r);
        int inside = 0;
        for (int i = 0; i < r.Length; i++)
        {
            float c = s.ClassicalHdr.Data[i], mu = s.Classical[i];
            double shrunk = Math.Abs(r[i]) <= tau ? 0 : r[i] - Math.Sign(r[i]) * tau;
            if (shrunk == 0) { inside++; Assert.That(hdr.Data[i], Is.EqualTo(c), $"value {i}: inside the dead zone"); continue; }
            double expected = Math.Max(c + MuLawDomain.Inverse((float)(mu + shrunk), s.Scale) - MuLawDomain.Inverse(mu, s.Scale), 0);
            Assert.That(hdr.Data[i], Is.EqualTo(expected).Within(1e-5 * Math.Max(1, expected)), $"value {i}");
        }
        Assert.That(inside, Is.InRange(r.Length / 8, r.Length / 2), "the test covers both sides of τ");
        Assert.That(TcamReconstruction.ApplyResidual(s, r, deadZone: 0).Data, Is.Not.EqualTo(hdr.Data), "τ = 0 keeps every residual");
        classical.Dispose();
    }

    [Test]
    public void MuLawDomainInvertsAndMatchesTheScalarForm()
    {
        var h = new[] { 0f, 1e-4f, 0.01f, 0.3f, 1f, 2.5f };
        using var t = Tensor.FromArray(h, h.Length);
        var y = MuLawDomain.Forward(t, 0.5f).ToArray();
        var back = MuLawDomain.Inverse(Tensor.FromArray(y, y.Length), 0.5f).ToArray();
        for (int i = 0; i < h.Length; i++)
        {
            Assert.That(y[i], Is.EqualTo(MuLawDomain.Forward(h[i], 0.5f)).Within(1e-6f));
            Assert.That(back[i], Is.EqualTo(h[i]).Within(1e-5f + 1e-4f * h[i]));
        }
        Assert.That(MuLawDomain.Forward(2f, 0.5f), Is.EqualTo(1f).Within(1e-6f), "H·s = 1 maps to 1");
    }
}
