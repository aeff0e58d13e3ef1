namespace HdrOfx.Engine.Imaging;

/// <summary>
/// A small per-length pool of float buffers, so that a video render reuses its working planes
/// instead of allocating tens of megabytes per frame (large arrays go to the LOH and cost full GCs).
/// Rented arrays are exactly the requested length and NOT cleared. The classical method rents its planes here; the
/// plug-in rents its converted frames and returns them, and the merge's output, once a render is written: freshly
/// allocated large arrays cost a page fault and a kernel page clear per 4 KiB, which measured more than the conversion.
/// Return an array only when nothing else refers to it.
/// </summary>
public static class Scratch
{
    private const long MaxRetainedFloats = 96L * 1024 * 1024; // 384 MB
    private static readonly Dictionary<int, Stack<float[]>> Free = new();
    private static readonly object Gate = new();
    private static long _retained;

    public static float[] Rent(int length)
    {
        lock (Gate)
        {
            if (Free.TryGetValue(length, out var s) && s.Count > 0)
            {
                _retained -= length;
                return s.Pop();
            }
        }
        Interlocked.Add(ref _freshBytes, (long)length * sizeof(float));
        return GC.AllocateUninitializedArray<float>(length);
    }

    private static long _freshBytes;

    /// <summary>Bytes that <see cref="Rent"/> had to allocate because no pooled buffer fitted, since the process started (benchmarks read differences).</summary>
    public static long FreshBytes => Interlocked.Read(ref _freshBytes);

    public static float[] RentZeroed(int length)
    {
        var a = Rent(length);
        Array.Clear(a);
        return a;
    }

    /// <summary>Bytes held for reuse (at most 384 MB).</summary>
    public static long RetainedBytes
    {
        get { lock (Gate) return _retained * sizeof(float); }
    }

    /// <summary>Drops every retained buffer (a host's purge-caches request, memory pressure).</summary>
    public static void Clear()
    {
        lock (Gate)
        {
            Free.Clear();
            _retained = 0;
        }
    }

    public static void Return(float[]? a)
    {
        if (a is null || a.Length == 0) return;
        lock (Gate)
        {
            if (_retained + a.Length > MaxRetainedFloats) return;
            if (!Free.TryGetValue(a.Length, out var s)) Free[a.Length] = s = new Stack<float[]>();
            s.Push(a);
            _retained += a.Length;
        }
    }
}
