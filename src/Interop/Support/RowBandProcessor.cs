using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using HdrOfx.Interop.Native;

namespace HdrOfx.Interop.Support;

/// <summary>Work over a band of rows [y1, y2) of a render window.</summary>
public abstract class RowBandJob
{
    /// <summary>Processes rows y1..y2-1. Runs on host threads; must not touch shared mutable state.</summary>
    public abstract void ProcessRows(int y1, int y2);
}

/// <summary>
/// Splits a row range into bands across the host's multithread suite (as ofxsProcessing.H does),
/// or runs inline when the host has no such suite, when called from a host-spawned thread, or
/// when the range is small. The first exception thrown in any band is rethrown to the caller.
/// Abort is checked between bands through <paramref name="isAborted"/>.
/// </summary>
public static unsafe class RowBandProcessor
{
    public const int MinRowsPerBand = 16;

    private sealed class State
    {
        public required RowBandJob Job;
        public required int Y1, Y2, Bands;
        public required Func<bool>? IsAborted;
        public Exception? Error;
        public int Aborted;
    }

    public static void Run(RowBandJob job, int y1, int y2, Func<bool>? isAborted = null, int maxThreads = 0)
    {
        int rows = y2 - y1;
        if (rows <= 0) return;
        int threads = 1;
        var mt = OfxHostSuites.MultiThread;
        if (mt != null && mt->MultiThread != null && mt->MultiThreadNumCPUs != null
            && (mt->MultiThreadIsSpawnedThread == null || mt->MultiThreadIsSpawnedThread() == 0))
        {
            uint n;
            if (mt->MultiThreadNumCPUs(&n) == OfxStatus.OK && n > 1) threads = (int)Math.Min(n, 64u);
        }
        if (maxThreads > 0) threads = Math.Min(threads, maxThreads);
        threads = Math.Max(1, Math.Min(threads, rows / MinRowsPerBand));

        var state = new State { Job = job, Y1 = y1, Y2 = y2, Bands = threads, IsAborted = isAborted };
        if (threads == 1)
        {
            if (isAborted?.Invoke() == true) throw new OfxAbortException();
            job.ProcessRows(y1, y2);
            return;
        }

        var gc = GCHandle.Alloc(state);
        try
        {
            int st = mt->MultiThread(&Band, (uint)threads, (void*)GCHandle.ToIntPtr(gc));
            if (st != OfxStatus.OK)
            {
                // The host could not spawn: do the bands here, in order.
                for (uint i = 0; i < threads; i++) RunBand(state, i, (uint)threads);
            }
        }
        finally
        {
            gc.Free();
        }
        if (state.Error != null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(state.Error);
        if (state.Aborted != 0) throw new OfxAbortException();
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void Band(uint index, uint max, void* arg)
    {
        try
        {
            var state = (State)GCHandle.FromIntPtr((nint)arg).Target!;
            RunBand(state, index, max);
        }
        catch
        {
            // RunBand records errors; nothing may escape into the host's thread.
        }
    }

    private static void RunBand(State s, uint index, uint max)
    {
        try
        {
            if (Volatile.Read(ref s.Aborted) != 0 || s.Error != null) return;
            if (s.IsAborted?.Invoke() == true) { Volatile.Write(ref s.Aborted, 1); return; }
            int rows = s.Y2 - s.Y1;
            int a = s.Y1 + (int)((long)rows * index / max);
            int b = s.Y1 + (int)((long)rows * (index + 1) / max);
            if (b > a) s.Job.ProcessRows(a, b);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref s.Error, e, null);
        }
    }
}
