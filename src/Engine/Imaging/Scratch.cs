namespace HdrOfx.Engine.Imaging;

/// <summary>
/// A small per-length pool of float buffers, so that a video render reuses its working planes
/// instead of allocating tens of megabytes per frame (large arrays go to the LOH and cost full GCs).
/// Rented arrays are exactly the requested length and NOT cleared. Images own their pooled planes through
/// <see cref="ImageF.Rent"/> and give them back when disposed; raw working buffers are rented and returned by the
/// code that uses them. Return an array only when nothing else refers to it: a second return of a retained array
/// throws, and with <see cref="Checks"/> on a write after the return is caught at the next rent.
/// </summary>
public static class Scratch
{
    private const long MaxRetainedFloats = 96L * 1024 * 1024; // 384 MB
    private static readonly Dictionary<int, Stack<float[]>> Free = new();
    private static readonly HashSet<float[]> Retained = new(ReferenceEqualityComparer.Instance);
    private static readonly object Gate = new();
    private static long _retained;
    private static bool _checks = CheckedByDefault();

    /// <summary>The bit pattern a returned buffer holds while <see cref="Checks"/> is on: a quiet NaN, so a read after return shows.</summary>
    public const uint PoisonBits = 0x7FC0_DEADu;

    private static bool CheckedByDefault()
    {
#if DEBUG
        return true;
#else
        return Environment.GetEnvironmentVariable("HDROFX_POOL_CHECKS") == "1";
#endif
    }

    /// <summary>
    /// Use-after-return checks (on in Debug builds and with HDROFX_POOL_CHECKS=1): a returned buffer is filled with
    /// <see cref="PoisonBits"/>, and renting it again verifies that nobody wrote to it meanwhile. Changing the setting
    /// empties the pool, so only buffers returned under the new setting are verified.
    /// </summary>
    public static bool Checks
    {
        get { lock (Gate) return _checks; }
        set
        {
            lock (Gate)
            {
                _checks = value;
                ClearLocked();
            }
        }
    }

    public static float[] Rent(int length)
    {
        lock (Gate)
        {
            if (Free.TryGetValue(length, out var s) && s.Count > 0)
            {
                var a = s.Pop();
                Retained.Remove(a);
                _retained -= length;
                if (_checks) VerifyPoison(a);
                return a;
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
        lock (Gate) ClearLocked();
    }

    private static void ClearLocked()
    {
        Free.Clear();
        Retained.Clear();
        _retained = 0;
    }

    public static void Return(float[]? a)
    {
        if (a is null || a.Length == 0) return;
        lock (Gate)
        {
            if (Retained.Contains(a))
                throw new InvalidOperationException($"a buffer of {a.Length} floats was returned to the pool twice");
            if (_retained + a.Length > MaxRetainedFloats) return;
            if (_checks) a.AsSpan().Fill(BitConverter.UInt32BitsToSingle(PoisonBits));
            if (!Free.TryGetValue(a.Length, out var s)) Free[a.Length] = s = new Stack<float[]>();
            s.Push(a);
            Retained.Add(a);
            _retained += a.Length;
        }
    }

    private static void VerifyPoison(float[] a)
    {
        var bits = System.Runtime.InteropServices.MemoryMarshal.Cast<float, uint>(a.AsSpan());
        int i = bits.IndexOfAnyExcept(PoisonBits);
        if (i >= 0)
            throw new InvalidOperationException($"a pooled buffer of {a.Length} floats was written after its return (element {i})");
    }
}
