using System.Runtime.InteropServices;
using HdrOfx.Interop.Native;
using PH = HdrOfx.Interop.Native.OfxPropertySetHandle;

namespace HdrOfx.Plugin.Tests.Host;

/// <summary>
/// A plug-in loaded from a built bundle the way a host does it: dlopen
/// <c>Contents/Linux-x86-64/NAME.ofx</c> by bundle path, OfxSetHost, OfxGetNumberOfPlugins, OfxGetPlugin,
/// setHost, then kOfxActionLoad and describe. Actions are driven with host-built argument sets.
/// </summary>
public sealed unsafe class LoadedPlugin
{
    public string BundlePath { get; }
    public nint Library { get; }
    public OfxPlugin* Plugin { get; }
    public string Identifier { get; }
    public int SetHostStatus { get; }
    public HostDescriptor Descriptor { get; } = null!;
    public Dictionary<string, HostDescriptor> Contexts { get; } = new();
    public int LoadStatus { get; }
    public int DescribeStatus { get; }

    private LoadedPlugin(string bundle, nint lib, OfxPlugin* plugin, int setHostStatus)
    {
        BundlePath = bundle;
        Library = lib;
        Plugin = plugin;
        SetHostStatus = setHostStatus;
        Identifier = HostStrings.Read(plugin->PluginIdentifier);
        plugin->SetHost(OfxTestHost.Host);
        LoadStatus = Call(OfxActions.Load, 0, null, null);
        if (LoadStatus is not (Ofx.OK or Ofx.ReplyDefault)) return;
        Descriptor = new HostDescriptor("");
        Descriptor.Props.Define(OfxProps.PluginFilePath, PropType.String, bundle);
        DescribeStatus = Call(OfxActions.Describe, Descriptor.Handle, null, null);
        var contexts = Descriptor.Props.GetStrings(OfxImageEffectProps.SupportedContexts);
        foreach (var ctx in contexts.Intersect(OfxTestHost.HostProps.GetStrings(OfxImageEffectProps.SupportedContexts)))
        {
            var d = new HostDescriptor(ctx);
            // Each context's descriptor starts from what Describe said.
            foreach (var name in Descriptor.Props.Names)
            {
                var v = Descriptor.Props.Values(name)!;
                if (v.Length > 0) d.Props.Define(name, v[0] switch { int => PropType.Int, double => PropType.Double, nint => PropType.Pointer, _ => PropType.String }, v);
            }
            var inArgs = new HostPropertySet("describeInContext-in").Str(OfxImageEffectProps.Context, ctx);
            int st = Call(OfxActions.DescribeInContext, d.Handle, inArgs, null);
            if (st is Ofx.OK or Ofx.ReplyDefault) Contexts[ctx] = d;
        }
    }

    /// <summary>
    /// kOfxActionDescribe once more, on a fresh descriptor whose kOfxPluginPropFilePath is <paramref name="filePath"/>
    /// (as a host that found the bundle elsewhere would say); the contexts described at load stay. Returns the status.
    /// </summary>
    public int Describe(string filePath)
    {
        var d = new HostDescriptor("");
        d.Props.Define(OfxProps.PluginFilePath, PropType.String, filePath);
        return Call(OfxActions.Describe, d.Handle, null, null);
    }

    /// <summary>Path of the binary inside a bundle for this platform.</summary>
    public static string BinaryPath(string bundle)
    {
        string name = Path.GetFileName(bundle.TrimEnd('/'));
        name = name[..name.IndexOf(".ofx.bundle", StringComparison.Ordinal)];
        return Path.Combine(bundle, "Contents", "Linux-x86-64", name + ".ofx");
    }

    public static LoadedPlugin Load(string bundle, int index = 0)
    {
        string bin = BinaryPath(bundle);
        nint lib = NativeLibrary.Load(bin);
        int setHost = Ofx.ReplyDefault;
        if (NativeLibrary.TryGetExport(lib, "OfxSetHost", out var setHostFn))
            setHost = ((delegate* unmanaged[Cdecl]<OfxHost*, int>)setHostFn)(OfxTestHost.Host);
        var count = (delegate* unmanaged[Cdecl]<int>)NativeLibrary.GetExport(lib, "OfxGetNumberOfPlugins");
        var get = (delegate* unmanaged[Cdecl]<int, OfxPlugin*>)NativeLibrary.GetExport(lib, "OfxGetPlugin");
        int n = count();
        if (index >= n) throw new InvalidOperationException($"{bin} has {n} plug-ins");
        var p = get(index);
        if (p == null) throw new InvalidOperationException($"OfxGetPlugin({index}) returned NULL");
        string api = HostStrings.Read(p->PluginApi);
        if (api != OfxSuiteNames.ImageEffectPluginApi || p->ApiVersion != 1)
            throw new InvalidOperationException($"unexpected plug-in API {api} v{p->ApiVersion}");
        return new LoadedPlugin(bundle, lib, p, setHost);
    }

    public int Call(string action, nint handle, HostPropertySet? inArgs, HostPropertySet? outArgs)
    {
        byte* a = HostStrings.Forever(action);
        return Plugin->MainEntry(a, (void*)handle, new PH(inArgs?.Handle ?? 0), new PH(outArgs?.Handle ?? 0));
    }

    // ---------- instance lifecycle ----------

    public HostInstance CreateInstance(string context, FrameSource? source = null)
    {
        var d = Contexts[context];
        var inst = new HostInstance(this, d);
        if (source != null) inst.SetSource(source);
        int st = Call(OfxActions.CreateInstance, inst.Handle, null, null);
        if (st is not (Ofx.OK or Ofx.ReplyDefault)) throw new InvalidOperationException($"create instance returned {st}");
        return inst;
    }

    public int Destroy(HostInstance inst) => Call(OfxActions.DestroyInstance, inst.Handle, null, null);

    /// <summary>GetClipPreferences with default out-arguments; applies the answer to the clips as a host would.</summary>
    public int ClipPreferences(HostInstance inst, out HostPropertySet outArgs)
    {
        outArgs = new HostPropertySet("clipPrefs-out") ;
        foreach (var (name, clip) in inst.Clips)
        {
            outArgs.Str(OfxClipProps.ComponentsPrefix + name, clip.Props.GetString(OfxImageEffectProps.Components))
                .Str(OfxClipProps.DepthPrefix + name, clip.Props.GetString(OfxImageEffectProps.PixelDepth))
                .Dbl(OfxClipProps.PARPrefix + name, 1.0);
        }
        outArgs.Dbl(OfxImageEffectProps.FrameRate, 24).Str(OfxImageClipFieldOrder, OfxValues.FieldNone)
            .Str(OfxImageEffectProps.PreMultiplication, OfxValues.UnPreMultiplied)
            .Int(OfxClipProps.ContinuousSamples, 0).Int(OfxImageEffectProps.FrameVarying, 0);
        outArgs.Open = false;
        int st = Call(OfxActions.GetClipPreferences, inst.Handle, null, outArgs);
        if (st == Ofx.OK)
        {
            var output = inst.Clips[OfxValues.OutputClipName];
            output.Props.Str(OfxImageEffectProps.PixelDepth, outArgs.GetString(OfxClipProps.DepthPrefix + OfxValues.OutputClipName));
            output.Props.Str(OfxImageEffectProps.Components, outArgs.GetString(OfxClipProps.ComponentsPrefix + OfxValues.OutputClipName));
        }
        return st;
    }

    private const string OfxImageClipFieldOrder = "OfxImageClipPropFieldOrder";

    public int FramesNeeded(HostInstance inst, double time, out double[] ranges)
    {
        var inArgs = new HostPropertySet("framesNeeded-in").Dbl(OfxProps.Time, time);
        var outArgs = new HostPropertySet("framesNeeded-out");
        foreach (var name in inst.Clips.Keys.Where(n => n != OfxValues.OutputClipName))
            outArgs.Dbl(OfxClipProps.FrameRangePrefix + name, time, time);
        outArgs.Open = false;
        int st = Call(OfxActions.GetFramesNeeded, inst.Handle, inArgs, outArgs);
        ranges = outArgs.GetDoubles(OfxClipProps.FrameRangePrefix + OfxValues.SimpleSourceClipName);
        return st;
    }

    public int RegionOfDefinition(HostInstance inst, double time, out double[] rod)
    {
        var inArgs = new HostPropertySet("rod-in").Dbl(OfxProps.Time, time).Dbl(OfxImageEffectProps.RenderScale, inst.RenderScale, inst.RenderScale);
        var outArgs = new HostPropertySet("rod-out").Dbl(OfxImageEffectProps.RegionOfDefinition, 0, 0, 0, 0);
        outArgs.Open = false;
        int st = Call(OfxActions.GetRegionOfDefinition, inst.Handle, inArgs, outArgs);
        rod = outArgs.GetDoubles(OfxImageEffectProps.RegionOfDefinition);
        return st;
    }

    public int RegionsOfInterest(HostInstance inst, double time, double[] roi, out double[] sourceRoi)
    {
        var inArgs = new HostPropertySet("roi-in").Dbl(OfxProps.Time, time).Dbl(OfxImageEffectProps.RenderScale, inst.RenderScale, inst.RenderScale)
            .Dbl(OfxImageEffectProps.RegionOfInterest, roi);
        var outArgs = new HostPropertySet("roi-out");
        foreach (var name in inst.Clips.Keys.Where(n => n != OfxValues.OutputClipName))
            outArgs.Dbl(OfxClipProps.RoIPrefix + name, roi);
        outArgs.Open = false;
        int st = Call(OfxActions.GetRegionsOfInterest, inst.Handle, inArgs, outArgs);
        sourceRoi = outArgs.GetDoubles(OfxClipProps.RoIPrefix + OfxValues.SimpleSourceClipName);
        return st;
    }

    public int IsIdentity(HostInstance inst, double time, out string clip, out double identityTime)
    {
        var w = inst.Source is { } s ? HostImages.Scaled(s, inst.RenderScale) : (0, 0);
        var inArgs = new HostPropertySet("identity-in").Dbl(OfxProps.Time, time).Str(OfxImageEffectProps.FieldToRender, OfxValues.FieldNone)
            .Int(OfxImageEffectProps.RenderWindow, 0, 0, w.Item1, w.Item2).Dbl(OfxImageEffectProps.RenderScale, inst.RenderScale, inst.RenderScale);
        var outArgs = new HostPropertySet("identity-out").Str(OfxProps.Name, "").Dbl(OfxProps.Time, time);
        outArgs.Open = false;
        int st = Call(OfxActions.IsIdentity, inst.Handle, inArgs, outArgs);
        clip = outArgs.GetString(OfxProps.Name);
        identityTime = outArgs.GetDouble(OfxProps.Time);
        return st;
    }

    public int BeginSequence(HostInstance inst, double first, double last, bool interactive = false) =>
        Call(OfxActions.BeginSequenceRender, inst.Handle, SequenceArgs(inst, first, last, interactive), null);

    public int EndSequence(HostInstance inst, double first, double last, bool interactive = false) =>
        Call(OfxActions.EndSequenceRender, inst.Handle, SequenceArgs(inst, first, last, interactive), null);

    private static HostPropertySet SequenceArgs(HostInstance inst, double first, double last, bool interactive) =>
        new HostPropertySet("sequence-in").Dbl(OfxImageEffectProps.FrameRange, first, last).Dbl(OfxImageEffectProps.FrameStep, 1)
            .Int(OfxProps.IsInteractive, interactive ? 1 : 0).Dbl(OfxImageEffectProps.RenderScale, inst.RenderScale, inst.RenderScale)
            .Int(OfxImageEffectProps.SequentialRenderStatus, 0).Int(OfxImageEffectProps.InteractiveRenderStatus, interactive ? 1 : 0);

    public int InstanceChanged(HostInstance inst, string paramName, double time)
    {
        var inArgs = new HostPropertySet("changed-in").Str(OfxProps.Type, OfxProps.TypeParameter).Str(OfxProps.Name, paramName)
            .Str(OfxProps.ChangeReason, OfxProps.ChangeUserEdited).Dbl(OfxProps.Time, time)
            .Dbl(OfxImageEffectProps.RenderScale, inst.RenderScale, inst.RenderScale);
        Call(OfxActions.BeginInstanceChanged, inst.Handle, new HostPropertySet("begin-changed").Str(OfxProps.ChangeReason, OfxProps.ChangeUserEdited), null);
        int st = Call(OfxActions.InstanceChanged, inst.Handle, inArgs, null);
        Call(OfxActions.EndInstanceChanged, inst.Handle, new HostPropertySet("end-changed").Str(OfxProps.ChangeReason, OfxProps.ChangeUserEdited), null);
        return st;
    }

    /// <summary>
    /// Renders frame <paramref name="time"/> into a fresh host-owned output (full frame unless a window is
    /// given) and returns it with the status; the caller disposes the output.
    /// </summary>
    public int Render(HostInstance inst, double time, out OutputTarget output, OfxRectI? window = null, string outDepth = OfxValues.BitDepthFloat)
    {
        var (w, h) = inst.Source is { } s ? HostImages.Scaled(s, inst.RenderScale) : (0, 0);
        var bounds = new OfxRectI(0, 0, w, h);
        output = OutputTarget.Create(bounds, inst.Layout, outDepth);
        if (!inst.Outputs.TryAdd(time, output)) throw new InvalidOperationException($"two renders of time {time} at once");
        try
        {
            var win = window ?? bounds;
            var inArgs = new HostPropertySet("render-in").Dbl(OfxProps.Time, time).Str(OfxImageEffectProps.FieldToRender, OfxValues.FieldNone)
                .Int(OfxImageEffectProps.RenderWindow, win.X1, win.Y1, win.X2, win.Y2)
                .Dbl(OfxImageEffectProps.RenderScale, inst.RenderScale, inst.RenderScale)
                .Int(OfxImageEffectProps.SequentialRenderStatus, 0).Int(OfxImageEffectProps.InteractiveRenderStatus, 0)
                .Int(OfxImageEffectProps.RenderQualityDraft, 0);
            inArgs.Open = false;
            inst.Clips[OfxValues.OutputClipName].Props.Str(OfxImageEffectProps.PixelDepth, outDepth);
            int st = Call(OfxActions.Render, inst.Handle, inArgs, null);
            inArgs.Release();
            return st;
        }
        finally
        {
            inst.Outputs.TryRemove(time, out _);
        }
    }
}
