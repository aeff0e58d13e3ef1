using System.Diagnostics;
using HdrOfx.Engine.Models;
using HdrOfx.Engine.Parallelism;
using HdrOfx.Engine.Reconstruction;
using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Cpu;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Models;

/// <summary>Issue 13: inference frees what it allocates per frame, so memory stays bounded over 1,000 frames.</summary>
public class TcamMemoryTests
{
    /// <summary>
    /// 1,000 `tcam` frames (32×32, the tiled path with 16² tiles, and the whole-image path every tenth frame). After
    /// 100 warm-up frames the tensor arena allocates nothing new (every tensor of a frame went back to it), and the
    /// managed heap after a full collection grows by less than 256 KiB over the other 900. On one thread, so that no
    /// thread-pool thread started meanwhile adds its thread-local kernel buffers (1–3 MiB each) to the figure.
    /// </summary>
    [Test]
    public void MemoryStaysFlatOverAThousandFrames()
    {
        var frames = TcamProfileRunner.Window(32, 32);
        using var net = new TcamNet(TcamConfig.Compact, new Rng(3));
        var tcam = new TcamReconstruction(net);
        long arena = 0, heap = 0;
        var sw = Stopwatch.StartNew();
        int threads = ParallelRange.MaxThreads;
        ParallelRange.MaxThreads = 1;
        try
        {
            for (int f = 0; f < 1000; f++)
            {
                net.InferenceTile = f % 10 == 9 ? 0 : 16;
                tcam.Reconstruct(frames, 1, new ReconstructOptions(), default);
                if (f == 99)
                {
                    arena = TensorArena.BytesAllocated;
                    heap = GC.GetTotalMemory(forceFullCollection: true);
                }
            }
        }
        finally { ParallelRange.MaxThreads = threads; }
        long heapEnd = GC.GetTotalMemory(forceFullCollection: true);
        TestContext.Out.WriteLine($"1000 frames in {sw.Elapsed.TotalSeconds:F1} s; frames 100–999: arena {arena >> 10} → {TensorArena.BytesAllocated >> 10} KiB, " +
            $"managed heap {heap >> 10} → {heapEnd >> 10} KiB; peak RSS {Process.GetCurrentProcess().PeakWorkingSet64 >> 20} MiB");
        Assert.That(TensorArena.BytesAllocated, Is.EqualTo(arena), "the arena allocates nothing after the warm-up frames");
        Assert.That(heapEnd - heap, Is.LessThan(256 << 10), "managed heap growth over 900 frames");
    }
}
