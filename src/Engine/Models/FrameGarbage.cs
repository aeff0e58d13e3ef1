namespace HdrOfx.Engine.Models;

/// <summary>
/// Bounds the managed memory of a long render. A 1080p `tcam` frame still leaves ~100 MB of large arrays to the GC (the
/// classical merge and flows, the residual and the output frame), and the GC, sizing its large-object budget on the
/// ~3.5 GB of arena buffers that survive every collection, let that garbage reach ~8 GB before collecting (measured:
/// resident memory 3.7 → 12 GB over 17 frames). So after a frame, once more than <see cref="Budget"/> bytes were
/// allocated since the last collection this started, a full blocking collection runs; the arena's float arrays hold no
/// references, so it takes milliseconds, and the next frames reuse the freed space instead of growing the process.
/// </summary>
internal static class FrameGarbage
{
    public const long Budget = 1L << 30;
    private static long _mark;

    public static void AfterFrame()
    {
        long allocated = GC.GetTotalAllocatedBytes(precise: false);
        long mark = Interlocked.Read(ref _mark);
        if (allocated - mark < Budget || Interlocked.CompareExchange(ref _mark, allocated, mark) != mark) return;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true);
    }
}
