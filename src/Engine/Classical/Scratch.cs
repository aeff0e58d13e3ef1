namespace HdrOfx.Engine.Classical;

/// <summary>
/// A small per-length pool of float buffers, so that a video render reuses its working planes
/// instead of allocating tens of megabytes per frame (large arrays go to the LOH and cost full GCs).
/// Rented arrays are exactly the requested length and NOT cleared.
/// </summary>
internal static class Scratch
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
        return new float[length];
    }

    public static float[] RentZeroed(int length)
    {
        var a = Rent(length);
        Array.Clear(a);
        return a;
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
