using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using HdrOfx.Interop.Native;

namespace HdrOfx.Interop.Support;

/// <summary>
/// The C side of a plug-in binary: the OfxPlugin structs, setHost and one main entry per plug-in.
/// Every entry point catches every exception (an exception that crosses the C ABI kills the host)
/// and turns it into a kOfxStat* code plus a message to the user.
/// </summary>
public static unsafe class OfxPluginRegistry
{
    /// <summary>The main entry gets no plug-in index, so each slot has its own trampoline.</summary>
    public const int MaxPlugins = 4;

    private static readonly ImageEffectPlugin?[] Plugins = new ImageEffectPlugin?[MaxPlugins];
    private static OfxPlugin* _table;
    private static int _count;
    private static readonly object Gate = new();

    public static int Count => Volatile.Read(ref _count);

    /// <summary>Last exception caught at the C boundary, for diagnostics.</summary>
    public static string? LastError { get; private set; }

    /// <summary>Adds a plug-in; idempotent per identifier.</summary>
    public static void Register(ImageEffectPlugin plugin)
    {
        lock (Gate)
        {
            for (int i = 0; i < _count; i++)
                if (Plugins[i]!.Identifier == plugin.Identifier) return;
            if (_count == MaxPlugins) throw new InvalidOperationException($"at most {MaxPlugins} plug-ins per binary");
            if (_table == null) _table = (OfxPlugin*)NativeMemory.AllocZeroed((nuint)(sizeof(OfxPlugin) * MaxPlugins));
            int slot = _count;
            Plugins[slot] = plugin;
            var p = &_table[slot];
            p->PluginApi = OfxStrings.Intern(OfxSuiteNames.ImageEffectPluginApi);
            p->ApiVersion = OfxSuiteNames.ImageEffectPluginApiVersion;
            p->PluginIdentifier = OfxStrings.Intern(plugin.Identifier);
            p->PluginVersionMajor = plugin.VersionMajor;
            p->PluginVersionMinor = plugin.VersionMinor;
            p->SetHost = &SetHostEntry;
            p->MainEntry = slot switch
            {
                0 => &Main0,
                1 => &Main1,
                2 => &Main2,
                _ => &Main3,
            };
            Volatile.Write(ref _count, slot + 1);
        }
    }

    /// <summary>For OfxGetPlugin: the struct of plug-in <paramref name="index"/>, or null.</summary>
    public static OfxPlugin* Get(int index) => (uint)index < (uint)Count ? &_table[index] : null;

    /// <summary>For the OfxSetHost export (OFX 1.5) and each plug-in's setHost.</summary>
    public static int SetHost(OfxHost* host)
    {
        try
        {
            if (host == null) return OfxStatus.ErrBadHandle;
            OfxHostSuites.SetHost(host);
            return OfxStatus.OK;
        }
        catch (Exception e)
        {
            LastError = e.ToString();
            return OfxStatus.ErrFatal;
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void SetHostEntry(OfxHost* host) => SetHost(host);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Main0(byte* action, void* handle, OfxPropertySetHandle inArgs, OfxPropertySetHandle outArgs) => Dispatch(0, action, handle, inArgs, outArgs);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Main1(byte* action, void* handle, OfxPropertySetHandle inArgs, OfxPropertySetHandle outArgs) => Dispatch(1, action, handle, inArgs, outArgs);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Main2(byte* action, void* handle, OfxPropertySetHandle inArgs, OfxPropertySetHandle outArgs) => Dispatch(2, action, handle, inArgs, outArgs);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Main3(byte* action, void* handle, OfxPropertySetHandle inArgs, OfxPropertySetHandle outArgs) => Dispatch(3, action, handle, inArgs, outArgs);

    /// <summary>The single guarded dispatcher. Public so a test can drive it without a C caller.</summary>
    public static int Dispatch(int slot, byte* actionPtr, void* handle, OfxPropertySetHandle inArgs, OfxPropertySetHandle outArgs)
    {
        string action = "?";
        ImageEffectPlugin? plugin = null;
        try
        {
            plugin = (uint)slot < (uint)Count ? Plugins[slot] : null;
            if (plugin == null || actionPtr == null) return OfxStatus.ErrUnknown;
            action = OfxStrings.Copy(actionPtr) ?? "";
            return DispatchAction(plugin, action, (nint)handle, new PropertySet(inArgs), new PropertySet(outArgs));
        }
        catch (Exception e)
        {
            try
            {
                LastError = $"{action}: {e}";
                if (plugin != null && OfxHostSuites.Property != null) plugin.ReportError(MessageHandle(action, (nint)handle), action, e);
            }
            catch
            {
                // Reporting must never throw across the boundary either.
            }
            return e switch
            {
                OfxAbortException => OfxStatus.Failed,
                OfxException o => o.Status == OfxStatus.OK ? OfxStatus.Failed : o.Status,
                OutOfMemoryException or InsufficientExecutionStackException => OfxStatus.ErrMemory,
                _ => OfxStatus.Failed,
            };
        }
    }

    /// <summary>
    /// The handle a message about <paramref name="action"/> may name: the instance, or NULL where the handle is a
    /// descriptor (Load, Describe, DescribeInContext, Unload). Hosts built on HostSupport cast any message handle to an
    /// instance, so a descriptor handle would crash them (DESIGN §7).
    /// </summary>
    public static nint MessageHandle(string action, nint handle) =>
        action is OfxActions.Load or OfxActions.Unload or OfxActions.Describe or OfxActions.DescribeInContext ? 0 : handle;

    private static int DispatchAction(ImageEffectPlugin plugin, string action, nint handle, PropertySet inArgs, PropertySet outArgs)
    {
        switch (action)
        {
            case OfxActions.Load:
                if (!OfxHostSuites.FetchSuites()) return OfxStatus.ErrMissingHostFeature;
                plugin.OnLoad();
                return OfxStatus.OK;
            case OfxActions.Unload:
                plugin.OnUnload();
                return OfxStatus.OK;
            case OfxActions.Describe:
                plugin.Describe(new EffectDescriptor(new OfxImageEffectHandle(handle)));
                return OfxStatus.OK;
            case OfxActions.DescribeInContext:
                plugin.DescribeInContext(new EffectDescriptor(new OfxImageEffectHandle(handle)), inArgs.GetString(OfxImageEffectProps.Context));
                return OfxStatus.OK;
            case OfxActions.CreateInstance:
                return CreateInstance(plugin, new OfxImageEffectHandle(handle));
            case OfxActions.DestroyInstance:
                return DestroyInstance(new OfxImageEffectHandle(handle));
        }

        var fx = InstanceOf(new OfxImageEffectHandle(handle));
        if (fx == null) return OfxStatus.ErrBadHandle;
        switch (action)
        {
            case OfxActions.Render:
                return fx.Render(RenderArgs.Read(inArgs));
            case OfxActions.IsIdentity:
            {
                int st = fx.IsIdentity(RenderArgs.Read(inArgs), out var clip, out var time);
                if (st == OfxStatus.OK)
                {
                    outArgs.SetString(OfxProps.Name, clip);
                    outArgs.SetDouble(OfxProps.Time, time);
                }
                return st;
            }
            case OfxActions.GetRegionOfDefinition:
            {
                int st = fx.GetRegionOfDefinition(inArgs.GetDouble(OfxProps.Time), ReadScale(inArgs), out var rod);
                if (st == OfxStatus.OK) outArgs.SetRectD(OfxImageEffectProps.RegionOfDefinition, rod);
                return st;
            }
            case OfxActions.GetRegionsOfInterest:
                return fx.GetRegionsOfInterest(inArgs.GetDouble(OfxProps.Time), ReadScale(inArgs),
                    inArgs.GetRectD(OfxImageEffectProps.RegionOfInterest), new RegionsOfInterest(outArgs));
            case OfxActions.GetFramesNeeded:
                return fx.GetFramesNeeded(inArgs.GetDouble(OfxProps.Time), new FramesNeeded(outArgs));
            case OfxActions.GetClipPreferences:
                return fx.GetClipPreferences(new ClipPreferences(outArgs));
            case OfxActions.GetTimeDomain:
            {
                int st = fx.GetTimeDomain(out var range);
                if (st == OfxStatus.OK) outArgs.SetRangeD(OfxImageEffectProps.FrameRange, range);
                return st;
            }
            case OfxActions.BeginSequenceRender:
                return fx.BeginSequenceRender(SequenceArgs.Read(inArgs));
            case OfxActions.EndSequenceRender:
                return fx.EndSequenceRender(SequenceArgs.Read(inArgs));
            case OfxActions.InstanceChanged:
                return fx.InstanceChanged(InstanceChangedArgs.Read(inArgs));
            case OfxActions.PurgeCaches:
                return fx.PurgeCaches();
            case OfxActions.SyncPrivateData:
                return fx.SyncPrivateData();
            default:
                return OfxStatus.ReplyDefault;
        }
    }

    private static OfxPointD ReadScale(PropertySet inArgs) =>
        inArgs.TryGetDouble(OfxImageEffectProps.RenderScale, out var sx) && inArgs.TryGetDouble(OfxImageEffectProps.RenderScale, out var sy, 1)
            ? new OfxPointD(sx, sy) : new OfxPointD(1, 1);

    private static int CreateInstance(ImageEffectPlugin plugin, OfxImageEffectHandle handle)
    {
        OfxPropertySetHandle p;
        OfxCheck.Ok(OfxHostSuites.RequireImageEffect->GetPropertySet(handle, &p), "getPropertySet(instance)");
        var props = new PropertySet(p);
        string context = props.GetStringOr(OfxImageEffectProps.Context, OfxValues.ContextFilter);
        OfxParamSetHandle ps;
        OfxCheck.Ok(OfxHostSuites.RequireImageEffect->GetParamSet(handle, &ps), "getParamSet(instance)");
        var fx = plugin.CreateInstance(context);
        fx.Handle = handle;
        fx.Properties = props;
        fx.Params = new ParamSet(ps);
        fx.Context = context;
        fx.OnCreate();
        var gc = GCHandle.Alloc(fx);
        try
        {
            props.SetPointer(OfxProps.InstanceData, GCHandle.ToIntPtr(gc));
        }
        catch
        {
            gc.Free();
            throw;
        }
        return OfxStatus.OK;
    }

    private static int DestroyInstance(OfxImageEffectHandle handle)
    {
        OfxPropertySetHandle p;
        if (OfxHostSuites.RequireImageEffect->GetPropertySet(handle, &p) != OfxStatus.OK) return OfxStatus.ErrBadHandle;
        var props = new PropertySet(p);
        nint data = props.GetPointer(OfxProps.InstanceData);
        if (data == 0) return OfxStatus.OK;
        var gc = GCHandle.FromIntPtr(data);
        var fx = gc.Target as ImageEffect;
        props.SetPointer(OfxProps.InstanceData, 0);
        gc.Free();
        fx?.OnDestroy();
        return OfxStatus.OK;
    }

    /// <summary>The instance object stored in kOfxPropInstanceData, or null.</summary>
    public static ImageEffect? InstanceOf(OfxImageEffectHandle handle)
    {
        if (handle.IsNull) return null;
        OfxPropertySetHandle p;
        if (OfxHostSuites.RequireImageEffect->GetPropertySet(handle, &p) != OfxStatus.OK) return null;
        if (!new PropertySet(p).TryGetPointer(OfxProps.InstanceData, out nint data) || data == 0) return null;
        return GCHandle.FromIntPtr(data).Target as ImageEffect;
    }
}
