using HdrOfx.Engine.Imaging;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Imaging;

[NonParallelizable]
public class ScratchTests
{
    [Test]
    public void Returned_buffers_are_reused_by_length_and_cleared_on_request()
    {
        const int n = 12_347; // a length no other test rents
        var a = Scratch.Rent(n);
        Assert.That(a, Has.Length.EqualTo(n));
        Scratch.Return(a);
        Assert.That(Scratch.Rent(n), Is.SameAs(a), "the returned array comes back");
        Scratch.Return(a);
        Assert.That(Scratch.RetainedBytes, Is.GreaterThanOrEqualTo(n * 4L));
        Scratch.Clear();
        Assert.That(Scratch.RetainedBytes, Is.EqualTo(0));
        Assert.That(Scratch.Rent(n), Is.Not.SameAs(a), "after Clear a fresh array is made");
        var z = Scratch.RentZeroed(n);
        Assert.That(z.All(v => v == 0f), Is.True);
    }

    [Test]
    public void The_pool_never_holds_more_than_its_cap()
    {
        Scratch.Clear();
        const int n = 16 * 1024 * 1024; // 64 MB each; the cap is 384 MB
        var arrays = Enumerable.Range(0, 8).Select(_ => Scratch.Rent(n)).ToArray();
        foreach (var a in arrays) Scratch.Return(a);
        Assert.That(Scratch.RetainedBytes, Is.LessThanOrEqualTo(384L * 1024 * 1024));
        Assert.That(Scratch.RetainedBytes, Is.GreaterThanOrEqualTo(5L * n * 4), "up to the cap is kept");
        Scratch.Clear();
    }
}
