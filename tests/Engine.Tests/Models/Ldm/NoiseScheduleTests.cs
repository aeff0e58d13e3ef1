using HdrOfx.Engine.Models.Ldm;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Models.Ldm;

public class NoiseScheduleTests
{
    [Test]
    public void ThreeStepScheduleMatchesHandComputedValues()
    {
        // β₀ = 0.01, β₂ = 0.04: √β runs 0.1, 0.15, 0.2, so β = 0.01, 0.0225, 0.04;
        // ᾱ = 0.99, 0.99·0.9775 = 0.967725, 0.967725·0.96 = 0.929016.
        var s = new NoiseSchedule(3, 0.01, 0.04);
        Assert.That(s.Betas, Is.EqualTo(new[] { 0.01, 0.0225, 0.04 }).Within(1e-15));
        Assert.That(s.AlphasCumprod, Is.EqualTo(new[] { 0.99, 0.967725, 0.929016 }).Within(1e-15));
        Assert.That(s.AlphaBar(-1), Is.EqualTo(1.0));
    }

    [Test]
    public void ShippedScheduleEndpointsMatchHandComputedValues()
    {
        var s = NoiseSchedule.For(LdmConfig.Compact);
        Assert.That(s.Timesteps, Is.EqualTo(1000));
        Assert.That(s.Betas[0], Is.EqualTo(0.00085).Within(1e-15));
        Assert.That(s.Betas[999], Is.EqualTo(0.012).Within(1e-15));
        // (√0.00085 + (√0.012 − √0.00085)/999)²
        Assert.That(s.Betas[1], Is.EqualTo(0.0008546986554056862).Within(1e-15));
        Assert.That(s.AlphasCumprod[0], Is.EqualTo(0.99915).Within(1e-15));
        Assert.That(s.AlphasCumprod[1], Is.EqualTo(0.99915 * (1 - 0.0008546986554056862)).Within(1e-15));
        Assert.That(s.AlphasCumprod[99], Is.EqualTo(0.8954627734950016).Within(1e-12));
        Assert.That(s.AlphasCumprod[999], Is.EqualTo(0.004660098513077234).Within(1e-12));
    }

    [Test]
    public void AddNoiseIsEquationTwo()
    {
        var s = new NoiseSchedule(3, 0.01, 0.04);
        var zt = new float[2];
        s.AddNoise(new[] { 1f, -2f }, new[] { 0.5f, 3f }, 1, zt);
        Assert.That(zt[0], Is.EqualTo(Math.Sqrt(0.967725) * 1 + Math.Sqrt(1 - 0.967725) * 0.5).Within(1e-6));
        Assert.That(zt[1], Is.EqualTo(Math.Sqrt(0.967725) * -2 + Math.Sqrt(1 - 0.967725) * 3).Within(1e-6));
    }

    [Test]
    public void InvalidSchedulesAreRefused()
    {
        Assert.Throws<ArgumentException>(() => new NoiseSchedule(1, 0.01, 0.02));
        Assert.Throws<ArgumentException>(() => new NoiseSchedule(10, 0, 0.02));
        Assert.Throws<ArgumentException>(() => new NoiseSchedule(10, 0.03, 0.02));
    }
}
