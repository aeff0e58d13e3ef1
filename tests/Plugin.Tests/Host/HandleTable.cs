using System.Collections.Concurrent;

namespace HdrOfx.Plugin.Tests.Host;

/// <summary>
/// Opaque handles for the test host: small integers that are not pointers (a plug-in that
/// dereferences a blind handle crashes here at once), checked on every call so a released or
/// foreign handle gets kOfxStatErrBadHandle instead of undefined behaviour.
/// </summary>
public static class HandleTable
{
    private static readonly ConcurrentDictionary<nint, object> Live = new();
    private static long _next = 0x10000;

    public static nint Add(object o)
    {
        nint h = (nint)Interlocked.Add(ref _next, 16);
        Live[h] = o;
        return h;
    }

    public static T? Get<T>(nint h) where T : class => h != 0 && Live.TryGetValue(h, out var o) ? o as T : null;

    public static void Remove(nint h) => Live.TryRemove(h, out _);

    public static int Count => Live.Count;
}
