using HdrOfx.Interop.Native;

namespace HdrOfx.Interop.Support;

/// <summary>kOfxImageEffectActionRender / IsIdentity in-arguments.</summary>
public readonly record struct RenderArgs(double Time, OfxPointD RenderScale, OfxRectI RenderWindow, string Field,
    bool SequentialRender, bool InteractiveRender)
{
    internal static RenderArgs Read(PropertySet inArgs) => new(
        inArgs.GetDouble(OfxProps.Time),
        inArgs.TryGetDouble(OfxImageEffectProps.RenderScale, out var sx) && inArgs.TryGetDouble(OfxImageEffectProps.RenderScale, out var sy, 1)
            ? new OfxPointD(sx, sy) : new OfxPointD(1, 1),
        inArgs.GetRectI(OfxImageEffectProps.RenderWindow),
        inArgs.GetStringOr(OfxImageEffectProps.FieldToRender, OfxValues.FieldNone),
        inArgs.GetIntOr(OfxImageEffectProps.SequentialRenderStatus, 0) != 0,
        inArgs.GetIntOr(OfxImageEffectProps.InteractiveRenderStatus, 0) != 0);
}

/// <summary>kOfxImageEffectActionBeginSequenceRender / EndSequenceRender in-arguments.</summary>
public readonly record struct SequenceArgs(OfxRangeD FrameRange, double FrameStep, bool Interactive, OfxPointD RenderScale)
{
    internal static SequenceArgs Read(PropertySet inArgs) => new(
        inArgs.TryGetDouble(OfxImageEffectProps.FrameRange, out var a) && inArgs.TryGetDouble(OfxImageEffectProps.FrameRange, out var b, 1) ? new OfxRangeD(a, b) : default,
        inArgs.GetDoubleOr(OfxImageEffectProps.FrameStep, 1),
        inArgs.GetIntOr(OfxProps.IsInteractive, 0) != 0,
        inArgs.TryGetDouble(OfxImageEffectProps.RenderScale, out var sx) && inArgs.TryGetDouble(OfxImageEffectProps.RenderScale, out var sy, 1)
            ? new OfxPointD(sx, sy) : new OfxPointD(1, 1));
}

/// <summary>kOfxActionInstanceChanged in-arguments.</summary>
public readonly record struct InstanceChangedArgs(string Type, string Name, string Reason, double Time)
{
    internal static InstanceChangedArgs Read(PropertySet inArgs) => new(
        inArgs.GetStringOr(OfxProps.Type, ""),
        inArgs.GetStringOr(OfxProps.Name, ""),
        inArgs.GetStringOr(OfxProps.ChangeReason, ""),
        inArgs.GetDoubleOr(OfxProps.Time, 0));
}

/// <summary>Out-arguments of GetClipPreferences: per-clip settings are written with the clip name appended.</summary>
public readonly struct ClipPreferences
{
    private readonly PropertySet _out;

    internal ClipPreferences(PropertySet outArgs) => _out = outArgs;

    public void SetDepth(string clip, string depth) => _out.SetString(OfxClipProps.DepthPrefix + clip, depth);
    public void SetComponents(string clip, string components) => _out.SetString(OfxClipProps.ComponentsPrefix + clip, components);
    public void SetPixelAspectRatio(string clip, double par) => _out.SetDouble(OfxClipProps.PARPrefix + clip, par);
    public void SetPremultiplication(string premult) => _out.SetString(OfxImageEffectProps.PreMultiplication, premult);
    public void SetFrameVarying(bool on) => _out.SetInt(OfxImageEffectProps.FrameVarying, on ? 1 : 0);
}

/// <summary>Out-arguments of GetRegionsOfInterest.</summary>
public readonly struct RegionsOfInterest
{
    private readonly PropertySet _out;

    internal RegionsOfInterest(PropertySet outArgs) => _out = outArgs;

    public void Set(string clip, OfxRectD roi) => _out.SetRectD(OfxClipProps.RoIPrefix + clip, roi);
}

/// <summary>Out-arguments of GetFramesNeeded.</summary>
public readonly struct FramesNeeded
{
    private readonly PropertySet _out;

    internal FramesNeeded(PropertySet outArgs) => _out = outArgs;

    /// <summary>One or more inclusive ranges for the clip, flattened as min0, max0, min1, max1, ...</summary>
    public void Set(string clip, params OfxRangeD[] ranges)
    {
        var flat = new double[ranges.Length * 2];
        for (int i = 0; i < ranges.Length; i++) { flat[2 * i] = ranges[i].Min; flat[2 * i + 1] = ranges[i].Max; }
        _out.SetDoubles(OfxClipProps.FrameRangePrefix + clip, flat);
    }
}
