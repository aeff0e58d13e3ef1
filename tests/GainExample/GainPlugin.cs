using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using HdrOfx.Interop.Native;
using HdrOfx.Interop.Support;

namespace GainExample;

/// <summary>The three exports every OFX binary needs; the SDK does the rest.</summary>
public static unsafe class Exports
{
    private static readonly object Gate = new();
    private static bool _registered;

    private static void Register()
    {
        lock (Gate)
        {
            if (_registered) return;
            OfxPluginRegistry.Register(new GainPlugin());
            _registered = true;
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "OfxGetNumberOfPlugins", CallConvs = [typeof(CallConvCdecl)])]
    public static int OfxGetNumberOfPlugins()
    {
        try { Register(); return OfxPluginRegistry.Count; } catch { return 0; }
    }

    [UnmanagedCallersOnly(EntryPoint = "OfxGetPlugin", CallConvs = [typeof(CallConvCdecl)])]
    public static OfxPlugin* OfxGetPlugin(int nth)
    {
        try { Register(); return OfxPluginRegistry.Get(nth); } catch { return null; }
    }

    [UnmanagedCallersOnly(EntryPoint = "OfxSetHost", CallConvs = [typeof(CallConvCdecl)])]
    public static int OfxSetHost(OfxHost* host)
    {
        try { Register(); return OfxPluginRegistry.SetHost(host); } catch { return OfxStatus.ErrFatal; }
    }
}

/// <summary>Describes the effect: one Source clip, one Output clip, one "gain" parameter.</summary>
public sealed class GainPlugin : ImageEffectPlugin
{
    public const string ParamGain = "gain";

    public override string Identifier => "org.hdrofx.examples.Gain";

    public override void Describe(EffectDescriptor effect)
    {
        effect.Labels("Gain (OpenFX.NET example)", "Gain");
        var p = effect.Properties;
        p.SetString(OfxImageEffectProps.PluginGrouping, "HdrOfx/Examples");
        p.SetStrings(OfxImageEffectProps.SupportedContexts, [OfxValues.ContextFilter]);
        p.SetStrings(OfxImageEffectProps.SupportedPixelDepths, [OfxValues.BitDepthFloat]);
        p.SetString(OfxImageEffectProps.RenderThreadSafety, OfxValues.RenderFullySafe);
        p.SetInt(OfxImageEffectProps.SupportsTiles, 1);
        p.SetInt(OfxImageEffectProps.SupportsMultiResolution, 1);
        p.SetInt(OfxImageEffectProps.TemporalClipAccess, 0);
    }

    public override void DescribeInContext(EffectDescriptor effect, string context)
    {
        effect.DefineClip(OfxValues.SimpleSourceClipName).Components(OfxValues.ComponentRGBA, OfxValues.ComponentRGB).SupportsTiles(true);
        effect.DefineClip(OfxValues.OutputClipName).Components(OfxValues.ComponentRGBA, OfxValues.ComponentRGB).SupportsTiles(true);
        effect.Params.DefineDouble(ParamGain, "Gain", "Multiplies RGB.", 1.0, 0, 1000, 0, 4);
    }

    public override ImageEffect CreateInstance(string context) => new GainEffect();
}

/// <summary>Multiplies RGB by the gain at the render time; alpha passes through.</summary>
public sealed class GainEffect : ImageEffect
{
    private Clip _src = null!, _dst = null!;
    private DoubleParam _gain = null!;

    public override void OnCreate()
    {
        _src = GetClip(OfxValues.SimpleSourceClipName);
        _dst = GetClip(OfxValues.OutputClipName);
        _gain = Params.GetDouble(GainPlugin.ParamGain);
    }

    public override int IsIdentity(in RenderArgs args, out string clip, out double time)
    {
        clip = OfxValues.SimpleSourceClipName;
        time = args.Time;
        return _gain.GetValueAtTime(args.Time) == 1.0 ? OfxStatus.OK : OfxStatus.ReplyDefault;
    }

    public override int Render(in RenderArgs args)
    {
        float gain = (float)_gain.GetValueAtTime(args.Time);
        using var src = _src.GetImage(args.Time);
        using var dst = _dst.GetImage(args.Time);
        src.Validate();
        dst.Validate();
        if (src.Depth != PixelDepth.Float || dst.Depth != PixelDepth.Float || src.Components != dst.Components)
            throw new OfxException(OfxStatus.ErrImageFormat, "Gain needs float images with matching components");
        var window = args.RenderWindow.Intersect(dst.Bounds);
        if (IsAborted) throw new OfxAbortException();
        // One band of rows per host thread (at least 16 rows each), as ofxsProcessing splits a render window.
        var job = new Job { Src = src, Dst = dst, Window = window, Gain = gain };
        int rows = window.Height, bands = Math.Max(1, Math.Min(HostMultiThread.Threads, rows / 16));
        HostMultiThread.Run(bands, b => job.ProcessRows(window.Y1 + rows * b / bands, window.Y1 + rows * (b + 1) / bands));
        if (IsAborted) throw new OfxAbortException();
        return OfxStatus.OK;
    }

    private sealed unsafe class Job
    {
        public required Image Src, Dst;
        public required OfxRectI Window;
        public required float Gain;

        public void ProcessRows(int y1, int y2)
        {
            int nc = Dst.ComponentCount;
            for (int y = y1; y < y2; y++)
            {
                for (int x = Window.X1; x < Window.X2; x++)
                {
                    byte* d = Dst.PixelAddress(x, y);
                    bool inside = x >= Src.Bounds.X1 && x < Src.Bounds.X2 && y >= Src.Bounds.Y1 && y < Src.Bounds.Y2;
                    byte* s = inside ? Src.PixelAddress(x, y) : null;
                    for (int c = 0; c < nc; c++)
                    {
                        float v = s == null ? 0f : Unsafe.ReadUnaligned<float>(s + 4 * c);
                        Unsafe.WriteUnaligned(d + 4 * c, c < 3 ? v * Gain : v);
                    }
                }
            }
        }
    }
}
