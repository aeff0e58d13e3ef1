using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Cuda;
using HdrOfx.Engine.Tests.Tensors.Cuda.Emulator;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Tensors.Cuda;

[NonParallelizable]
public class DeviceMemoryPoolTests
{
    private static EmulatedCudaApi Api(long budget = long.MaxValue)
    {
        if (!CudaEmulator.TryGet(out var lib, out string why)) Prerequisite.Missing("no CUDA emulator: " + why);
        return new EmulatedCudaApi(lib, budget);
    }

    [TestCase(1, 512)]
    [TestCase(512, 512)]
    [TestCase(513, 1024)]
    [TestCase(1 << 20, 1 << 20)]
    [TestCase((1 << 20) + 1, 2 << 20)]
    [TestCase(5L << 20, 6L << 20)]
    public void Sizes_round_to_512_bytes_then_2_MiB(long bytes, long rounded) =>
        Assert.That(DeviceMemoryPool.RoundUp(bytes), Is.EqualTo(rounded));

    [Test]
    public void Freed_blocks_are_reused_on_their_own_stream_only()
    {
        var api = Api();
        using var pool = new DeviceMemoryPool(api);
        var a = pool.Rent(1000, stream: 1);
        nint p = a.Ptr;
        pool.Return(a);
        Assert.That(pool.CachedBytes, Is.EqualTo(1024));
        var b = pool.Rent(900, stream: 2);
        Assert.That(b.Ptr, Is.Not.EqualTo(p), "another stream never gets the block");
        var c = pool.Rent(1000, stream: 1);
        Assert.That(c.Ptr, Is.EqualTo(p));
        Assert.That(pool.CacheHits, Is.EqualTo(1));
        Assert.That(pool.DeviceAllocations, Is.EqualTo(2));
        pool.Return(b); pool.Return(c);
        Assert.Throws<InvalidOperationException>(() => pool.Return(c), "a double return is caught");
    }

    [Test]
    public void A_request_takes_a_cached_block_up_to_a_quarter_larger_but_not_more()
    {
        var api = Api();
        using var pool = new DeviceMemoryPool(api);
        var big = pool.Rent(10L << 20, 1);
        pool.Return(big);
        var ok = pool.Rent(9L << 20, 1); // 10 MiB block for a 10 MiB rounded request: reused
        Assert.That(ok.Ptr, Is.EqualTo(big.Ptr));
        pool.Return(ok);
        var small = pool.Rent(4L << 20, 1); // 10 MiB for 4 MiB would waste more than a quarter: fresh
        Assert.That(small.Ptr, Is.Not.EqualTo(big.Ptr));
        pool.Return(small);
    }

    [Test]
    public void A_thousand_steps_of_the_same_working_set_stop_allocating()
    {
        var api = Api();
        using var pool = new DeviceMemoryPool(api);
        var sizes = new long[] { 4096, 1 << 20, 3 << 20, 777, 64 << 10 };
        for (int step = 0; step < 1000; step++)
        {
            var blocks = sizes.Select(s => pool.Rent(s, 1)).ToList();
            foreach (var b in blocks) pool.Return(b);
            if (step == 0) Assert.That(pool.DeviceAllocations, Is.EqualTo(sizes.Length));
        }
        Assert.That(pool.DeviceAllocations, Is.EqualTo(sizes.Length), "no allocation after the first step");
        Assert.That(pool.InUseBytes, Is.Zero);
        Assert.That(api.LiveBytes, Is.EqualTo(pool.CachedBytes));
        pool.ReleaseCached();
        Assert.That(api.LiveBytes, Is.Zero);
    }

    [Test]
    public void When_the_device_is_full_the_cache_is_released_and_the_request_retried()
    {
        var api = Api(budget: 8L << 20);
        using var pool = new DeviceMemoryPool(api);
        var a = pool.Rent(6L << 20, 1);
        pool.Return(a); // cached: the device still holds 6 MiB
        var b = pool.Rent(7L << 20, 1); // does not fit beside the cached block: cache released, then it fits
        Assert.That(pool.CachedBytes, Is.Zero);
        Assert.That(pool.InUseBytes, Is.EqualTo(8L << 20));
        pool.Return(b);
    }

    [Test]
    public void An_allocation_larger_than_the_device_is_a_clear_catchable_error()
    {
        var api = Api(budget: 64L << 20);
        using var pool = new DeviceMemoryPool(api);
        var e = Assert.Throws<CudaException>(() => pool.Rent(1L << 40, 1));
        Assert.That(e!.IsOutOfMemory, Is.True);
        Assert.That(e.Message, Does.StartWith("CUDA out of memory: could not allocate 1048576.0 MiB"));
        Assert.That(e.Message, Does.Contain("emulated CUDA device").And.Contain("free of"));
        var fine = pool.Rent(1 << 20, 1); // the pool still works afterwards
        pool.Return(fine);
    }

    [Test]
    public void Device_tensors_return_their_blocks_to_the_pool_and_a_huge_tensor_fails_clearly()
    {
        if (!CudaEmulator.TryGet(out var lib, out string why)) Prerequisite.Missing("no CUDA emulator: " + why);
        var api = new EmulatedCudaApi(lib, budgetBytes: 256L << 20);
        using var gpu = new CudaBackend(api, index: 14);
        Backends.Register(gpu);
        for (int i = 0; i < 1000; i++)
        {
            using var scope = new TensorScope();
            var x = Tensor.Full([64, 64], 1f, gpu.Device);
            var y = x.MulScalar(2f).Exp();
            Assert.That(y.Shape, Is.EqualTo(new[] { 64, 64 }));
        }
        Assert.That(gpu.Pool.InUseBytes, Is.Zero, "every storage went back");
        Assert.That(gpu.Pool.DeviceAllocations, Is.LessThanOrEqualTo(3), "1,000 steps allocate from the device only in the first");
        var e = Assert.Throws<CudaException>(() => Tensor.Empty([1 << 29, 2], gpu.Device).Dispose());
        Assert.That(e!.IsOutOfMemory, Is.True);
    }
}
