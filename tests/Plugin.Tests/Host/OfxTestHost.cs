using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using HdrOfx.Interop.Native;
using PH = HdrOfx.Interop.Native.OfxPropertySetHandle;

namespace HdrOfx.Plugin.Tests.Host;

public sealed record HostMessage(nint Handle, string Type, string? Id, string Text, bool Persistent);

/// <summary>
/// An OpenFX host in C#, enough to drive an image effect the way Resolve and Nuke do: property,
/// image effect, parameter (keyframes, linear interpolation), memory, multithread (real threads),
/// message (V1/V2, optionally with a NULL setPersistentMessage as Resolve has), progress and
/// timeline suites. The variadic functions come from native-shim/testhost (libofxtesthostshim).
/// One host per process: a NativeAOT plug-in cannot be unloaded, so it keeps the host it was given.
/// </summary>
public static unsafe class OfxTestHost
{
    public static HostPropertySet HostProps { get; private set; } = null!;
    public static OfxHost* Host { get; private set; }
    private static OfxPropertySuiteV1* _prop;
    private static OfxImageEffectSuiteV1* _effect;
    private static OfxParameterSuiteV1* _param;
    private static OfxMemorySuiteV1* _memory;
    private static OfxMultiThreadSuiteV1* _mt;
    private static OfxMessageSuiteV2* _msg;
    private static OfxMessageSuiteV2* _msgNoPersistent;
    private static nint _setPersistentFn;
    private static delegate* unmanaged[Cdecl]<void*, int> _clearPersistentFn;

    /// <summary>
    /// Switches the offered V2 message suite between a full one and one with NULL setPersistentMessage and
    /// clearPersistentMessage (as Resolve has). The plug-in keeps the suite pointer, so this takes effect at once.
    /// </summary>
    public static void SetPersistentMessagesAvailable(bool on)
    {
        _msg->SetPersistentMessage = on ? _setPersistentFn : 0;
        _msg->ClearPersistentMessage = on ? _clearPersistentFn : null;
    }
    private static OfxProgressSuiteV1* _progress1;
    private static OfxProgressSuiteV2* _progress2;
    private static OfxTimeLineSuiteV1* _timeline;
    private static readonly object InitGate = new();

    /// <summary>Message suite version offered (2, 1 or 0 = none). Settable before Load.</summary>
    public static int MessageSuiteVersion = 2;
    /// <summary>Offer a V2 message suite whose setPersistentMessage is NULL (as Resolve does).</summary>
    public static bool PersistentMessageNull;
    public static bool MultiThreadAvailable = true;
    public static uint NumCPUs = 4;
    /// <summary>Start new threads for every multiThread call (some simple hosts do) instead of using the persistent pool.</summary>
    public static bool FreshThreadsPerCall;

    public static readonly ConcurrentQueue<HostMessage> Messages = new();
    public static readonly ConcurrentQueue<string> HostErrors = new();
    public static readonly ConcurrentQueue<string> SuitesFetched = new();
    public static int LiveImages;
    public static long ImagesFetched;
    public static long MemoryOutstanding;
    public static long MemoryAllocs;
    /// <summary>Thread indices run by the multithread suite (each on a pool thread).</summary>
    public static long ThreadsSpawned;
    public static readonly ConcurrentDictionary<nint, int> ProgressCalls = new();

    [ThreadStatic] private static bool _spawned;
    [ThreadStatic] private static uint _threadIndex;

    public static void Init(string shimPath)
    {
        lock (InitGate)
        {
            if (Host != null) return;
            HostProps = new HostPropertySet("host") { Open = false };
            HostProps.Str(OfxProps.Type, OfxProps.TypeHost)
                .Str(OfxProps.Name, "org.hdrofx.testhost")
                .Str(OfxProps.Label, "HdrOfx test host")
                .Int(OfxProps.APIVersion, 1, 5)
                .Int(OfxProps.Version, 1, 0, 0)
                .Str(OfxProps.VersionLabel, "1.0")
                .Int(OfxImageEffectProps.HostIsBackground, 0)
                .Int(OfxImageEffectProps.SupportsOverlays, 0)
                .Int(OfxImageEffectProps.SupportsMultiResolution, 1)
                .Int(OfxImageEffectProps.SupportsTiles, 1)
                .Int(OfxImageEffectProps.TemporalClipAccess, 1)
                .Str(OfxImageEffectProps.SupportedComponents, OfxValues.ComponentRGBA, OfxValues.ComponentRGB, OfxValues.ComponentAlpha)
                .Str(OfxImageEffectProps.SupportedContexts, OfxValues.ContextFilter, OfxValues.ContextGeneral)
                .Str(OfxImageEffectProps.SupportedPixelDepths, OfxValues.BitDepthFloat, OfxValues.BitDepthShort, OfxValues.BitDepthByte)
                .Int(OfxImageEffectProps.SupportsMultipleClipDepths, 1)
                .Int(OfxImageEffectProps.SupportsMultipleClipPARs, 0)
                .Int(OfxImageEffectProps.SetableFrameRate, 0)
                .Int(OfxImageEffectProps.SetableFielding, 0)
                .Int(OfxParamProps.HostSupportsCustomAnimation, 0)
                .Int(OfxParamProps.HostMaxParameters, -1)
                .Int(OfxParamProps.HostMaxPages, 0);

            nint lib = NativeLibrary.Load(shimPath);
            var register = (delegate* unmanaged[Cdecl]<void*, void*, void*, void*, void>)NativeLibrary.GetExport(lib, "th_register");
            register((void*)(delegate* unmanaged[Cdecl]<nint, int*, int*, int>)&CbKind,
                (void*)(delegate* unmanaged[Cdecl]<nint, int, double, double, void**, int, int>)&CbGet,
                (void*)(delegate* unmanaged[Cdecl]<nint, int, double, int*, double*, byte*, int, int>)&CbSet,
                (void*)(delegate* unmanaged[Cdecl]<nint, byte*, byte*, byte*, int, int>)&CbMessage);

            _prop = Alloc<OfxPropertySuiteV1>();
            _prop->PropSetPointer = &PropSetPointer;
            _prop->PropSetString = &PropSetString;
            _prop->PropSetDouble = &PropSetDouble;
            _prop->PropSetInt = &PropSetInt;
            _prop->PropSetPointerN = &PropSetPointerN;
            _prop->PropSetStringN = &PropSetStringN;
            _prop->PropSetDoubleN = &PropSetDoubleN;
            _prop->PropSetIntN = &PropSetIntN;
            _prop->PropGetPointer = &PropGetPointer;
            _prop->PropGetString = &PropGetString;
            _prop->PropGetDouble = &PropGetDouble;
            _prop->PropGetInt = &PropGetInt;
            _prop->PropGetPointerN = &PropGetPointerN;
            _prop->PropGetStringN = &PropGetStringN;
            _prop->PropGetDoubleN = &PropGetDoubleN;
            _prop->PropGetIntN = &PropGetIntN;
            _prop->PropReset = &PropReset;
            _prop->PropGetDimension = &PropGetDimension;

            _effect = Alloc<OfxImageEffectSuiteV1>();
            _effect->GetPropertySet = &GetPropertySet;
            _effect->GetParamSet = &GetParamSet;
            _effect->ClipDefine = &ClipDefine;
            _effect->ClipGetHandle = &ClipGetHandle;
            _effect->ClipGetPropertySet = &ClipGetPropertySet;
            _effect->ClipGetImage = &ClipGetImage;
            _effect->ClipReleaseImage = &ClipReleaseImage;
            _effect->ClipGetRegionOfDefinition = &ClipGetRegionOfDefinition;
            _effect->Abort = &Abort;
            _effect->ImageMemoryAlloc = &ImageMemoryAlloc;
            _effect->ImageMemoryFree = &ImageMemoryFree;
            _effect->ImageMemoryLock = &ImageMemoryLock;
            _effect->ImageMemoryUnlock = &ImageMemoryUnlock;

            _param = Alloc<OfxParameterSuiteV1>();
            _param->ParamDefine = &ParamDefine;
            _param->ParamGetHandle = &ParamGetHandle;
            _param->ParamSetGetPropertySet = &ParamSetGetPropertySet;
            _param->ParamGetPropertySet = &ParamGetPropertySet;
            _param->ParamGetValue = NativeLibrary.GetExport(lib, "th_paramGetValue");
            _param->ParamGetValueAtTime = NativeLibrary.GetExport(lib, "th_paramGetValueAtTime");
            _param->ParamGetDerivative = NativeLibrary.GetExport(lib, "th_paramGetDerivative");
            _param->ParamGetIntegral = NativeLibrary.GetExport(lib, "th_paramGetIntegral");
            _param->ParamSetValue = NativeLibrary.GetExport(lib, "th_paramSetValue");
            _param->ParamSetValueAtTime = NativeLibrary.GetExport(lib, "th_paramSetValueAtTime");
            _param->ParamGetNumKeys = &ParamGetNumKeys;
            _param->ParamGetKeyTime = &ParamGetKeyTime;
            _param->ParamGetKeyIndex = &ParamGetKeyIndex;
            _param->ParamDeleteKey = &ParamDeleteKey;
            _param->ParamDeleteAllKeys = &ParamDeleteAllKeys;
            _param->ParamCopy = &ParamCopy;
            _param->ParamEditBegin = &ParamEditBegin;
            _param->ParamEditEnd = &ParamEditEnd;

            _memory = Alloc<OfxMemorySuiteV1>();
            _memory->MemoryAlloc = &MemoryAlloc;
            _memory->MemoryFree = &MemoryFree;

            _mt = Alloc<OfxMultiThreadSuiteV1>();
            _mt->MultiThread = &MultiThread;
            _mt->MultiThreadNumCPUs = &MultiThreadNumCPUs;
            _mt->MultiThreadIndex = &MultiThreadIndex;
            _mt->MultiThreadIsSpawnedThread = &MultiThreadIsSpawnedThread;
            _mt->MutexCreate = &MutexCreate;
            _mt->MutexDestroy = &MutexDestroy;
            _mt->MutexLock = &MutexLock;
            _mt->MutexUnLock = &MutexUnLock;
            _mt->MutexTryLock = &MutexTryLock;

            _msg = Alloc<OfxMessageSuiteV2>();
            _msg->Message = NativeLibrary.GetExport(lib, "th_message");
            _msg->SetPersistentMessage = NativeLibrary.GetExport(lib, "th_setPersistentMessage");
            _msg->ClearPersistentMessage = &ClearPersistentMessage;
            _setPersistentFn = _msg->SetPersistentMessage;
            _clearPersistentFn = _msg->ClearPersistentMessage;
            _msgNoPersistent = Alloc<OfxMessageSuiteV2>();
            _msgNoPersistent->Message = _msg->Message;
            _msgNoPersistent->SetPersistentMessage = 0;
            _msgNoPersistent->ClearPersistentMessage = null;

            _progress1 = Alloc<OfxProgressSuiteV1>();
            _progress1->ProgressStart = &ProgressStart1;
            _progress1->ProgressUpdate = &ProgressUpdate;
            _progress1->ProgressEnd = &ProgressEnd;
            _progress2 = Alloc<OfxProgressSuiteV2>();
            _progress2->ProgressStart = &ProgressStart2;
            _progress2->ProgressUpdate = &ProgressUpdate;
            _progress2->ProgressEnd = &ProgressEnd;

            _timeline = Alloc<OfxTimeLineSuiteV1>();
            _timeline->GetTime = &GetTime;
            _timeline->GotoTime = &GotoTime;
            _timeline->GetTimeBounds = &GetTimeBounds;

            var host = Alloc<OfxHost>();
            host->Host = new PH(HostProps.Handle);
            host->FetchSuite = &FetchSuite;
            Host = host;
        }
    }

    private static T* Alloc<T>() where T : unmanaged => (T*)NativeMemory.AllocZeroed((nuint)sizeof(T));

    private static int Guard(string where, Func<int> f)
    {
        try
        {
            return f();
        }
        catch (Exception e)
        {
            HostErrors.Enqueue($"{where}: {e}");
            return Ofx.ErrFatal;
        }
    }

    /// <summary>Default properties of an effect descriptor (the plug-in overrides what it cares about).</summary>
    public static HostPropertySet NewEffectProps(string kind)
    {
        var p = new HostPropertySet(kind);
        p.Str(OfxProps.Type, OfxProps.TypeImageEffect)
            .Str(OfxProps.Label, "").Str(OfxProps.ShortLabel, "").Str(OfxProps.LongLabel, "")
            .Int(OfxProps.Version, 0).Str(OfxProps.VersionLabel, "")
            .Str(OfxProps.PluginDescription, "")
            .Str(OfxImageEffectProps.SupportedContexts)
            .Str(OfxImageEffectProps.PluginGrouping, "")
            .Int(OfxImageEffectProps.SingleInstance, 0)
            .Str(OfxImageEffectProps.RenderThreadSafety, OfxValues.RenderInstanceSafe)
            .Int(OfxImageEffectProps.HostFrameThreading, 1)
            .Ptr(OfxImageEffectProps.OverlayInteractV1, 0)
            .Int(OfxImageEffectProps.SupportsMultiResolution, 1)
            .Int(OfxImageEffectProps.SupportsTiles, 1)
            .Int(OfxImageEffectProps.TemporalClipAccess, 0)
            .Str(OfxImageEffectProps.SupportedPixelDepths)
            .Int(OfxImageEffectProps.FieldRenderTwiceAlways, 1)
            .Int(OfxImageEffectProps.SupportsMultipleClipDepths, 0)
            .Int(OfxImageEffectProps.SupportsMultipleClipPARs, 0)
            .Str(OfxImageEffectProps.ClipPreferencesSlaveParam);
        // Closed, as in hosts built on HostSupport: a property the spec does not define cannot be set.
        p.Open = false;
        return p;
    }

    // ================= fetchSuite =================

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void* FetchSuite(PH host, byte* name, int version)
    {
        try
        {
            string n = HostStrings.Read(name);
            SuitesFetched.Enqueue($"{n} v{version}");
            if (host.Value != HostProps.Handle) { HostErrors.Enqueue($"fetchSuite({n}) with a foreign host handle"); return null; }
            return (n, version) switch
            {
                (OfxSuiteNames.Property, 1) => _prop,
                (OfxSuiteNames.ImageEffect, 1) => _effect,
                (OfxSuiteNames.Parameter, 1) => _param,
                (OfxSuiteNames.Memory, 1) => _memory,
                (OfxSuiteNames.MultiThread, 1) => MultiThreadAvailable ? _mt : null,
                (OfxSuiteNames.Message, 2) => MessageSuiteVersion >= 2 ? (PersistentMessageNull ? _msgNoPersistent : _msg) : null,
                (OfxSuiteNames.Message, 1) => MessageSuiteVersion >= 1 ? _msg : null,
                (OfxSuiteNames.Progress, 1) => _progress1,
                (OfxSuiteNames.Progress, 2) => _progress2,
                (OfxSuiteNames.TimeLine, 1) => _timeline,
                _ => null,
            };
        }
        catch (Exception e)
        {
            HostErrors.Enqueue($"fetchSuite: {e}");
            return null;
        }
    }

    // ================= property suite =================

    private static HostPropertySet? PS(PH h) => HandleTable.Get<HostPropertySet>(h.Value);

    private static int SetOne(PH h, byte* name, int index, PropType type, object value)
    {
        HostStrings.Expire();
        var ps = PS(h);
        if (ps == null) return Ofx.ErrBadHandle;
        return ps.Set(HostStrings.Read(name), type, index, value);
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int PropSetPointer(PH h, byte* name, int index, void* v) => Guard("propSetPointer", () => SetOne(h, name, index, PropType.Pointer, (nint)v));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int PropSetString(PH h, byte* name, int index, byte* v) => Guard("propSetString", () => v == null ? Ofx.ErrValue : SetOne(h, name, index, PropType.String, HostStrings.Read(v)));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int PropSetDouble(PH h, byte* name, int index, double v) => Guard("propSetDouble", () => SetOne(h, name, index, PropType.Double, v));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int PropSetInt(PH h, byte* name, int index, int v) => Guard("propSetInt", () => SetOne(h, name, index, PropType.Int, v));

    private static int SetMany(PH h, byte* name, int count, PropType type, Func<int, object> at)
    {
        HostStrings.Expire();
        var ps = PS(h);
        if (ps == null) return Ofx.ErrBadHandle;
        if (count < 0) return Ofx.ErrBadIndex;
        var vals = new object[count];
        for (int i = 0; i < count; i++) vals[i] = at(i);
        return ps.SetN(HostStrings.Read(name), type, vals);
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int PropSetPointerN(PH h, byte* name, int count, void** v) => Guard("propSetPointerN", () => SetMany(h, name, count, PropType.Pointer, i => (nint)v[i]));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int PropSetStringN(PH h, byte* name, int count, byte** v) => Guard("propSetStringN", () => SetMany(h, name, count, PropType.String, i => HostStrings.Read(v[i])));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int PropSetDoubleN(PH h, byte* name, int count, double* v) => Guard("propSetDoubleN", () => SetMany(h, name, count, PropType.Double, i => v[i]));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int PropSetIntN(PH h, byte* name, int count, int* v) => Guard("propSetIntN", () => SetMany(h, name, count, PropType.Int, i => v[i]));

    private static int GetOne(PH h, byte* name, int index, PropType type, out object? value)
    {
        HostStrings.Expire();
        value = null;
        var ps = PS(h);
        if (ps == null) return Ofx.ErrBadHandle;
        return ps.Get(HostStrings.Read(name), type, index, out value);
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int PropGetPointer(PH h, byte* name, int index, void** v) => Guard("propGetPointer", () =>
    {
        int st = GetOne(h, name, index, PropType.Pointer, out var o);
        if (st == Ofx.OK) *v = (void*)(nint)o!;
        return st;
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int PropGetString(PH h, byte* name, int index, byte** v) => Guard("propGetString", () =>
    {
        int st = GetOne(h, name, index, PropType.String, out var o);
        if (st == Ofx.OK) *v = HostStrings.Scratch((string)o!);
        return st;
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int PropGetDouble(PH h, byte* name, int index, double* v) => Guard("propGetDouble", () =>
    {
        int st = GetOne(h, name, index, PropType.Double, out var o);
        if (st == Ofx.OK) *v = (double)o!;
        return st;
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int PropGetInt(PH h, byte* name, int index, int* v) => Guard("propGetInt", () =>
    {
        int st = GetOne(h, name, index, PropType.Int, out var o);
        if (st == Ofx.OK) *v = (int)o!;
        return st;
    });

    private static int GetMany(PH h, byte* name, int count, PropType type, Action<int, object> put)
    {
        HostStrings.Expire();
        var ps = PS(h);
        if (ps == null) return Ofx.ErrBadHandle;
        string n = HostStrings.Read(name);
        for (int i = 0; i < count; i++)
        {
            int st = ps.Get(n, type, i, out var o);
            if (st != Ofx.OK) return st;
            put(i, o!);
        }
        return Ofx.OK;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int PropGetPointerN(PH h, byte* name, int count, void** v) => Guard("propGetPointerN", () => GetMany(h, name, count, PropType.Pointer, (i, o) => v[i] = (void*)(nint)o));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int PropGetStringN(PH h, byte* name, int count, byte** v) => Guard("propGetStringN", () => GetMany(h, name, count, PropType.String, (i, o) => v[i] = HostStrings.Scratch((string)o)));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int PropGetDoubleN(PH h, byte* name, int count, double* v) => Guard("propGetDoubleN", () => GetMany(h, name, count, PropType.Double, (i, o) => v[i] = (double)o));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int PropGetIntN(PH h, byte* name, int count, int* v) => Guard("propGetIntN", () => GetMany(h, name, count, PropType.Int, (i, o) => v[i] = (int)o));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int PropReset(PH h, byte* name) => Guard("propReset", () => PS(h)?.Reset(HostStrings.Read(name)) ?? Ofx.ErrBadHandle);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int PropGetDimension(PH h, byte* name, int* n) => Guard("propGetDimension", () =>
    {
        var ps = PS(h);
        if (ps == null) return Ofx.ErrBadHandle;
        int st = ps.Dimension(HostStrings.Read(name), out int d);
        *n = d;
        return st;
    });

    // ================= image effect suite =================

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int GetPropertySet(OfxImageEffectHandle h, PH* props) => Guard("getPropertySet", () =>
    {
        var o = HandleTable.Get<object>(h.Value);
        var ps = o switch { HostDescriptor d => d.Props, HostInstance i => i.Props, _ => null };
        if (ps == null) return Ofx.ErrBadHandle;
        *props = new PH(ps.Handle);
        return Ofx.OK;
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int GetParamSet(OfxImageEffectHandle h, OfxParamSetHandle* ps) => Guard("getParamSet", () =>
    {
        var o = HandleTable.Get<object>(h.Value);
        var set = o switch { HostDescriptor d => d.Params, HostInstance i => i.Params, _ => null };
        if (set == null) return Ofx.ErrBadHandle;
        *ps = new OfxParamSetHandle(set.Handle);
        return Ofx.OK;
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int ClipDefine(OfxImageEffectHandle h, byte* name, PH* props) => Guard("clipDefine", () =>
    {
        var d = HandleTable.Get<HostDescriptor>(h.Value);
        if (d == null) return Ofx.ErrBadHandle;
        string n = HostStrings.Read(name);
        if (d.Clips.ContainsKey(n)) return Ofx.ErrExists;
        var p = new HostPropertySet("clip-descriptor");
        p.Str(OfxProps.Type, OfxProps.TypeClip).Str(OfxProps.Name, n).Str(OfxProps.Label, n).Str(OfxProps.ShortLabel, n).Str(OfxProps.LongLabel, n)
            .Str(OfxImageEffectProps.SupportedComponents).Int(OfxImageEffectProps.TemporalClipAccess, 0).Int(OfxClipProps.Optional, 0)
            .Str(OfxClipProps.FieldExtraction, OfxValues.FieldDoubled).Int(OfxClipProps.IsMask, 0).Int(OfxImageEffectProps.SupportsTiles, 1);
        d.Clips[n] = new HostClip(n, p);
        d.ClipOrder.Add(n);
        *props = new PH(p.Handle);
        return Ofx.OK;
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int ClipGetHandle(OfxImageEffectHandle h, byte* name, OfxImageClipHandle* clip, PH* props) => Guard("clipGetHandle", () =>
    {
        var inst = HandleTable.Get<HostInstance>(h.Value);
        if (inst == null) return Ofx.ErrBadHandle;
        if (!inst.Clips.TryGetValue(HostStrings.Read(name), out var c)) return Ofx.ErrUnknown;
        *clip = new OfxImageClipHandle(c.Handle);
        if (props != null) *props = new PH(c.Props.Handle);
        return Ofx.OK;
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int ClipGetPropertySet(OfxImageClipHandle h, PH* props) => Guard("clipGetPropertySet", () =>
    {
        var c = HandleTable.Get<HostClip>(h.Value);
        if (c == null) return Ofx.ErrBadHandle;
        *props = new PH(c.Props.Handle);
        return Ofx.OK;
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int ClipGetImage(OfxImageClipHandle h, double time, OfxRectD* region, PH* image) => Guard("clipGetImage", () =>
    {
        *image = default;
        var c = HandleTable.Get<HostClip>(h.Value);
        if (c?.Owner == null) return Ofx.ErrBadHandle;
        var img = HostImages.Fetch(c.Owner, c, time, out int st);
        if (img != null) *image = new PH(img.Props.Handle);
        return st;
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int ClipReleaseImage(PH h) => Guard("clipReleaseImage", () => HostImages.Release(h.Value));

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int ClipGetRegionOfDefinition(OfxImageClipHandle h, double time, OfxRectD* rod) => Guard("clipGetRegionOfDefinition", () =>
    {
        var c = HandleTable.Get<HostClip>(h.Value);
        if (c?.Owner == null) return Ofx.ErrBadHandle;
        if (c.Owner.Faults.FailRoD) return Ofx.Failed;
        *rod = c.Owner.SourceRoD;
        return Ofx.OK;
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int Abort(OfxImageEffectHandle h)
    {
        try
        {
            var inst = HandleTable.Get<HostInstance>(h.Value);
            if (inst == null) { HostErrors.Enqueue("abort() on a bad handle"); return 0; }
            int n = Interlocked.Increment(ref inst.Faults.AbortCalls);
            return inst.Faults.AbortAfterCalls > 0 && n >= inst.Faults.AbortAfterCalls ? 1 : 0;
        }
        catch (Exception e)
        {
            HostErrors.Enqueue($"abort: {e}");
            return 0;
        }
    }

    private sealed class ImageMemory
    {
        public nint Ptr;
        public nuint Size;
        public int Locks;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int ImageMemoryAlloc(OfxImageEffectHandle h, nuint n, OfxImageMemoryHandle* mem) => Guard("imageMemoryAlloc", () =>
    {
        var m = new ImageMemory { Ptr = (nint)NativeMemory.Alloc(n), Size = n };
        Interlocked.Add(ref MemoryOutstanding, (long)n);
        *mem = new OfxImageMemoryHandle(HandleTable.Add(m));
        return Ofx.OK;
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int ImageMemoryFree(OfxImageMemoryHandle h) => Guard("imageMemoryFree", () =>
    {
        var m = HandleTable.Get<ImageMemory>(h.Value);
        if (m == null) return Ofx.ErrBadHandle;
        HandleTable.Remove(h.Value);
        NativeMemory.Free((void*)m.Ptr);
        Interlocked.Add(ref MemoryOutstanding, -(long)m.Size);
        return Ofx.OK;
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int ImageMemoryLock(OfxImageMemoryHandle h, void** p) => Guard("imageMemoryLock", () =>
    {
        var m = HandleTable.Get<ImageMemory>(h.Value);
        if (m == null) return Ofx.ErrBadHandle;
        m.Locks++;
        *p = (void*)m.Ptr;
        return Ofx.OK;
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int ImageMemoryUnlock(OfxImageMemoryHandle h) => Guard("imageMemoryUnlock", () =>
    {
        var m = HandleTable.Get<ImageMemory>(h.Value);
        if (m == null) return Ofx.ErrBadHandle;
        m.Locks--;
        return Ofx.OK;
    });

    // ================= parameter suite =================

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int ParamDefine(OfxParamSetHandle h, byte* type, byte* name, PH* props) => Guard("paramDefine", () =>
    {
        var set = HandleTable.Get<HostParamSet>(h.Value);
        if (set == null) return Ofx.ErrBadHandle;
        string t = HostStrings.Read(type), n = HostStrings.Read(name);
        if (set.Params.ContainsKey(n)) return Ofx.ErrExists;
        var p = new HostPropertySet("param-descriptor");
        p.Str(OfxProps.Type, OfxProps.TypeParameter).Str(OfxProps.Name, n).Str(OfxProps.Label, n).Str(OfxProps.ShortLabel, n).Str(OfxProps.LongLabel, n)
            .Str(OfxParamProps.Type, t).Str(OfxParamProps.ScriptName, n).Str(OfxParamProps.Hint, "").Int(OfxParamProps.Enabled, 1)
            .Int(OfxParamProps.Secret, 0).Str(OfxParamProps.Parent, "").Int(OfxParamProps.EvaluateOnChange, 1).Int(OfxParamProps.Persistant, 1)
            .Int(OfxParamProps.CanUndo, 1).Ptr(OfxParamProps.DataPtr, 0);
        var param = new HostParam(n, t, p);
        if (param.Kind == -1 && t is not (OfxParamProps.TypeGroup or OfxParamProps.TypePage or OfxParamProps.TypePushButton))
            return Ofx.ErrUnknown;
        set.Params[n] = param;
        set.Order.Add(n);
        if (props != null) *props = new PH(p.Handle);
        return Ofx.OK;
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int ParamGetHandle(OfxParamSetHandle h, byte* name, OfxParamHandle* param, PH* props) => Guard("paramGetHandle", () =>
    {
        HostStrings.Expire();
        var set = HandleTable.Get<HostParamSet>(h.Value);
        if (set == null) return Ofx.ErrBadHandle;
        if (!set.Params.TryGetValue(HostStrings.Read(name), out var p)) return Ofx.ErrUnknown;
        *param = new OfxParamHandle(p.Handle);
        if (props != null) *props = new PH(p.Props.Handle);
        return Ofx.OK;
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int ParamSetGetPropertySet(OfxParamSetHandle h, PH* props) => Guard("paramSetGetPropertySet", () =>
    {
        var set = HandleTable.Get<HostParamSet>(h.Value);
        if (set == null) return Ofx.ErrBadHandle;
        *props = new PH(set.Props.Handle);
        return Ofx.OK;
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int ParamGetPropertySet(OfxParamHandle h, PH* props) => Guard("paramGetPropertySet", () =>
    {
        var p = HandleTable.Get<HostParam>(h.Value);
        if (p == null) return Ofx.ErrBadHandle;
        *props = new PH(p.Props.Handle);
        return Ofx.OK;
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int CbKind(nint h, int* kind, int* count) => Guard("param kind", () =>
    {
        var p = HandleTable.Get<HostParam>(h);
        if (p == null || p.Kind < 0) return Ofx.ErrBadHandle;
        *kind = p.Kind;
        *count = p.Count;
        return Ofx.OK;
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int CbGet(nint h, int mode, double t1, double t2, void** outs, int count) => Guard("paramGetValue", () =>
    {
        HostStrings.Expire();
        var p = HandleTable.Get<HostParam>(h);
        if (p == null) return Ofx.ErrBadHandle;
        if (p.Owner != null && p.Owner.Faults.FailParam == p.Name) return Ofx.ErrBadHandle;
        if (p.Kind == 2)
        {
            *(byte**)outs[0] = HostStrings.Scratch(p.StringValue);
            return Ofx.OK;
        }
        double[] v = mode switch
        {
            0 => p.ValueAt(null),
            1 => p.ValueAt(t1),
            2 => p.ValueAt(t1 + 0.5).Zip(p.ValueAt(t1 - 0.5), (a, b) => a - b).ToArray(),
            _ => Integral(p, t1, t2),
        };
        for (int i = 0; i < count; i++)
        {
            if (p.Kind == 0) *(int*)outs[i] = (int)Math.Round(v[i]);
            else *(double*)outs[i] = v[i];
        }
        return Ofx.OK;
    });

    private static double[] Integral(HostParam p, double t1, double t2)
    {
        const int n = 64;
        var acc = new double[p.Count];
        for (int k = 0; k < n; k++)
        {
            var v = p.ValueAt(t1 + (t2 - t1) * (k + 0.5) / n);
            for (int i = 0; i < acc.Length; i++) acc[i] += v[i] * (t2 - t1) / n;
        }
        return acc;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int CbSet(nint h, int hasTime, double time, int* ints, double* doubles, byte* str, int count) => Guard("paramSetValue", () =>
    {
        var p = HandleTable.Get<HostParam>(h);
        if (p == null) return Ofx.ErrBadHandle;
        if (p.Kind == 2) { p.SetString(HostStrings.Read(str)); return Ofx.OK; }
        var v = new double[count];
        for (int i = 0; i < count; i++) v[i] = p.Kind == 0 ? ints[i] : doubles[i];
        if (hasTime != 0) p.SetKey(time, v); else p.SetValue(v);
        return Ofx.OK;
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int ParamGetNumKeys(OfxParamHandle h, uint* n) => Guard("paramGetNumKeys", () =>
    {
        var p = HandleTable.Get<HostParam>(h.Value);
        if (p == null) return Ofx.ErrBadHandle;
        *n = (uint)p.NumKeys;
        return Ofx.OK;
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int ParamGetKeyTime(OfxParamHandle h, uint nth, double* t) => Guard("paramGetKeyTime", () =>
    {
        var p = HandleTable.Get<HostParam>(h.Value);
        if (p == null) return Ofx.ErrBadHandle;
        if (nth >= p.NumKeys) return Ofx.ErrBadIndex;
        *t = p.KeyTime((int)nth);
        return Ofx.OK;
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int ParamGetKeyIndex(OfxParamHandle h, double time, int direction, int* index) => Guard("paramGetKeyIndex", () =>
    {
        var p = HandleTable.Get<HostParam>(h.Value);
        if (p == null) return Ofx.ErrBadHandle;
        int n = p.NumKeys;
        for (int i = 0; i < n; i++)
        {
            double kt = p.KeyTime(direction < 0 ? n - 1 - i : i);
            bool hit = direction == 0 ? kt == time : direction < 0 ? kt < time : kt > time;
            if (hit) { *index = direction < 0 ? n - 1 - i : i; return Ofx.OK; }
        }
        return Ofx.Failed;
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int ParamDeleteKey(OfxParamHandle h, double time) => Guard("paramDeleteKey", () =>
        HandleTable.Get<HostParam>(h.Value) is { } p ? (p.DeleteKey(time) ? Ofx.OK : Ofx.ErrBadIndex) : Ofx.ErrBadHandle);

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int ParamDeleteAllKeys(OfxParamHandle h) => Guard("paramDeleteAllKeys", () =>
    {
        var p = HandleTable.Get<HostParam>(h.Value);
        if (p == null) return Ofx.ErrBadHandle;
        p.ClearKeys();
        return Ofx.OK;
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int ParamCopy(OfxParamHandle to, OfxParamHandle from, double offset, OfxRangeD* range) => Ofx.ErrUnsupported;

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int ParamEditBegin(OfxParamSetHandle h, byte* name) => Ofx.OK;

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int ParamEditEnd(OfxParamSetHandle h) => Ofx.OK;

    // ================= memory suite =================

    private static readonly ConcurrentDictionary<nint, nuint> MemoryBlocks = new();

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int MemoryAlloc(void* handle, nuint n, void** p) => Guard("memoryAlloc", () =>
    {
        var m = NativeMemory.Alloc(n == 0 ? 1 : n);
        MemoryBlocks[(nint)m] = n;
        Interlocked.Add(ref MemoryOutstanding, (long)n);
        Interlocked.Increment(ref MemoryAllocs);
        *p = m;
        return Ofx.OK;
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int MemoryFree(void* p) => Guard("memoryFree", () =>
    {
        if (!MemoryBlocks.TryRemove((nint)p, out var n)) return Ofx.ErrBadHandle;
        NativeMemory.Free(p);
        Interlocked.Add(ref MemoryOutstanding, -(long)n);
        return Ofx.OK;
    });

    // ================= multithread suite =================

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int MultiThread(delegate* unmanaged[Cdecl]<uint, uint, void*, void> func, uint n, void* arg)
    {
        try
        {
            if (func == null || n == 0) return Ofx.Failed;
            if (_spawned) return Ofx.ErrExists; // no nested SMP, as the spec allows
            if (n == 1)
            {
                func(0, 1, arg);
                return Ofx.OK;
            }
            if (FreshThreadsPerCall) return RunOnFreshThreads(func, n, arg);
            // Like Nuke's and Natron's thread pools: persistent workers. Every index of every call in flight gets a worker
            // of its own (indices may wait on each other through the mutex suite), so the pool grows rather than queues.
            using var done = new CountdownEvent((int)n);
            nint fn = (nint)func, argp = (nint)arg;
            WorkerPool.Ensure(Interlocked.Add(ref _indicesInFlight, (int)n));
            for (uint i = 0; i < n; i++)
            {
                uint index = i;
                WorkerPool.Post(() =>
                {
                    try
                    {
                        _threadIndex = index;
                        ((delegate* unmanaged[Cdecl]<uint, uint, void*, void>)fn)(index, n, (void*)argp);
                    }
                    finally
                    {
                        Interlocked.Decrement(ref _indicesInFlight);
                        done.Signal();
                    }
                });
                Interlocked.Increment(ref ThreadsSpawned);
            }
            done.Wait();
            return Ofx.OK;
        }
        catch (Exception e)
        {
            HostErrors.Enqueue($"multiThread: {e}");
            return Ofx.Failed;
        }
    }

    /// <summary>The multithread suite's workers: started on demand, kept for the life of the process, each marked as spawned.</summary>
    private static int _indicesInFlight;

    private static int RunOnFreshThreads(delegate* unmanaged[Cdecl]<uint, uint, void*, void> func, uint n, void* arg)
    {
        var threads = new Thread[n];
        nint fn = (nint)func, argp = (nint)arg;
        for (uint i = 0; i < n; i++)
        {
            uint index = i;
            threads[i] = new Thread(() =>
            {
                _spawned = true;
                _threadIndex = index;
                ((delegate* unmanaged[Cdecl]<uint, uint, void*, void>)fn)(index, n, (void*)argp);
            }, 256 * 1024);
            threads[i].Start();
            Interlocked.Increment(ref ThreadsSpawned);
        }
        foreach (var t in threads) t.Join();
        return Ofx.OK;
    }

    private static class WorkerPool
    {
        private static readonly System.Collections.Concurrent.BlockingCollection<Action> Work = new();
        private static int _workers;
        private static readonly object Gate = new();

        public static void Ensure(int n)
        {
            lock (Gate)
            {
                for (; _workers < n; _workers++)
                {
                    var t = new Thread(() =>
                    {
                        _spawned = true;
                        foreach (var a in Work.GetConsumingEnumerable()) a();
                    }, 256 * 1024) { IsBackground = true, Name = $"ofx-host-worker-{_workers}" };
                    t.Start();
                }
            }
        }

        public static void Post(Action a) => Work.Add(a);
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int MultiThreadNumCPUs(uint* n) { *n = NumCPUs; return Ofx.OK; }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int MultiThreadIndex(uint* i) { *i = _spawned ? _threadIndex : 0; return Ofx.OK; }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int MultiThreadIsSpawnedThread() => _spawned ? 1 : 0;

    private sealed class HostMutex
    {
        public readonly object Gate = new();
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int MutexCreate(OfxMutexHandle* m, int lockCount) => Guard("mutexCreate", () =>
    {
        var mx = new HostMutex();
        for (int i = 0; i < lockCount; i++) Monitor.Enter(mx.Gate);
        *m = new OfxMutexHandle(HandleTable.Add(mx));
        return Ofx.OK;
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int MutexDestroy(OfxMutexHandle m) => Guard("mutexDestroy", () =>
    {
        if (HandleTable.Get<HostMutex>(m.Value) == null) return Ofx.ErrBadHandle;
        HandleTable.Remove(m.Value);
        return Ofx.OK;
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int MutexLock(OfxMutexHandle m) => Guard("mutexLock", () =>
    {
        var mx = HandleTable.Get<HostMutex>(m.Value);
        if (mx == null) return Ofx.ErrBadHandle;
        Monitor.Enter(mx.Gate);
        return Ofx.OK;
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int MutexUnLock(OfxMutexHandle m) => Guard("mutexUnLock", () =>
    {
        var mx = HandleTable.Get<HostMutex>(m.Value);
        if (mx == null) return Ofx.ErrBadHandle;
        Monitor.Exit(mx.Gate);
        return Ofx.OK;
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int MutexTryLock(OfxMutexHandle m) => Guard("mutexTryLock", () =>
    {
        var mx = HandleTable.Get<HostMutex>(m.Value);
        if (mx == null) return Ofx.ErrBadHandle;
        return Monitor.TryEnter(mx.Gate) ? Ofx.OK : Ofx.Failed;
    });

    // ================= message, progress, timeline =================

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int CbMessage(nint handle, byte* type, byte* id, byte* text, int persistent) => Guard("message", () =>
    {
        // Strict as hosts built on HostSupport need it: they cast the handle to an instance (a descriptor crashes them).
        if (!IsInstanceOrNull(handle))
        {
            HostErrors.Enqueue($"{(persistent != 0 ? "setPersistentMessage" : "message")} on a handle that is not an instance: {HostStrings.Read(text)}");
            return Ofx.ErrBadHandle;
        }
        Messages.Enqueue(new HostMessage(handle, HostStrings.Read(type), id == null ? null : HostStrings.Read(id), HostStrings.Read(text), persistent != 0));
        return Ofx.OK;
    });

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int ClearPersistentMessage(void* handle)
    {
        if (!IsInstanceOrNull((nint)handle))
        {
            HostErrors.Enqueue("clearPersistentMessage on a handle that is not an instance");
            return Ofx.ErrBadHandle;
        }
        Messages.Enqueue(new HostMessage((nint)handle, "clear", null, "", true));
        return Ofx.OK;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int ProgressStart1(void* h, byte* label) { ProgressCalls.AddOrUpdate((nint)h, 1, (_, v) => v + 1); return Ofx.OK; }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int ProgressStart2(void* h, byte* label, byte* id) { ProgressCalls.AddOrUpdate((nint)h, 1, (_, v) => v + 1); return Ofx.OK; }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int ProgressUpdate(void* h, double p) => Ofx.OK;

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int ProgressEnd(void* h) => Ofx.OK;

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int GetTime(void* h, double* t) { *t = 0; return Ofx.OK; }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int GotoTime(void* h, double t) => Ofx.OK;

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int GetTimeBounds(void* h, double* a, double* b)
    {
        var inst = HandleTable.Get<HostInstance>((nint)h);
        *a = inst?.Source?.First ?? 0;
        *b = inst?.Source?.Last ?? 0;
        return Ofx.OK;
    }

    private static bool IsInstanceOrNull(nint handle) => handle == 0 || HandleTable.Get<HostInstance>(handle) != null;

    public static List<HostMessage> MessagesFor(nint handle) => Messages.Where(m => m.Handle == handle).ToList();
}
