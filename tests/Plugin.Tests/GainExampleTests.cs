using HdrOfx.Interop.Native;
using HdrOfx.Plugin.Tests.Host;
using NUnit.Framework;

namespace HdrOfx.Plugin.Tests;

/// <summary>The second plug-in, built only on OpenFX.NET, loaded by the same host.</summary>
[TestFixture]
public class GainExampleTests
{
    [Test]
    public void Gain_example_loads_describes_and_renders()
    {
        var gain = BundleFixture.Gain;
        Assert.That(gain.Identifier, Is.EqualTo("org.hdrofx.examples.Gain"));
        Assert.That(gain.LoadStatus, Is.EqualTo(Ofx.OK));
        Assert.That(gain.Contexts.Keys, Is.EqualTo(new[] { OfxValues.ContextFilter }));
        var clip = new SyntheticClip { Frames = 2 };
        var src = clip.Source();
        var inst = gain.CreateInstance(OfxValues.ContextFilter, src);
        Assert.That(gain.IsIdentity(inst, 0, out var idClip, out _), Is.EqualTo(Ofx.OK), "gain 1 is an identity");
        Assert.That(idClip, Is.EqualTo("Source"));
        inst.Param("gain").SetValue(2.5);
        Assert.That(gain.IsIdentity(inst, 0, out _, out _), Is.EqualTo(Ofx.ReplyDefault));
        int st = gain.Render(inst, 1, out var o);
        using (o)
        {
            Assert.That(st, Is.EqualTo(Ofx.OK));
            var got = o.ToArray();
            var input = src.Frame(1);
            for (int i = 0; i < got.Length; i++)
                Assert.That(got[i], Is.EqualTo(i % 4 == 3 ? input[i] : input[i] * 2.5f).Within(1e-6));
        }
        Assert.That(gain.Destroy(inst), Is.EqualTo(Ofx.OK));
        TestSupport.AssertHostHealthy();
    }
}
