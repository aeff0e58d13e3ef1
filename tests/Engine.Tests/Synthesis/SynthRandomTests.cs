using HdrOfx.Engine.Synthesis;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Synthesis;

public class SynthRandomTests
{
    [Test]
    public void SameSeedSameSequenceDifferentSeedDifferent()
    {
        var a = new SynthRandom(42); var b = new SynthRandom(42); var c = new SynthRandom(43);
        var sa = Enumerable.Range(0, 100).Select(_ => a.NextULong()).ToArray();
        var sb = Enumerable.Range(0, 100).Select(_ => b.NextULong()).ToArray();
        var sc = Enumerable.Range(0, 100).Select(_ => c.NextULong()).ToArray();
        Assert.That(sb, Is.EqualTo(sa));
        Assert.That(sc, Is.Not.EqualTo(sa));
        Assert.That(SynthRandom.Mix(1, 2, 3), Is.EqualTo(SynthRandom.Mix(1, 2, 3)));
        Assert.That(SynthRandom.Mix(1, 2, 3), Is.Not.EqualTo(SynthRandom.Mix(1, 3, 2)));
    }

    [Test]
    public void GoldenFirstValuesPinTheGenerator()
    {
        // Pins xoshiro256** + SplitMix64 seeding: if this changes, every synthetic clip changes (bump SynthManifest.CurrentVersion).
        var r = new SynthRandom(0);
        var first = new[] { r.NextULong(), r.NextULong() };
        var again = new SynthRandom(0);
        Assert.That(new[] { again.NextULong(), again.NextULong() }, Is.EqualTo(first));
        TestContext.Out.WriteLine($"xoshiro(0): {first[0]:X16} {first[1]:X16}");
        Assert.That(first[0], Is.EqualTo(Golden0));
    }

    // Computed by this implementation on first commit; a change means the stream changed.
    private const ulong Golden0 = 0x99EC5F36CB75F2B4UL;

    [Test]
    public void UniformAndNormalMoments()
    {
        var r = new SynthRandom(7);
        const int n = 200_000;
        double su = 0, sn = 0, sn2 = 0;
        for (int i = 0; i < n; i++)
        {
            double u = r.NextDouble();
            Assert.That(u, Is.GreaterThanOrEqualTo(0).And.LessThan(1));
            su += u;
            double z = r.Normal();
            sn += z; sn2 += z * z;
        }
        Assert.That(su / n, Is.EqualTo(0.5).Within(0.005));
        Assert.That(sn / n, Is.EqualTo(0).Within(0.01));
        Assert.That(sn2 / n, Is.EqualTo(1).Within(0.015));
    }

    [TestCase(0.5)]
    [TestCase(3.0)]
    [TestCase(11.9)]
    [TestCase(12.0)]
    [TestCase(80.0)]
    [TestCase(5e4)]
    public void PoissonMeanAndVarianceEqualLambda(double lambda)
    {
        var r = new SynthRandom(11);
        const int n = 100_000;
        double s = 0, s2 = 0;
        for (int i = 0; i < n; i++)
        {
            double k = r.Poisson(lambda);
            Assert.That(k, Is.GreaterThanOrEqualTo(0));
            Assert.That(k, Is.EqualTo(Math.Floor(k)));
            s += k; s2 += k * k;
        }
        double mean = s / n, var = s2 / n - mean * mean;
        Assert.That(mean, Is.EqualTo(lambda).Within(5 * Math.Sqrt(lambda / n) + 1e-9));
        Assert.That(var, Is.EqualTo(lambda).Within(0.03 * lambda + 0.01));
    }

    [Test]
    public void NextIntCoversRange()
    {
        var r = new SynthRandom(3);
        var counts = new int[3];
        for (int i = 0; i < 30_000; i++) counts[r.NextInt(3)]++;
        Assert.That(counts, Has.All.InRange(9_500, 10_500));
    }
}
