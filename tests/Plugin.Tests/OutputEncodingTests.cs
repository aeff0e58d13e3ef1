using HdrOfx.Engine.Imaging;
using NUnit.Framework;

namespace HdrOfx.Plugin.Tests;

/// <summary>src/Plugin/OutputEncoding.cs (over the engine's HdrEncoding) against published reference points (ST 2084, BT.2100, BT.2408).</summary>
[TestFixture]
public class OutputEncodingTests
{
    [TestCase(0.0, 7.3e-7, 1e-7)]
    [TestCase(100.0, 0.5081, 1e-4)]
    [TestCase(203.0, 0.5806, 1e-4)]   // BT.2408: HDR reference white = 58 % PQ
    [TestCase(1000.0, 0.7518, 1e-4)]
    [TestCase(10000.0, 1.0, 1e-9)]
    public void Pq_reference_points(double nits, double signal, double tol) =>
        Assert.That(OutputEncoding.Pq((float)(nits / 203.0)), Is.EqualTo(signal).Within(tol));

    [Test]
    public void Scene_linear_one_is_reference_white()
    {
        Assert.That(OutputEncoding.Pq(1f), Is.EqualTo(0.5806f).Within(1e-4f));
        Assert.That(OutputEncoding.Hlg(1f), Is.EqualTo(0.75f).Within(1e-6f));
        Assert.That(HdrEncoding.HlgReferenceWhiteScene, Is.EqualTo(0.2650).Within(1e-3));
    }

    [TestCase(0.0, 0.0)]
    [TestCase(1.0 / 12.0, 0.5)]
    [TestCase(1.0, 1.0)]
    public void Hlg_oetf_reference_points(double e, double signal) =>
        Assert.That(OutputEncoding.Hlg((float)(e / HdrEncoding.HlgReferenceWhiteScene)), Is.EqualTo(signal).Within(1e-6));

    [Test]
    public void Encodings_are_monotonic_and_clamped()
    {
        float prevP = -1, prevH = -1;
        for (int i = 0; i <= 1000; i++)
        {
            float x = i * 0.05f;
            float p = OutputEncoding.Pq(x), h = OutputEncoding.Hlg(x);
            Assert.That(p, Is.GreaterThanOrEqualTo(prevP));
            Assert.That(h, Is.GreaterThanOrEqualTo(prevH));
            Assert.That(p, Is.InRange(0f, 1f));
            Assert.That(h, Is.InRange(0f, 1f));
            prevP = p; prevH = h;
        }
        Assert.That(OutputEncoding.Encode(OutputEncodingKind.SceneLinear, 3.5f), Is.EqualTo(3.5f));
        Assert.That(OutputEncoding.Pq(-1f), Is.EqualTo(OutputEncoding.Pq(0f)));
        Assert.That(OutputEncoding.Hlg(-1f), Is.EqualTo(0f));
        // Above the peak the signal clips at 1 (PQ's 10,000 cd/m², HLG's E = 1).
        Assert.That(OutputEncoding.Pq(1e4f), Is.EqualTo(1f));
        Assert.That(OutputEncoding.Hlg(1e4f), Is.EqualTo(OutputEncoding.Hlg(1f / (float)HdrEncoding.HlgReferenceWhiteScene)).Within(1e-7f));
    }
}
