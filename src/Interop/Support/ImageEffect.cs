using HdrOfx.Interop.Native;

namespace HdrOfx.Interop.Support;

/// <summary>
/// One instance of an image effect. Override the actions you handle; the defaults return
/// kOfxStatReplyDefault, which tells the host to do its default. Actions may run concurrently
/// on several threads when the plug-in declares render thread safety "FullySafe": keep per-render
/// state on the stack and lock whatever is shared.
/// </summary>
public abstract unsafe class ImageEffect
{
    public OfxImageEffectHandle Handle { get; internal set; }
    public PropertySet Properties { get; internal set; }
    public ParamSet Params { get; internal set; } = null!;
    public string Context { get; internal set; } = "";

    /// <summary>Called once after the instance is attached to its handle (kOfxActionCreateInstance).</summary>
    public virtual void OnCreate() { }

    /// <summary>kOfxActionDestroyInstance.</summary>
    public virtual void OnDestroy() { }

    public virtual int Render(in RenderArgs args) => OfxStatus.ReplyDefault;

    public virtual int IsIdentity(in RenderArgs args, out string clip, out double time)
    {
        clip = "";
        time = args.Time;
        return OfxStatus.ReplyDefault;
    }

    public virtual int GetRegionOfDefinition(double time, OfxPointD renderScale, out OfxRectD rod)
    {
        rod = default;
        return OfxStatus.ReplyDefault;
    }

    public virtual int GetRegionsOfInterest(double time, OfxPointD renderScale, OfxRectD regionOfInterest, RegionsOfInterest rois) => OfxStatus.ReplyDefault;

    public virtual int GetFramesNeeded(double time, FramesNeeded frames) => OfxStatus.ReplyDefault;

    public virtual int GetClipPreferences(ClipPreferences prefs) => OfxStatus.ReplyDefault;

    public virtual int GetTimeDomain(out OfxRangeD range)
    {
        range = default;
        return OfxStatus.ReplyDefault;
    }

    public virtual int BeginSequenceRender(in SequenceArgs args) => OfxStatus.ReplyDefault;

    public virtual int EndSequenceRender(in SequenceArgs args) => OfxStatus.ReplyDefault;

    public virtual int InstanceChanged(in InstanceChangedArgs args) => OfxStatus.ReplyDefault;

    public virtual int PurgeCaches() => OfxStatus.ReplyDefault;

    public virtual int SyncPrivateData() => OfxStatus.ReplyDefault;

    /// <summary>The host's abort flag for this instance (false when the host cannot say).</summary>
    public bool IsAborted => OfxHostSuites.ImageEffect != null && OfxHostSuites.ImageEffect->Abort(Handle) != 0;

    /// <summary>Throws <see cref="OfxAbortException"/> when the host asked to stop.</summary>
    public void ThrowIfAborted()
    {
        if (IsAborted) throw new OfxAbortException();
    }

    public Clip GetClip(string name) => Clip.Get(Handle, name);
}
