using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Cpu;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Tensors;

public class StorageTests
{
    [Test]
    public void F16AndBf16RoundTripWithinTheirPrecision()
    {
        var rng = new Rng(1);
        using var x = Tensor.Randn(rng, 3, 50);
        using var h = x.To(DType.F16);
        using var b = x.To(DType.BF16);
        Assert.That(h.DType, Is.EqualTo(DType.F16));
        using var h32 = h.To(DType.F32);
        using var b32 = b.To(DType.F32);
        var xv = x.ToArray(); var hv = h32.ToArray(); var bv = b32.ToArray();
        for (int i = 0; i < xv.Length; i++)
        {
            Assert.That(hv[i], Is.EqualTo((float)(Half)xv[i]));                       // IEEE round-to-nearest-even
            Assert.That(Math.Abs(bv[i] - xv[i]), Is.LessThanOrEqualTo(Math.Abs(xv[i]) * (1.0 / 256))); // 8-bit mantissa
        }
        Assert.That(h[1, 2], Is.EqualTo(hv[52]));
        Assert.Throws<ArgumentException>(() => _ = h + h); // compute is F32 only
    }

    [Test]
    public void RawBitsRoundTrip()
    {
        var bits = new ushort[] { 0x3C00, 0xC000, 0x0000, 0x7BFF }; // f16: 1, -2, 0, 65504
        using var h = Tensor.FromBits16(bits, DType.F16, new[] { 2, 2 });
        Assert.That(h.To(DType.F32).ToArray(), Is.EqualTo(new[] { 1f, -2f, 0f, 65504f }));
        Assert.That(h.Bits16Span.ToArray(), Is.EqualTo(bits));
        Assert.Throws<ArgumentException>(() => Tensor.FromBits16(bits, DType.BF16, new[] { 3 }));
    }

    [Test]
    public void Bf16RoundsToNearestEven()
    {
        Assert.That(CpuBackend.FloatToBf16(1f), Is.EqualTo((ushort)0x3F80));
        // 1 + 2^-8 is exactly halfway between 1 and 1 + 2^-7: ties to even (1.0)
        Assert.That(CpuBackend.FloatToBf16(1f + 1f / 256), Is.EqualTo((ushort)0x3F80));
        Assert.That(CpuBackend.FloatToBf16(1f + 3f / 256), Is.EqualTo((ushort)0x3F82));
        Assert.That(float.IsNaN(BitConverter.Int32BitsToSingle(CpuBackend.FloatToBf16(float.NaN) << 16)), Is.True);
        Assert.That(CpuBackend.FloatToBf16(float.PositiveInfinity), Is.EqualTo((ushort)0x7F80));
    }

    [Test]
    public void ArenaReusesBuffersAfterDispose()
    {
        // warm the bucket, then a steady-state loop should allocate nothing new
        for (int i = 0; i < 3; i++) Tensor.Zeros(1000, 37).Dispose();
        long before = TensorArena.Misses;
        for (int i = 0; i < 50; i++)
        {
            using var scope = new TensorScope();
            var a = Tensor.Ones(1000, 37);
            var b = a * 2f + a;
            _ = b.Sum();
        }
        Assert.That(TensorArena.Misses - before, Is.LessThanOrEqualTo(2));
    }

    [Test]
    public void ViewsKeepStorageAliveUntilTheLastDispose()
    {
        var x = Tensor.Arange(10);
        var v = x.Narrow(0, 2, 3);
        x.Dispose();
        Assert.That(v.ToArray(), Is.EqualTo(new[] { 2f, 3f, 4f }));
        v.Dispose();
        Assert.That(x.Storage.IsReleased, Is.True);
        Assert.Throws<ObjectDisposedException>(() => v.ToArray());
    }

    [Test]
    public void FactoriesValidate()
    {
        Assert.Throws<ArgumentException>(() => Tensor.FromArray(new float[5], 2, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Zeros(2, -1));
        using var s = Tensor.Scalar(4f);
        Assert.That(s.Rank, Is.EqualTo(0));
        Assert.That(s.Item(), Is.EqualTo(4f));
        using var z = Tensor.Zeros(0, 3);
        Assert.That(z.Numel, Is.EqualTo(0));
        Assert.That(Tensor.Zeros(2, 3).Device, Is.EqualTo(Device.Cpu));
        Assert.That(Backends.IsAvailable(new Device(DeviceKind.Cuda)), Is.False);
    }
}

public class RngTests
{
    [Test]
    public void SameSeedSameSequence()
    {
        var a = new Rng(42); var b = new Rng(42); var c = new Rng(43);
        for (int i = 0; i < 100; i++) Assert.That(a.NextUInt64(), Is.EqualTo(b.NextUInt64()));
        Assert.That(new Rng(42).NextUInt64(), Is.Not.EqualTo(c.NextUInt64()));
        using var t1 = Tensor.Randn(new Rng(7), 4, 5);
        using var t2 = Tensor.Randn(new Rng(7), 4, 5);
        Assert.That(t1.ToArray(), Is.EqualTo(t2.ToArray()));
    }

    [Test]
    public void GoldenValuesAreStable()
    {
        // pins the generator: a change here silently changes every seeded init and data set
        var r = new Rng(0);
        Assert.That(r.NextUInt64(), Is.EqualTo(GoldenFirst));
    }

    // first output of xoshiro256** seeded with splitmix64(0)
    private const ulong GoldenFirst = 0x99EC5F36CB75F2B4UL;

    [Test]
    public void MomentsOfUniformAndNormal()
    {
        var r = new Rng(3);
        int n = 200_000;
        double su = 0, sn = 0, sn2 = 0;
        for (int i = 0; i < n; i++) { su += r.NextDouble(); double z = r.NextNormal(); sn += z; sn2 += z * z; }
        Assert.That(su / n, Is.EqualTo(0.5).Within(0.005));
        Assert.That(sn / n, Is.EqualTo(0).Within(0.01));
        Assert.That(sn2 / n, Is.EqualTo(1).Within(0.01));
        for (int i = 0; i < 1000; i++) Assert.That(r.NextInt(7), Is.InRange(0, 6));
    }
}
