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

    [Test]
    public void A_second_return_of_the_same_buffer_throws()
    {
        const int n = 12_349;
        var a = Scratch.Rent(n);
        Scratch.Return(a);
        var ex = Assert.Throws<InvalidOperationException>(() => Scratch.Return(a));
        Assert.That(ex!.Message, Does.Contain("returned to the pool twice"));
        Assert.That(Scratch.Rent(n), Is.SameAs(a));
        Assert.That(Scratch.Rent(n), Is.Not.SameAs(a), "the pool held the buffer once, not twice");
        Scratch.Clear();
    }

    [Test]
    public void Returning_an_images_buffer_by_hand_and_then_disposing_the_image_is_a_double_return()
    {
        var img = ImageF.Rent(7, 5, 3);
        Scratch.Return(img.Data); // the old Recycle-by-array style, behind the owner's back
        Assert.Throws<InvalidOperationException>(img.Dispose);
        Scratch.Clear();
    }

    [Test]
    public void A_disposed_image_refuses_every_access_and_gives_its_buffer_back_once()
    {
        Scratch.Clear();
        var img = ImageF.Rent(9, 4, 3);
        var buffer = img.Data;
        img.Dispose();
        img.Dispose();
        Assert.Throws<ObjectDisposedException>(() => _ = img.Data);
        Assert.Throws<ObjectDisposedException>(() => img.Plane(0));
        Assert.Throws<ObjectDisposedException>(() => _ = img[0, 0, 0]);
        Assert.That(Scratch.Rent(buffer.Length), Is.SameAs(buffer), "the buffer went back to the pool");
        Assert.That(Scratch.RetainedBytes, Is.EqualTo(0), "and only once");
        var plain = new ImageF(9, 4, 3);
        plain.Dispose();
        Assert.Throws<ObjectDisposedException>(() => _ = plain.Data, "an allocated image is unusable after Dispose too");
    }

    [Test]
    public void With_checks_a_write_after_return_is_caught_at_the_next_rent_and_a_read_sees_NaN()
    {
        bool was = Scratch.Checks;
        try
        {
            Scratch.Checks = true;
            const int n = 12_351;
            var a = Scratch.Rent(n);
            Scratch.Return(a);
            Assert.That(float.IsNaN(a[n / 2]), Is.True, "a read after the return sees the poison");
            a[n - 1] = 0.5f; // the stale user writes on
            var ex = Assert.Throws<InvalidOperationException>(() => Scratch.Rent(n));
            Assert.That(ex!.Message, Does.Contain("written after its return").And.Contain($"element {n - 1}"));

            var b = Scratch.Rent(n);
            Scratch.Return(b);
            Assert.That(Scratch.Rent(n), Is.SameAs(b), "an untouched buffer passes the check");
        }
        finally
        {
            Scratch.Checks = was;
        }
    }
}
