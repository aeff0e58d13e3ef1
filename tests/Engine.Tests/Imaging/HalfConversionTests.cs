using HdrOfx.Engine.Imaging;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Imaging;

/// <summary>The vector float → half conversion against the <see cref="Half"/> cast (<see cref="HalfConversion.ToHalfScalar"/>).</summary>
public class HalfConversionTests
{
    private static void AssertMatchesScalar(float[] src)
    {
        var got = new ushort[src.Length];
        HalfConversion.ToHalf(src, got);
        for (int i = 0; i < src.Length; i++)
            if (got[i] != HalfConversion.ToHalfScalar(src[i]))
                Assert.Fail($"0x{BitConverter.SingleToUInt32Bits(src[i]):X8} ({src[i]:R}) → 0x{got[i]:X4}, the cast gives 0x{HalfConversion.ToHalfScalar(src[i]):X4}");
    }

    [Test]
    public void Every_rounding_case_of_every_exponent_matches_the_cast()
    {
        // Every sign, exponent and top 10 fraction bits, with the 13 dropped bits just below, at and above half an ulp
        // (ties to even), zero and all ones: every rounding, overflow, subnormal, infinity and NaN case.
        uint[] low = [0, 1, 0x0FFF, 0x1000, 0x1001, 0x1FFF, 0x0800, 0x1800];
        var src = new float[(1 << 19) * low.Length];
        int k = 0;
        for (uint high = 0; high < 1u << 19; high++)
            foreach (uint l in low)
                src[k++] = BitConverter.UInt32BitsToSingle(high << 13 | l);
        AssertMatchesScalar(src);
    }

    [Test]
    public void Random_bit_patterns_match_the_cast()
    {
        var rng = new Random(11);
        var src = new float[1 << 20];
        for (int i = 0; i < src.Length; i++) src[i] = BitConverter.UInt32BitsToSingle((uint)rng.NextInt64(1L << 32));
        AssertMatchesScalar(src);
    }

    [Test]
    public void Every_length_and_tail_is_converted()
    {
        var rng = new Random(3);
        for (int n = 0; n <= 257; n++)
        {
            var src = Enumerable.Range(0, n).Select(_ => (rng.NextSingle() - 0.5f) * 1e5f).ToArray();
            var dst = Enumerable.Repeat((ushort)0xABCD, n + 3).ToArray();
            HalfConversion.ToHalf(src, dst);
            for (int i = 0; i < n; i++) Assert.That(dst[i], Is.EqualTo(HalfConversion.ToHalfScalar(src[i])), $"length {n}, element {i}");
            Assert.That(dst[n..], Is.All.EqualTo((ushort)0xABCD), "nothing written past the source's length");
        }
        Assert.Throws<ArgumentException>(() => HalfConversion.ToHalf(new float[4], new ushort[3]));
    }
}
