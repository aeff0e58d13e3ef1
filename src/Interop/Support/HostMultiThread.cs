using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using HdrOfx.Interop.Native;

namespace HdrOfx.Interop.Support;

/// <summary>
/// The host's multithread suite (kOfxMultiThreadSuite) for managed code: how many threads the host offers, and a run of
/// indexed bodies on them. Splitting work into bands is the caller's business (the plug-in's adapter onto the engine's
/// parallel loop, HdrOfx.Plugin.HostThreads). Without a suite, or on one of the host's own threads (the suite does not
/// nest), everything runs on the calling thread.
/// </summary>
public static unsafe class HostMultiThread
{
    /// <summary>Threads the host offers to this thread (1 when it has no suite or the caller is one of its threads; at most 64).</summary>
    public static int Threads
    {
        get
        {
            var mt = OfxHostSuites.MultiThread;
            if (mt == null || mt->MultiThread == null || mt->MultiThreadNumCPUs == null) return 1;
            if (mt->MultiThreadIsSpawnedThread != null && mt->MultiThreadIsSpawnedThread() != 0) return 1;
            uint n;
            return mt->MultiThreadNumCPUs(&n) == OfxStatus.OK && n > 1 ? (int)Math.Min(n, 64u) : 1;
        }
    }

    private sealed class State(Action<int> body)
    {
        public readonly Action<int> Body = body;
        public Exception? Error;
    }

    /// <summary>
    /// Runs <paramref name="body"/>(i) for i in [0, <paramref name="count"/>) on the host's threads, or here in order when
    /// the host has none to give or cannot spawn them. After the first exception no further body starts; it is rethrown.
    /// </summary>
    public static void Run(int count, Action<int> body)
    {
        if (count <= 0) return;
        var state = new State(body);
        var mt = OfxHostSuites.MultiThread;
        if (count == 1 || Threads <= 1)
        {
            for (int i = 0; i < count; i++) RunOne(state, i);
        }
        else
        {
            var gc = GCHandle.Alloc(state);
            try
            {
                if (mt->MultiThread(&Band, (uint)count, (void*)GCHandle.ToIntPtr(gc)) != OfxStatus.OK)
                    for (int i = 0; i < count; i++) RunOne(state, i); // the host could not spawn: do them here, in order
            }
            finally
            {
                gc.Free();
            }
        }
        if (state.Error != null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(state.Error);
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void Band(uint index, uint max, void* arg)
    {
        try
        {
            RunOne((State)GCHandle.FromIntPtr((nint)arg).Target!, (int)index);
        }
        catch
        {
            // RunOne records errors; nothing may escape into the host's thread.
        }
    }

    private static void RunOne(State s, int index)
    {
        if (Volatile.Read(ref s.Error) != null) return;
        try
        {
            s.Body(index);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref s.Error, e, null);
        }
    }
}
