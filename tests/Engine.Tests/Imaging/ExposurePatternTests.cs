using HdrOfx.Engine.Imaging;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Imaging;

public class ExposurePatternTests
{
    [Test]
    public void FrameHoldsSlotNPlusPhaseModLength()
    {
        var p = ExposurePattern.Parse("-2,0,2", 1);
        Assert.That(Enumerable.Range(0, 6).Select(p.SlotOf), Is.EqualTo(new[] { 1, 2, 0, 1, 2, 0 }));
        Assert.That(p.EvOf(2), Is.EqualTo(-2));
        Assert.That(p.SlotOf(-1), Is.EqualTo(0));
    }

    [TestCase("")]
    [TestCase("1,2,3,4")]
    [TestCase("a,b")]
    public void RejectsUnknownPatterns(string evs) =>
        Assert.Throws<ArgumentException>(() => ExposurePattern.Parse(evs, 0));

    [TestCase("srgb")]
    [TestCase("rec709")]
    [TestCase("gamma2.2")]
    [TestCase("linear")]
    public void TransfersRoundTrip(string name)
    {
        var t = TransferFunctions.Parse(name);
        for (int i = 0; i <= 100; i++)
        {
            float v = i / 100f;
            Assert.That(TransferFunctions.FromLinear(t, TransferFunctions.ToLinear(t, v)), Is.EqualTo(v).Within(1e-5));
        }
    }

    [Test]
    public void SrgbMatchesTheStandardAtKnownPoints()
    {
        Assert.That(TransferFunctions.ToLinear(TransferFunction.Srgb, 0.5f), Is.EqualTo(0.214041).Within(1e-5));
        Assert.That(TransferFunctions.ToLinear(TransferFunction.Srgb, 1f), Is.EqualTo(1).Within(1e-6));
    }
}
