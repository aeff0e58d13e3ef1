using HdrOfx.Engine.Models.Ldm;
using HdrOfx.Engine.Tensors;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Models.Ldm;

public class DdimSamplerTests
{
    private static readonly DdimSampler Sampler = new(NoiseSchedule.For(LdmConfig.Compact));

    [Test]
    public void TimestepsAreTrailing()
    {
        Assert.That(Sampler.Timesteps(10), Is.EqualTo(new[] { 999, 899, 799, 699, 599, 499, 399, 299, 199, 99 }));
        Assert.That(Sampler.Timesteps(4), Is.EqualTo(new[] { 999, 749, 499, 249 }));
        Assert.That(Sampler.Timesteps(1), Is.EqualTo(new[] { 999 }));
        Assert.That(Sampler.Timesteps(50), Has.Length.EqualTo(50));
        Assert.That(Sampler.Timesteps(50), Is.Ordered.Descending);
        Assert.Throws<ArgumentOutOfRangeException>(() => Sampler.Timesteps(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Sampler.Timesteps(51));
    }

    [Test]
    public void AStartTimestepSpacesTheShorterChainTheSameWay()
    {
        Assert.That(Sampler.Timesteps(3, start: 299), Is.EqualTo(new[] { 299, 199, 99 }));
        Assert.That(Sampler.Timesteps(1, start: 299), Is.EqualTo(new[] { 299 }));
        Assert.That(Sampler.Timesteps(4, start: 999), Is.EqualTo(Sampler.Timesteps(4)));
        Assert.That(Sampler.Timesteps(4, start: 3), Is.EqualTo(new[] { 3, 2, 1, 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Sampler.Timesteps(5, start: 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => Sampler.Timesteps(1, start: 1000));
    }

    [TestCase(1, 299)]
    [TestCase(4, 599)]
    public void FromAStartTimestepAPerfectPredictorRecoversX0(int steps, int start)
    {
        var rng = new Rng(6);
        var x0 = Tensor.Randn(rng, 128).ToArray();
        var noise = Tensor.Randn(rng, 128).ToArray();
        var schedule = Sampler.Schedule;
        var x = new float[128];
        schedule.AddNoise(x0, noise, start, x);
        var visited = new List<int>();
        Sampler.Sample(x, steps, (xt, t) =>
        {
            visited.Add(t);
            double a = schedule.AlphaBar(t);
            return xt.Select((v, i) => (float)((v - Math.Sqrt(a) * x0[i]) / Math.Sqrt(1 - a))).ToArray();
        }, start);
        Assert.That(visited, Is.EqualTo(Sampler.Timesteps(steps, start)));
        for (int i = 0; i < x.Length; i++) Assert.That(x[i], Is.EqualTo(x0[i]).Within(1e-4), $"element {i}");
    }

    [Test]
    public void OneStepIsFormulaTwelveWithSigmaZero()
    {
        var s = new NoiseSchedule(3, 0.01, 0.04);
        var dst = new float[1];
        new DdimSampler(s).Step(new[] { 0.7f }, new[] { -0.4f }, 2, 0, dst);
        double x0 = (0.7 - Math.Sqrt(1 - 0.929016) * -0.4) / Math.Sqrt(0.929016);
        Assert.That(dst[0], Is.EqualTo(Math.Sqrt(0.99) * x0 + Math.Sqrt(0.01) * -0.4).Within(1e-6));
    }

    [TestCase(1)]
    [TestCase(4)]
    [TestCase(10)]
    [TestCase(50)]
    public void PerfectEpsilonPredictorRecoversX0(int steps)
    {
        var rng = new Rng(5);
        var x0 = Tensor.Randn(rng, 256).ToArray();
        var x = Tensor.Randn(rng, 256).ToArray();
        var schedule = Sampler.Schedule;
        // The ε that explains x_t given x₀: ε = (x_t − √ᾱ_t x₀)/√(1 − ᾱ_t).
        Sampler.Sample(x, steps, (xt, t) =>
        {
            double a = schedule.AlphaBar(t);
            return xt.Select((v, i) => (float)((v - Math.Sqrt(a) * x0[i]) / Math.Sqrt(1 - a))).ToArray();
        });
        for (int i = 0; i < x.Length; i++) Assert.That(x[i], Is.EqualTo(x0[i]).Within(1e-4), $"element {i}");
    }

    [Test]
    public void ABoundClampsX0AndRecomputesEpsilon()
    {
        var s = new NoiseSchedule(3, 0.01, 0.04);
        var dst = new float[1];
        new DdimSampler(s, x0Bound: 1).Step(new[] { 0.7f }, new[] { -0.4f }, 2, 0, dst);
        double a = 0.929016, ap = 0.99;
        double x0 = (0.7 - Math.Sqrt(1 - a) * -0.4) / Math.Sqrt(a); // 0.834: inside, so the step is unchanged
        Assert.That(dst[0], Is.EqualTo(Math.Sqrt(ap) * x0 + Math.Sqrt(1 - ap) * -0.4).Within(1e-6));
        new DdimSampler(s, x0Bound: 0.5).Step(new[] { 0.7f }, new[] { -0.4f }, 2, 0, dst);
        double e = (0.7 - Math.Sqrt(a) * 0.5) / Math.Sqrt(1 - a);
        Assert.That(dst[0], Is.EqualTo(Math.Sqrt(ap) * 0.5 + Math.Sqrt(1 - ap) * e).Within(1e-6));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DdimSampler(s, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DdimSampler(s, double.NaN));
    }

    [TestCase(1)]
    [TestCase(10)]
    public void WithABoundAPerfectPredictorStillRecoversAnX0InsideIt(int steps)
    {
        var rng = new Rng(7);
        var x0 = Tensor.Randn(rng, 256).ToArray().Select(MathF.Tanh).ToArray();
        var x = Tensor.Randn(rng, 256).ToArray();
        var schedule = Sampler.Schedule;
        new DdimSampler(schedule, HdrLdm.LatentBound).Sample(x, steps, (xt, t) =>
        {
            double a = schedule.AlphaBar(t);
            return xt.Select((v, i) => (float)((v - Math.Sqrt(a) * x0[i]) / Math.Sqrt(1 - a))).ToArray();
        });
        for (int i = 0; i < x.Length; i++) Assert.That(x[i], Is.EqualTo(x0[i]).Within(1e-4), $"element {i}");
    }

    [Test]
    public void WithABoundAWildPredictorEndsInsideIt()
    {
        var x = Tensor.Randn(new Rng(8), 256).ToArray();
        new DdimSampler(Sampler.Schedule, 1).Sample(x, 4, (xt, _) => xt.Select(v => -50 * v).ToArray());
        Assert.That(x, Has.All.InRange(-1f, 1f));
    }
}
