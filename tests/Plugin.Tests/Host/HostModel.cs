using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using HdrOfx.Interop.Native;

namespace HdrOfx.Plugin.Tests.Host;

/// <summary>A parameter (descriptor or instance) with keyframes and linear interpolation.</summary>
public sealed class HostParam
{
    public string Name { get; }
    public string Type { get; }
    public HostPropertySet Props { get; }
    public nint Handle { get; }
    /// <summary>0 = int-valued (integer, choice, boolean), 1 = double, 2 = string, -1 = no value (page, group).</summary>
    public int Kind { get; }
    public int Count { get; }
    private readonly object _gate = new();
    private double[] _value;
    private string _string = "";
    private readonly SortedList<double, double[]> _keys = new();
    public HostInstance? Owner { get; set; }

    public HostParam(string name, string type, HostPropertySet props)
    {
        Name = name; Type = type; Props = props;
        (Kind, Count) = type switch
        {
            OfxParamProps.TypeInteger or OfxParamProps.TypeChoice or OfxParamProps.TypeBoolean => (0, 1),
            OfxParamProps.TypeInteger2D => (0, 2),
            OfxParamProps.TypeInteger3D => (0, 3),
            OfxParamProps.TypeDouble => (1, 1),
            OfxParamProps.TypeDouble2D => (1, 2),
            OfxParamProps.TypeDouble3D or OfxParamProps.TypeRGB => (1, 3),
            OfxParamProps.TypeRGBA => (1, 4),
            OfxParamProps.TypeString or OfxParamProps.TypeStrChoice => (2, 1),
            _ => (-1, 0),
        };
        _value = new double[Math.Max(Count, 1)];
        Handle = HandleTable.Add(this);
    }

    /// <summary>Instance copy of a descriptor: properties copied, value = the descriptor's default.</summary>
    public HostParam Instantiate(HostInstance owner)
    {
        var p = new HostParam(Name, Type, Props.CloneAs("param-instance")) { Owner = owner };
        var def = Props.Values(OfxParamProps.Default);
        if (def != null && Kind is 0 or 1)
            for (int i = 0; i < Math.Min(def.Length, p._value.Length); i++) p._value[i] = Convert.ToDouble(def[i]);
        if (def is { Length: > 0 } && Kind == 2) p._string = (string)def[0];
        return p;
    }

    public void SetValue(params double[] v) { lock (_gate) { _keys.Clear(); Array.Copy(v, _value, Math.Min(v.Length, _value.Length)); } }
    public void SetString(string s) { lock (_gate) _string = s; }
    public void SetKey(double time, params double[] v) { lock (_gate) _keys[time] = v.ToArray(); }
    public void ClearKeys() { lock (_gate) _keys.Clear(); }
    public int NumKeys { get { lock (_gate) return _keys.Count; } }
    public double KeyTime(int i) { lock (_gate) return _keys.Keys[i]; }
    public bool DeleteKey(double t) { lock (_gate) return _keys.Remove(t); }
    public string StringValue { get { lock (_gate) return _string; } }

    /// <summary>Value at time t: linear between keys for doubles, held (step) for ints, constant outside the keys.</summary>
    public double[] ValueAt(double? t)
    {
        lock (_gate)
        {
            if (_keys.Count == 0 || t is null) return _value.ToArray();
            double time = t.Value;
            var times = _keys.Keys;
            if (time <= times[0]) return _keys.Values[0].ToArray();
            if (time >= times[^1]) return _keys.Values[^1].ToArray();
            int i = 0;
            while (times[i + 1] < time) i++;
            double t0 = times[i], t1 = times[i + 1];
            var v0 = _keys.Values[i];
            var v1 = _keys.Values[i + 1];
            if (Kind == 0) return v0.ToArray();
            double a = (time - t0) / (t1 - t0);
            return v0.Select((v, k) => v + a * (v1[k] - v)).ToArray();
        }
    }
}

/// <summary>A parameter set (of a descriptor or an instance).</summary>
public sealed class HostParamSet
{
    public nint Handle { get; }
    public HostPropertySet Props { get; } = new("paramset");
    public readonly ConcurrentDictionary<string, HostParam> Params = new(StringComparer.Ordinal);
    public readonly List<string> Order = [];

    public HostParamSet() => Handle = HandleTable.Add(this);
}

/// <summary>Per-clip description and, for instances, the pixels behind it.</summary>
public sealed class HostClip
{
    public string Name { get; }
    public HostPropertySet Props { get; }
    public nint Handle { get; }
    public HostInstance? Owner { get; set; }

    public HostClip(string name, HostPropertySet props) { Name = name; Props = props; Handle = HandleTable.Add(this); }
}

/// <summary>The effect descriptor of one plug-in for one context (or the global one).</summary>
public sealed class HostDescriptor
{
    public nint Handle { get; }
    public HostPropertySet Props { get; }
    public HostParamSet Params { get; } = new();
    public readonly ConcurrentDictionary<string, HostClip> Clips = new(StringComparer.Ordinal);
    public readonly List<string> ClipOrder = [];
    public string Context { get; }

    public HostDescriptor(string context)
    {
        Context = context;
        Props = OfxTestHost.NewEffectProps("descriptor");
        Handle = HandleTable.Add(this);
    }
}

/// <summary>How the host lays out the images it hands out.</summary>
public enum RowLayout { Packed, Negative, OddPadding }

/// <summary>Faults the host can inject into an instance's calls.</summary>
public sealed class HostFaults
{
    /// <summary>clipGetImage returns kOfxStatFailed for these (clip, time).</summary>
    public Func<string, double, bool>? FailGetImage;
    /// <summary>clipGetImage returns kOfxStatOK and a NULL image for these.</summary>
    public Func<string, double, bool>? NullImage;
    /// <summary>The depth string put on source images instead of the real one (pixels stay float).</summary>
    public string? SourceDepthLie;
    /// <summary>paramGetValue* on this parameter returns kOfxStatErrBadHandle.</summary>
    public string? FailParam;
    /// <summary>abort() returns 1 once it has been called this many times (0 = never).</summary>
    public int AbortAfterCalls;
    /// <summary>clipGetRegionOfDefinition fails (an unconnected input in some hosts).</summary>
    public bool FailRoD;
    public int AbortCalls;
}

/// <summary>A source of frames for a clip: encoded RGBA float pixels, row 0 = y 0 (bottom).</summary>
public sealed class FrameSource
{
    public required int Width;
    public required int Height;
    public required int First;
    public required int Last;
    /// <summary>frame → RGBA float [Height][Width][4] flattened.</summary>
    public required Func<int, float[]> Frame;
    public string Depth = OfxValues.BitDepthFloat;
    public string Components = OfxValues.ComponentRGBA;
    /// <summary>
    /// Keep each prepared host image buffer and hand out the same memory again, as a host with a frame
    /// cache does (benchmarks: the plug-in's fetch time then excludes the test host's own pixel copying).
    /// </summary>
    public bool CacheImages;
    /// <summary>
    /// The host's notion of an upstream edit: whoever changes what <see cref="Frame"/> returns bumps it. It is part of
    /// the images' kOfxImagePropUniqueIdentifier, which (as in Nuke and Natron) names the content, not the fetch.
    /// </summary>
    public int Revision;
    public readonly ConcurrentDictionary<(int Frame, RowLayout Layout, double Scale), (nint Alloc, nint Data, int RowBytes, int W, int H)> Cache = new();

    public unsafe void ReleaseCache()
    {
        foreach (var v in Cache.Values) NativeMemory.Free((void*)v.Alloc);
        Cache.Clear();
    }
}

/// <summary>An effect instance inside the test host.</summary>
public sealed class HostInstance
{
    public nint Handle { get; }
    public HostPropertySet Props { get; }
    public HostParamSet Params { get; } = new();
    public readonly Dictionary<string, HostClip> Clips = new(StringComparer.Ordinal);
    public LoadedPlugin Plugin { get; }
    public string Context { get; }
    public FrameSource? Source { get; set; }
    public HostFaults Faults { get; } = new();
    public RowLayout Layout { get; set; } = RowLayout.Packed;
    public double RenderScale { get; set; } = 1.0;
    /// <summary>Whether source images carry a content identifier (kOfxImagePropUniqueIdentifier); false: the property is absent.</summary>
    public bool ImageIdentifiers { get; set; } = true;
    /// <summary>With <see cref="ImageIdentifiers"/>: a new identifier for every fetch, as a host that never reuses them may do.</summary>
    public bool PerFetchIdentifiers { get; set; }
    /// <summary>Source frames delivered from another source (other size) instead: fault injection.</summary>
    public readonly ConcurrentDictionary<int, FrameSource> FrameOverrides = new();
    /// <summary>Every (clip, time) asked of clipGetImage.</summary>
    public readonly ConcurrentQueue<(string Clip, double Time)> Fetches = new();
    /// <summary>Output buffers by render time (the host owns them; one per concurrent render).</summary>
    public readonly ConcurrentDictionary<double, OutputTarget> Outputs = new();

    public HostInstance(LoadedPlugin plugin, HostDescriptor d)
    {
        Plugin = plugin;
        Context = d.Context;
        // Copy what the plug-in described, then the instance-only properties.
        Props = d.Props.CloneAs("instance");
        Props.Open = true;
        Props.Str(OfxProps.Type, OfxProps.TypeImageEffectInstance)
            .Str(OfxImageEffectProps.Context, d.Context)
            .Int(OfxProps.IsInteractive, 0)
            .Dbl(OfxImageEffectProps.ProjectSize, 1920, 1080)
            .Dbl(OfxImageEffectProps.ProjectOffset, 0, 0)
            .Dbl(OfxImageEffectProps.ProjectExtent, 1920, 1080)
            .Dbl(OfxImageEffectProps.ProjectPixelAspectRatio, 1)
            .Dbl(OfxImageEffectProps.InstancePropEffectDuration, 100)
            .Int(OfxImageEffectProps.InstancePropSequentialRender, 0)
            .Dbl(OfxImageEffectProps.FrameRate, 24)
            .Ptr(OfxProps.InstanceData, 0);
        foreach (var name in d.Params.Order)
        {
            var p = d.Params.Params[name].Instantiate(this);
            Params.Params[name] = p;
            Params.Order.Add(name);
        }
        foreach (var name in d.ClipOrder)
        {
            var props = d.Clips[name].Props.CloneAs("clip-instance");
            props.Str(OfxProps.Type, OfxProps.TypeClip)
                .Str(OfxProps.Name, name)
                .Str(OfxImageEffectProps.PixelDepth, OfxValues.BitDepthFloat)
                .Str(OfxImageEffectProps.Components, OfxValues.ComponentRGBA)
                .Str(OfxClipProps.UnmappedPixelDepth, OfxValues.BitDepthFloat)
                .Str(OfxClipProps.UnmappedComponents, OfxValues.ComponentRGBA)
                .Str(OfxImageEffectProps.PreMultiplication, OfxValues.UnPreMultiplied)
                .Dbl(OfxImageProps.PixelAspectRatio, 1)
                .Dbl(OfxImageEffectProps.FrameRate, 24)
                .Dbl(OfxImageEffectProps.FrameRange, 0, 0)
                .Dbl(OfxImageEffectProps.UnmappedFrameRange, 0, 0)
                .Dbl(OfxImageEffectProps.UnmappedFrameRate, 24)
                .Str(OfxClipProps.FieldOrder, OfxValues.FieldNone)
                .Int(OfxClipProps.Connected, 1)
                .Int(OfxClipProps.ContinuousSamples, 0);
            props.Open = false;
            var clip = new HostClip(name, props) { Owner = this };
            Clips[name] = clip;
        }
        Props.Open = false;
        Handle = HandleTable.Add(this);
    }

    /// <summary>Attach a frame source to the Source clip (frame range, depth, components follow it).</summary>
    public void SetSource(FrameSource src)
    {
        Source = src;
        var c = Clips[OfxValues.SimpleSourceClipName];
        c.Props.Dbl(OfxImageEffectProps.FrameRange, src.First, src.Last)
            .Dbl(OfxImageEffectProps.UnmappedFrameRange, src.First, src.Last)
            .Str(OfxImageEffectProps.PixelDepth, src.Depth)
            .Str(OfxClipProps.UnmappedPixelDepth, src.Depth)
            .Str(OfxImageEffectProps.Components, src.Components)
            .Str(OfxClipProps.UnmappedComponents, src.Components);
        if (Clips.TryGetValue(OfxValues.OutputClipName, out var o))
            o.Props.Dbl(OfxImageEffectProps.FrameRange, src.First, src.Last);
    }

    public OfxRectD SourceRoD => Source is { } s ? new OfxRectD(0, 0, s.Width, s.Height) : new OfxRectD(0, 0, 0, 0);

    public HostParam Param(string name) => Params.Params[name];
}

/// <summary>The host-owned output image of one render (float RGBA).</summary>
public sealed unsafe class OutputTarget : IDisposable
{
    public OfxRectI Bounds;
    public int RowBytes;
    public byte* Base;
    public byte* Data; // pixel (x1, y1)
    public string Depth = OfxValues.BitDepthFloat;
    public int BytesPerPixel = 16;
    private nint _alloc;

    public static OutputTarget Create(OfxRectI bounds, RowLayout layout, string depth = OfxValues.BitDepthFloat)
    {
        int bpc = depth switch { OfxValues.BitDepthByte => 1, OfxValues.BitDepthShort => 2, _ => 4 };
        int bpp = bpc * 4;
        int w = bounds.Width, h = bounds.Height;
        int pad = layout == RowLayout.OddPadding ? 3 : 0;
        int stride = w * bpp + pad;
        long size = (long)stride * h + 64;
        var t = new OutputTarget { Bounds = bounds, Depth = depth, BytesPerPixel = bpp };
        t._alloc = (nint)NativeMemory.AllocZeroed((nuint)size);
        // Fill with NaN-ish garbage so unwritten pixels show.
        new Span<byte>((void*)t._alloc, (int)size).Fill(0x7f);
        t.Base = (byte*)t._alloc + (layout == RowLayout.OddPadding ? 1 : 0);
        if (layout == RowLayout.Negative)
        {
            t.RowBytes = -stride;
            t.Data = t.Base + (long)stride * (h - 1);
        }
        else
        {
            t.RowBytes = stride;
            t.Data = t.Base;
        }
        return t;
    }

    /// <summary>RGBA at (x, y) as floats.</summary>
    public float[] Pixel(int x, int y)
    {
        byte* p = Data + (long)(y - Bounds.Y1) * RowBytes + (long)(x - Bounds.X1) * BytesPerPixel;
        var v = new float[4];
        for (int c = 0; c < 4; c++)
            v[c] = Depth switch
            {
                OfxValues.BitDepthByte => p[c] / 255f,
                OfxValues.BitDepthShort => System.Runtime.CompilerServices.Unsafe.ReadUnaligned<ushort>(p + 2 * c) / 65535f,
                _ => System.Runtime.CompilerServices.Unsafe.ReadUnaligned<float>(p + 4 * c),
            };
        return v;
    }

    /// <summary>The whole image as RGBA floats, row 0 = Bounds.Y1.</summary>
    public float[] ToArray()
    {
        var a = new float[Bounds.Width * Bounds.Height * 4];
        for (int y = Bounds.Y1; y < Bounds.Y2; y++)
            for (int x = Bounds.X1; x < Bounds.X2; x++)
                Pixel(x, y).CopyTo(a, ((y - Bounds.Y1) * Bounds.Width + (x - Bounds.X1)) * 4);
        return a;
    }

    public void Dispose()
    {
        if (_alloc != 0) NativeMemory.Free((void*)_alloc);
        _alloc = 0;
    }
}
