using System.Runtime.CompilerServices;

namespace HdrOfx.Engine.Tensors.Cpu;

/// <summary>
/// Size-bucketed pool of managed arrays: bucket b holds arrays of exactly 2^b elements.
/// Rent rounds up to the bucket; Return puts the array back. A training step that allocates the same
/// shapes every iteration therefore reuses the same arrays and the GC sees no churn after warm-up.
/// Thread-safe (one lock per bucket; ops rent/return once per tensor, never in inner loops).
/// </summary>
public static class TensorArena
{
    private const int MinBucket = 4;          // 16 elements
    private const int MaxBucket = 31;
    private const int MaxPerBucket = 64;

    private static readonly Stack<float[]>[] FloatBuckets = MakeBuckets<float>();
    private static readonly Stack<ushort[]>[] HalfBuckets = MakeBuckets<ushort>();
    private static long _rents, _misses, _bytesAllocated;

    private static Stack<T[]>[] MakeBuckets<T>()
    {
        var b = new Stack<T[]>[MaxBucket + 1];
        for (int i = 0; i < b.Length; i++) b[i] = new Stack<T[]>();
        return b;
    }

    /// <summary>Number of rent calls since start.</summary>
    public static long Rents => Interlocked.Read(ref _rents);

    /// <summary>Rents that had to allocate a fresh array.</summary>
    public static long Misses => Interlocked.Read(ref _misses);

    /// <summary>Bytes of fresh arrays allocated by the arena since start.</summary>
    public static long BytesAllocated => Interlocked.Read(ref _bytesAllocated);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int BucketOf(int length)
    {
        if (length <= 1 << MinBucket) return MinBucket;
        return 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)(length - 1));
    }

    /// <summary>An array of at least <paramref name="length"/> floats; contents are arbitrary.</summary>
    public static float[] RentFloat(int length) => Rent(FloatBuckets, length, 4);

    public static ushort[] RentHalf(int length) => Rent(HalfBuckets, length, 2);

    public static void Return(float[] a) => Return(FloatBuckets, a);

    public static void Return(ushort[] a) => Return(HalfBuckets, a);

    private static T[] Rent<T>(Stack<T[]>[] buckets, int length, int elemBytes)
    {
        if (length < 0) throw new ArgumentOutOfRangeException(nameof(length), $"length {length} is negative");
        Interlocked.Increment(ref _rents);
        int b = BucketOf(length);
        if (b > MaxBucket) throw new ArgumentOutOfRangeException(nameof(length), $"length {length} is too large");
        var s = buckets[b];
        lock (s)
        {
            if (s.Count > 0) return s.Pop();
        }
        Interlocked.Increment(ref _misses);
        long n = 1L << b;
        Interlocked.Add(ref _bytesAllocated, n * elemBytes);
        return GC.AllocateUninitializedArray<T>((int)Math.Min(n, Array.MaxLength));
    }

    private static void Return<T>(Stack<T[]>[] buckets, T[] a)
    {
        int b = BucketOf(a.Length);
        if (b > MaxBucket || (1L << b) != a.Length && a.Length != Array.MaxLength) return; // not ours: drop
        var s = buckets[b];
        lock (s)
        {
            if (s.Count < MaxPerBucket) s.Push(a);
        }
    }

    /// <summary>Drop every pooled array (e.g. after a large one-off job).</summary>
    public static void Trim()
    {
        foreach (var s in FloatBuckets) lock (s) s.Clear();
        foreach (var s in HalfBuckets) lock (s) s.Clear();
    }
}
