using System.Runtime.InteropServices;
using System.Text;

namespace HdrOfx.Plugin.Tests.Host;

public enum PropType { Int, Double, String, Pointer }

public sealed class HostProp
{
    public required PropType Type;
    public object[] Values = [];
    public bool ReadOnly;
}

/// <summary>
/// A property set of the test host. Strict where the spec is: type mismatches give kOfxStatErrValue,
/// an index past the dimension kOfxStatErrBadIndex, an unknown name kOfxStatErrUnknown on get.
/// When <see cref="Open"/> is false, setting an unknown property is kOfxStatErrUnknown too.
/// </summary>
public sealed class HostPropertySet
{
    public string Kind { get; }
    public nint Handle { get; }
    public bool Open { get; set; } = true;
    private readonly Dictionary<string, HostProp> _props = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    /// <summary>Every name the plug-in set on this set (to catch misspelt property names).</summary>
    public readonly HashSet<string> NamesSetByPlugin = new(StringComparer.Ordinal);

    public HostPropertySet(string kind)
    {
        Kind = kind;
        Handle = HandleTable.Add(this);
    }

    public void Release() => HandleTable.Remove(Handle);

    public HostPropertySet Define(string name, PropType type, params object[] values)
    {
        lock (_gate) _props[name] = new HostProp { Type = type, Values = values };
        return this;
    }

    /// <summary>Takes a property away, so that the plug-in's use of it fails as with an unknown name.</summary>
    public void Remove(string name)
    {
        lock (_gate) _props.Remove(name);
    }

    public HostPropertySet DefineRO(string name, PropType type, params object[] values)
    {
        lock (_gate) _props[name] = new HostProp { Type = type, Values = values, ReadOnly = true };
        return this;
    }

    public HostPropertySet Int(string name, params int[] v) => Define(name, PropType.Int, v.Cast<object>().ToArray());
    public HostPropertySet Dbl(string name, params double[] v) => Define(name, PropType.Double, v.Cast<object>().ToArray());
    public HostPropertySet Str(string name, params string[] v) => Define(name, PropType.String, v.Cast<object>().ToArray());
    public HostPropertySet Ptr(string name, nint v) => Define(name, PropType.Pointer, v);

    public bool Has(string name) { lock (_gate) return _props.ContainsKey(name); }

    public object[]? Values(string name) { lock (_gate) return _props.TryGetValue(name, out var p) ? p.Values.ToArray() : null; }

    public int GetInt(string name, int i = 0) => Convert.ToInt32(Values(name)![i]);
    public double GetDouble(string name, int i = 0) => Convert.ToDouble(Values(name)![i]);
    public string GetString(string name, int i = 0) => (string)Values(name)![i];
    public string[] GetStrings(string name) => Values(name)?.Cast<string>().ToArray() ?? [];
    public double[] GetDoubles(string name) => Values(name)?.Select(Convert.ToDouble).ToArray() ?? [];
    public nint GetPointer(string name) => (nint)Values(name)![0];

    public IReadOnlyList<string> Names { get { lock (_gate) return _props.Keys.ToList(); } }

    public HostPropertySet CloneAs(string kind)
    {
        var c = new HostPropertySet(kind);
        lock (_gate)
            foreach (var (k, v) in _props) c._props[k] = new HostProp { Type = v.Type, Values = v.Values.ToArray(), ReadOnly = v.ReadOnly };
        return c;
    }

    // ---- the suite side ----

    internal int Set(string name, PropType type, int index, object value)
    {
        lock (_gate)
        {
            if (index < 0) return Ofx.ErrBadIndex;
            if (!_props.TryGetValue(name, out var p))
            {
                if (!Open) return Ofx.ErrUnknown;
                p = _props[name] = new HostProp { Type = type };
            }
            if (p.Type != type) return Ofx.ErrValue;
            if (p.ReadOnly) return Ofx.ErrValue;
            if (index >= p.Values.Length)
            {
                var v = new object[index + 1];
                Array.Copy(p.Values, v, p.Values.Length);
                for (int i = p.Values.Length; i < index; i++) v[i] = Default(type);
                p.Values = v;
            }
            p.Values[index] = value;
            NamesSetByPlugin.Add(name);
            return Ofx.OK;
        }
    }

    internal int SetN(string name, PropType type, object[] values)
    {
        lock (_gate)
        {
            if (!_props.TryGetValue(name, out var p))
            {
                if (!Open) return Ofx.ErrUnknown;
                p = _props[name] = new HostProp { Type = type };
            }
            if (p.Type != type || p.ReadOnly) return Ofx.ErrValue;
            p.Values = values;
            NamesSetByPlugin.Add(name);
            return Ofx.OK;
        }
    }

    internal int Get(string name, PropType type, int index, out object? value)
    {
        lock (_gate)
        {
            value = null;
            if (!_props.TryGetValue(name, out var p)) return Ofx.ErrUnknown;
            if (p.Type != type) return Ofx.ErrValue;
            if (index < 0 || index >= p.Values.Length) return Ofx.ErrBadIndex;
            value = p.Values[index];
            return Ofx.OK;
        }
    }

    internal int Dimension(string name, out int n)
    {
        lock (_gate)
        {
            n = 0;
            if (!_props.TryGetValue(name, out var p)) return Ofx.ErrUnknown;
            n = p.Values.Length;
            return Ofx.OK;
        }
    }

    internal int Reset(string name)
    {
        lock (_gate)
        {
            if (!_props.TryGetValue(name, out var p)) return Ofx.ErrUnknown;
            p.Values = p.Values.Select(_ => Default(p.Type)).ToArray();
            return Ofx.OK;
        }
    }

    private static object Default(PropType t) => t switch
    {
        PropType.Int => 0,
        PropType.Double => 0.0,
        PropType.String => "",
        _ => (nint)0,
    };
}

/// <summary>Status codes as plain ints for the host side.</summary>
public static class Ofx
{
    public const int OK = 0, Failed = 1, ErrFatal = 2, ErrUnknown = 3, ErrMissingHostFeature = 4, ErrUnsupported = 5,
        ErrExists = 6, ErrFormat = 7, ErrMemory = 8, ErrBadHandle = 9, ErrBadIndex = 10, ErrValue = 11, ReplyYes = 12,
        ReplyNo = 13, ReplyDefault = 14, ErrImageFormat = 1000;
}

/// <summary>
/// Strings the host returns are valid only until the plug-in's next call on the same thread: each is
/// an unmanaged copy, poisoned and freed on the next call, so a plug-in that keeps one reads garbage.
/// </summary>
public static unsafe class HostStrings
{
    [ThreadStatic] private static List<nint>? _scratch;
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, nint> Interned = new();

    public static byte* Scratch(string s)
    {
        var list = _scratch ??= [];
        int n = Encoding.UTF8.GetByteCount(s);
        var p = (byte*)NativeMemory.Alloc((nuint)n + 1);
        Encoding.UTF8.GetBytes(s, new Span<byte>(p, n));
        p[n] = 0;
        list.Add((nint)p);
        return p;
    }

    /// <summary>Called at the start of every suite call that can return a string.</summary>
    public static void Expire()
    {
        var list = _scratch;
        if (list == null || list.Count == 0) return;
        foreach (var p in list)
        {
            byte* b = (byte*)p;
            int n = 0;
            while (b[n] != 0) n++;
            new Span<byte>(b, n).Fill((byte)'#');
            NativeMemory.Free(b);
        }
        list.Clear();
    }

    /// <summary>Host-owned strings that live for the process (action names, suite names).</summary>
    public static byte* Forever(string s) => (byte*)Interned.GetOrAdd(s, k =>
    {
        int n = Encoding.UTF8.GetByteCount(k);
        var p = (byte*)NativeMemory.Alloc((nuint)n + 1);
        Encoding.UTF8.GetBytes(k, new Span<byte>(p, n));
        p[n] = 0;
        return (nint)p;
    });

    public static string Read(byte* p) => p == null ? "" : Marshal.PtrToStringUTF8((nint)p) ?? "";
}
