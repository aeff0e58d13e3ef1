using HdrOfx.Engine.Imaging;
using HdrOfx.Interop.Native;
using HdrOfx.Interop.Support;

namespace HdrOfx.Plugin;

/// <summary>
/// Converted (linear, planar) source frames reused across renders, so that rendering in order converts each source
/// frame once instead of once per render that uses it (2r + 1 times).
/// <para>
/// Reuse is only safe while the upstream image of a time cannot change. Two things give that: a non-interactive
/// sequence render (Resolve's Deliver, Nuke's Write), which starts empty, matches frames by time alone and drops its
/// entries at its end; and, outside one (the viewer), the host's kOfxImagePropUniqueIdentifier, which the spec makes change
/// whenever an image may have changed: an entry keyed by a non-empty identifier is reused only by an image carrying
/// the same one. Without an identifier an interactive render always converts afresh. Everything is dropped on any
/// InstanceChanged (a parameter or clip change), on purge and on destroy, and the Reuse Converted Frames parameter turns
/// reuse off altogether. Entries are shared read-only by concurrent renders and reference-counted: an evicted entry's
/// buffers go back to the pool when its last user releases it. No host image is kept: entries are copies.
/// </para>
/// </summary>
internal sealed class ConvertedFrameCache
{
    internal readonly record struct Key(double Time, OfxRectI Bounds, PixelDepth Depth, PixelComponents Components, TransferFunction Transfer,
        string Identity);

    internal sealed class Entry
    {
        public required Key Key { get; init; }
        public required ImageF Linear { get; init; }
        public required float[]? Alpha { get; init; }
        internal int Users;
        internal bool Stored;
        internal long Stamp;
        internal long Bytes => 4L * (Linear.Data.Length + (Alpha?.Length ?? 0));
    }

    /// <summary>Most bytes of converted frames kept, whatever the entry limit (4K: 4 frames).</summary>
    public const long MaxBytes = 640L * 1024 * 1024;

    private readonly object _gate = new();
    private readonly List<Entry> _entries = new();
    private int _batchSequences;
    private long _clock, _bytes;

    /// <summary>Whether a conversion under <paramref name="key"/> may be stored and reused (see the class remarks).</summary>
    public bool Reusable(in Key key, bool allowed)
    {
        if (!allowed) return false;
        lock (_gate) return UsableLocked(key);
    }

    private bool UsableLocked(in Key key) => _batchSequences > 0 || key.Identity.Length > 0;

    public void BeginSequence(bool interactive)
    {
        if (interactive) return;
        lock (_gate)
        {
            // A batch sequence matches frames by time alone (a host may give every fetch a new identifier), so nothing
            // kept from before it, when an edit may have happened since, may be matched that way.
            if (_batchSequences++ == 0) ClearLocked();
        }
    }

    public void EndSequence(bool interactive)
    {
        if (interactive) return;
        lock (_gate)
        {
            if (_batchSequences > 0) _batchSequences--;
            if (_batchSequences == 0) ClearLocked();
        }
    }

    public void Clear()
    {
        lock (_gate) ClearLocked();
    }

    /// <summary>A stored conversion of this key (its use count raised), or null.</summary>
    public Entry? Acquire(in Key key, bool allowed)
    {
        if (!allowed) return null;
        lock (_gate)
        {
            if (!UsableLocked(key)) return null;
            foreach (var e in _entries)
            {
                // Inside a batch sequence the frame is enough; outside, the host's identifier must match too.
                if (e.Key with { Identity = "" } != key with { Identity = "" }) continue;
                if (_batchSequences == 0 && e.Key.Identity != key.Identity) continue;
                e.Users++;
                e.Stamp = ++_clock;
                return e;
            }
            return null;
        }
    }

    /// <summary>
    /// Takes ownership of a fresh conversion (in use by the caller); stores it when <see cref="Reusable"/>, keeping
    /// at most <paramref name="maxEntries"/> (the render window plus one: a render in order then evicts exactly the frame
    /// that left the window, whose buffers the next conversion rents again instead of faulting in fresh memory).
    /// </summary>
    public Entry Add(in Key key, ImageF linear, float[]? alpha, int maxEntries, bool allowed)
    {
        var e = new Entry { Key = key, Linear = linear, Alpha = alpha, Users = 1 };
        lock (_gate)
        {
            if (!allowed || !UsableLocked(key) || alpha is null) return e;
            e.Stored = true;
            e.Stamp = ++_clock;
            _entries.Add(e);
            _bytes += e.Bytes;
            TrimLocked(maxEntries, keep: e);
            return e;
        }
    }

    /// <summary>
    /// Before converting a frame that will be stored: evicts down to <paramref name="maxEntries"/> − 1 entries, so the
    /// buffers of the frame that left the window are back in the pool for this very conversion.
    /// </summary>
    public void Reserve(int maxEntries)
    {
        lock (_gate) TrimLocked(maxEntries - 1, keep: null);
    }

    /// <summary>Evicts the least recently used entries (never <paramref name="keep"/>) while more than
    /// <paramref name="maxEntries"/> are stored or they exceed <see cref="MaxBytes"/>.</summary>
    private void TrimLocked(int maxEntries, Entry? keep)
    {
        while (_entries.Count > Math.Max(maxEntries, 0) || _bytes > MaxBytes)
        {
            var oldest = _entries.Where(x => x != keep).MinBy(x => x.Stamp);
            if (oldest is null) return;
            RemoveLocked(oldest);
        }
    }

    /// <summary>Ends the caller's use; an entry no longer stored returns its buffers to the pool with its last user.</summary>
    public void Release(Entry e)
    {
        lock (_gate)
        {
            e.Users--;
            if (e.Users == 0 && !e.Stored) Recycle(e);
        }
    }

    private void ClearLocked()
    {
        foreach (var e in _entries.ToArray()) RemoveLocked(e);
    }

    private void RemoveLocked(Entry e)
    {
        _entries.Remove(e);
        _bytes -= e.Bytes;
        e.Stored = false;
        if (e.Users == 0) Recycle(e);
    }

    private static void Recycle(Entry e)
    {
        e.Linear.Dispose();
        Scratch.Return(e.Alpha);
    }
}
