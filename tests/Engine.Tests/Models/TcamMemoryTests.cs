using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.Models;
using HdrOfx.Engine.Parallelism;
using HdrOfx.Engine.Reconstruction;
using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Cpu;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Models;

/// <summary>
/// Issue 13: `tcam` inference frees what it allocates per frame. A thousand frames at a small size (34×26, padded to
/// 36×28) through the method, each result disposed as the CLI and the plug-in do: after a warm-up neither the tensor
/// arena nor the image pool allocates anything fresh and the pool holds what it held, on the engine's threads and on
/// one; on one thread the live managed heap stays flat as well.
/// </summary>
[NonParallelizable]
public class TcamMemoryTests
{
    private const int Warmup = 20, Frames = 1000;

    /// <summary>Live managed heap growth allowed over a thousand frames: a leak of 1 KB a frame fails (one frame's HDR planes here are 10.6 KB).</summary>
    private const long HeapBound = 1 << 20;

    /// <summary>Pool growth allowed on several threads: a leaked 34×26 plane a frame would be 3.5 MB over the run.</summary>
    private const long PoolGrowthBound = 256 << 10;

    /// <param name="threads">0: the engine's default. The heap is checked on one thread only: the kernels keep per-thread
    /// buffers (the GEMM's pinned 3.2 MB packing panels), which grow with the thread pool, never with frames.</param>
    /// <param name="tile">The tiled full-resolution path's tile side (16: several tiles a frame); 0 = the whole-image path.</param>
    [TestCase(0, 0)]
    [TestCase(1, 0)]
    [TestCase(1, 16)]
    public void A_thousand_frames_allocate_nothing_new_after_warm_up(int threads, int tile)
    {
        var windows = new[] { 9ul, 10ul, 11ul }
            .Select(seed => TcamTestData.Window(size: 34, seed: seed).Select(f => (FrameInput?)new FrameInput(Crop(f!.Linear, 34, 26), f.Ev)).ToArray())
            .ToArray();
        using var net = new TcamNet(TcamConfig.Tiny, new Rng(21));
        var rng = new Rng(22);
        foreach (var (_, p) in net.NamedParameters()) Tensor.Randn(rng, p.Shape, 0.3f).Span.CopyTo(p.Span); // the head too: a non-zero residual
        net.InferenceTile = tile;
        var tcam = new TcamReconstruction(net);

        void Frame(int i)
        {
            using var result = tcam.Reconstruct(windows[i % windows.Length], 1, new ReconstructOptions(), default);
            Assert.That(result.Hdr.Width, Is.EqualTo(34));
        }

        int saved = ParallelRange.MaxThreads;
        if (threads > 0) ParallelRange.MaxThreads = threads;
        try
        {
            for (int i = 0; i < Warmup; i++) Frame(i);
            long heap0 = LiveHeap();
            long arena0 = TensorArena.BytesAllocated, fresh0 = Scratch.FreshBytes, retained0 = Scratch.RetainedBytes;
            for (int i = 0; i < Frames; i++) Frame(i);
            long heap1 = LiveHeap();
            TestContext.Out.WriteLine($"{ParallelRange.MaxThreads} thread(s), {Frames} frames: live managed heap {heap0} -> {heap1} bytes, " +
                $"arena fresh {TensorArena.BytesAllocated - arena0} bytes, pool fresh {Scratch.FreshBytes - fresh0} bytes, pool held {retained0} -> {Scratch.RetainedBytes} bytes");
            Assert.That(TensorArena.BytesAllocated - arena0, Is.EqualTo(0), "tensor arena allocations after the warm-up");
            if (threads == 1)
            {
                Assert.That(Scratch.FreshBytes - fresh0, Is.EqualTo(0), "image pool allocations after the warm-up");
                Assert.That(Scratch.RetainedBytes, Is.EqualTo(retained0), "image pool size");
            }
            else
            {
                // The two neighbours' flows are solved as concurrent jobs: the pool grows to the largest overlap the
                // scheduler happens to produce, once, which a warm-up cannot force. A leak is one buffer a frame.
                Assert.That(Scratch.FreshBytes - fresh0, Is.LessThan(PoolGrowthBound), "image pool allocations after the warm-up");
            }
            if (threads == 1) Assert.That(heap1 - heap0, Is.LessThan(HeapBound), "live managed heap growth");
        }
        finally { ParallelRange.MaxThreads = saved; }
    }

    /// <summary>Bytes of live objects after a full compacting collection.</summary>
    private static long LiveHeap()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var info = GC.GetGCMemoryInfo(GCKind.FullBlocking);
        return info.HeapSizeBytes - info.FragmentedBytes;
    }

    private static ImageF Crop(ImageF img, int w, int h)
    {
        var o = new ImageF(w, h, img.Channels);
        for (int c = 0; c < img.Channels; c++)
            for (int y = 0; y < h; y++)
                img.Row(c, y)[..w].CopyTo(o.Row(c, y));
        return o;
    }
}
