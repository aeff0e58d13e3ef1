using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;

namespace HdrOfx.Interop.Support;

/// <summary>
/// UTF-8 strings for the C side. Strings handed to a host (property names, identifiers, labels) must
/// outlive every call (DESIGN §7), so they are interned once in unmanaged memory and never freed.
/// Strings a host returns are valid only until the next API call, so they are copied at once.
/// </summary>
public static unsafe class OfxStrings
{
    private static readonly ConcurrentDictionary<string, nint> Interned = new(StringComparer.Ordinal);

    /// <summary>A NUL-terminated UTF-8 copy of <paramref name="s"/> that lives for the process.</summary>
    public static byte* Intern(string s)
    {
        if (Interned.TryGetValue(s, out var p)) return (byte*)p;
        return (byte*)Interned.GetOrAdd(s, static k =>
        {
            int n = Encoding.UTF8.GetByteCount(k);
            var mem = (byte*)NativeMemory.Alloc((nuint)n + 1);
            Encoding.UTF8.GetBytes(k, new Span<byte>(mem, n));
            mem[n] = 0;
            return (nint)mem;
        });
        // A lost race leaks one small copy; that is harmless and keeps the fast path lock-free.
    }

    /// <summary>Copies a host's NUL-terminated UTF-8 string (null → null).</summary>
    public static string? Copy(byte* s) => s == null ? null : Marshal.PtrToStringUTF8((nint)s);

    /// <summary>True when the NUL-terminated string <paramref name="s"/> equals <paramref name="value"/> (ASCII fast path).</summary>
    public static bool EqualsAscii(byte* s, string value)
    {
        if (s == null) return false;
        int i = 0;
        for (; i < value.Length; i++)
        {
            if (s[i] == 0 || s[i] != value[i]) return false;
        }
        return s[i] == 0;
    }
}
