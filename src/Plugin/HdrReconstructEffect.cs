using System.Diagnostics;
using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.Reconstruction;
using HdrOfx.Interop.Native;
using HdrOfx.Interop.Support;
using P = HdrOfx.Plugin.HdrParams;

namespace HdrOfx.Plugin;

/// <summary>
/// One instance of HDR Reconstruct. Render follows DESIGN §2 in three steps: fetch t−r..t+r clamped to the clip and
/// linearize (evaluating each frame's EV at its own time), reconstruct, write. Thread safety is
/// FullySafe: the handles cached in OnCreate are read-only afterwards and a render keeps all its
/// state on its own stack; no host image outlives the action.
/// </summary>
public sealed class HdrReconstructEffect : ImageEffect
{
    private Clip _source = null!;
    private Clip _output = null!;
    private IntParam _inputMode = null!, _pattern = null!, _phase = null!, _transfer = null!, _method = null!, _radius = null!, _encoding = null!, _diagnostic = null!,
        _reuse = null!, _ldmSteps = null!;
    private DoubleParam _highlight = null!;
    private StringParam _methodOverride = null!;
    private DoubleParam[] _ev = null!;
    private DoubleParam _outputExposure = null!, _priorStrength = null!;

    public override void OnCreate()
    {
        _source = GetClip(OfxValues.SimpleSourceClipName);
        _output = GetClip(OfxValues.OutputClipName);
        _inputMode = Params.GetChoice(P.InputMode);
        _pattern = Params.GetChoice(P.Pattern);
        _ev = [Params.GetDouble(P.Ev[0]), Params.GetDouble(P.Ev[1]), Params.GetDouble(P.Ev[2])];
        _phase = Params.GetInt(P.Phase);
        _transfer = Params.GetChoice(P.InputTransfer);
        _method = Params.GetChoice(P.Method);
        _methodOverride = Params.GetString(P.MethodOverride);
        _radius = Params.GetInt(P.Radius);
        _ldmSteps = Params.GetInt(P.LdmSteps);
        _highlight = Params.GetDouble(P.HighlightRecovery);
        _reuse = Params.GetBoolean(P.ReuseFrames);
        _priorStrength = Params.GetDouble(P.PriorStrength);
        _outputExposure = Params.GetDouble(P.OutputExposure);
        _encoding = Params.GetChoice(P.OutputEncoding);
        _diagnostic = Params.GetChoice(P.Diagnostic);
    }

    /// <summary>Exposure slots: 1 in single-exposure mode (its EV is slot 0's), else 2 or 3.</summary>
    private int PatternLength(double time) =>
        _inputMode.GetValueAtTime(time) == P.InputModeSingle ? 1 : _pattern.GetValueAtTime(time) == 1 ? 3 : 2;

    public override int GetFramesNeeded(double time, FramesNeeded frames)
    {
        // An out-of-range radius fails the render with a message; here the host only needs a bounded window.
        int r = WindowRadius(Math.Clamp(_radius.GetValueAtTime(time), 0, FrameWindow.MaxRadius), PatternLength(time));
        frames.Set(OfxValues.SimpleSourceClipName, new OfxRangeD(time - r, time + r));
        return OfxStatus.OK;
    }

    public override int GetRegionOfDefinition(double time, OfxPointD renderScale, out OfxRectD rod)
    {
        // The source's RoD. While Source is unconnected some hosts fail the call: let the host decide then.
        if (!_source.TryGetRegionOfDefinition(time, out rod)) return OfxStatus.ReplyDefault;
        return OfxStatus.OK;
    }

    public override int GetRegionsOfInterest(double time, OfxPointD renderScale, OfxRectD regionOfInterest, RegionsOfInterest rois)
    {
        // Alignment looks across the whole frame, so ask for all of it whatever the window.
        if (!_source.TryGetRegionOfDefinition(time, out var rod)) return OfxStatus.ReplyDefault;
        rois.Set(OfxValues.SimpleSourceClipName, rod);
        return OfxStatus.OK;
    }

    public override int IsIdentity(in RenderArgs args, out string clip, out double time)
    {
        // The output is never a copy of an input frame.
        clip = "";
        time = args.Time;
        return OfxStatus.ReplyDefault;
    }

    public override int GetClipPreferences(ClipPreferences prefs)
    {
        // Output is float RGBA. A host that cannot mix depths gets float on the source too (it converts).
        bool mixed = OfxHostSuites.HostProperties.GetIntOr(OfxImageEffectProps.SupportsMultipleClipDepths, 0) != 0;
        prefs.SetDepth(OfxValues.OutputClipName, OfxValues.BitDepthFloat);
        if (!mixed) prefs.SetDepth(OfxValues.SimpleSourceClipName, OfxValues.BitDepthFloat);
        prefs.SetComponents(OfxValues.OutputClipName, OfxValues.ComponentRGBA);
        prefs.SetPremultiplication(OfxValues.UnPreMultiplied);
        return OfxStatus.OK;
    }

    /// <summary>Converted source frames reused within a batch sequence render (see <see cref="ConvertedFrameCache"/>).</summary>
    private readonly ConvertedFrameCache _converted = new();

    public override int BeginSequenceRender(in SequenceArgs args)
    {
        _converted.BeginSequence(args.Interactive);
        return OfxStatus.OK;
    }

    public override int EndSequenceRender(in SequenceArgs args)
    {
        _converted.EndSequence(args.Interactive);
        return OfxStatus.OK;
    }

    /// <summary>The host asks for memory back: drop the converted frames and the pooled buffers (refilled on demand).</summary>
    public override int PurgeCaches()
    {
        _converted.Clear();
        Scratch.Clear();
        return OfxStatus.OK;
    }

    public override void OnDestroy() => _converted.Clear();

    public override int InstanceChanged(in InstanceChangedArgs args)
    {
        _converted.Clear(); // a parameter or a clip changed: what was converted may be stale
        if (args.Type != OfxProps.TypeParameter) return OfxStatus.ReplyDefault;
        if (args.Name == P.Pattern)
        {
            var (_, props) = Params.GetHandle(P.Ev[2]);
            props.TrySetInt(OfxParamProps.Enabled, PatternLength(args.Time) == 3 ? 1 : 0);
        }
        return OfxStatus.OK;
    }

    /// <summary>Everything a render reads from the parameters at time t, checked (a host need not clamp).</summary>
    private readonly record struct Settings(int PatternLength, int Phase, TransferFunction Transfer, string Method, int Radius,
        float Gain, OutputEncodingKind Encoding, int Diagnostic, bool Reuse, int LdmSteps, float HighlightRecovery, float PriorStrength);

    private Settings ReadSettings(double t)
    {
        bool single = Choice(_inputMode, P.InputModeLabel, t, P.InputModeOptions.Length) == P.InputModeSingle;
        int n = single ? 1 : Choice(_pattern, P.PatternLabel, t, P.PatternOptions.Length) == 1 ? 3 : 2;
        int phase = Whole(_phase, P.PhaseLabel, t, 0, P.PhaseMax);
        var tf = (TransferFunction)Choice(_transfer, P.InputTransferLabel, t, P.InputTransferOptions.Length);
        string method = _methodOverride.GetValueAtTime(t).Trim();
        if (method.Length == 0)
        {
            int m = Choice(_method, P.MethodLabel, t, P.MethodNames.Length);
            method = single ? Engine.Models.Ldm.HdrLdmReconstruction.MethodName : P.MethodNames[m];
        }
        if (!Reconstructor.Methods.Contains(method, StringComparer.OrdinalIgnoreCase))
            throw new OfxUserException($"reconstruction method '{method}' is not available in this build (available: {string.Join(", ", Reconstructor.Methods)}).");
        try { Reconstructor.CheckInput(method, n); }
        catch (ArgumentException e) { throw new OfxUserException(e.Message); }
        int radius = WindowRadius(Whole(_radius, P.RadiusLabel, t, 0, FrameWindow.MaxRadius), n);
        double stops = Finite(_outputExposure, P.OutputExposureLabel, t, P.OutputExposureMin, P.OutputExposureMax);
        return new Settings(n, phase, tf, method, radius, (float)Math.Pow(2.0, stops),
            (OutputEncodingKind)Choice(_encoding, P.OutputEncodingLabel, t, P.OutputEncodingOptions.Length),
            Choice(_diagnostic, P.DiagnosticLabel, t, P.DiagnosticOptions.Length), _reuse.GetValueAtTime(t) != 0,
            Whole(_ldmSteps, P.LdmStepsLabel, t, Engine.Models.Ldm.DdimSampler.MinSteps, Engine.Models.Ldm.DdimSampler.MaxSteps),
            (float)Finite(_highlight, P.HighlightRecoveryLabel, t, 0, 1),
            (float)Finite(_priorStrength, P.PriorStrengthLabel, t, 0, Engine.Models.Zica.HdrVDiffReconstruction.MaxPriorStrength));
    }

    /// <summary>Single-exposure footage is rebuilt from its own frame (radius 0); otherwise the engine's rule.</summary>
    private static int WindowRadius(int requested, int patternLength) =>
        patternLength == 1 ? 0 : FrameWindow.ResolveRadius(requested, patternLength);

    private static int Choice(IntParam p, string label, double t, int count)
    {
        int v = p.GetValueAtTime(t);
        if ((uint)v >= (uint)count) throw new OfxUserException($"{label}: option {v} does not exist (0 to {count - 1}).");
        return v;
    }

    private static int Whole(IntParam p, string label, double t, int min, int max)
    {
        int v = p.GetValueAtTime(t);
        if (v < min || v > max) throw new OfxUserException($"{label} is {v}: it must be in [{min}, {max}].");
        return v;
    }

    private static double Finite(DoubleParam p, string label, double t, double min, double max)
    {
        double v = p.GetValueAtTime(t);
        if (!double.IsFinite(v) || v < min || v > max)
            throw new OfxUserException(FormattableString.Invariant($"{label} is {v} at frame {t}: it must be a finite number in [{min}, {max}]."));
        return v;
    }

    /// <summary>HDROFX_TIMINGS=1 at load: each render posts a log message with its stage timings (benchmarks).</summary>
    internal static bool Timings;

    /// <summary>What the fetch step leaves for the others: the window's frames and what must be released after.</summary>
    private sealed class Fetched(FrameWindow window)
    {
        public readonly FrameWindow Window = window;
        public readonly FrameInput?[] Frames = new FrameInput?[window.Count];
        public OfxRectI Region;
        public float[]? Alpha;
        public readonly List<string> Missing = [];
        public readonly List<ConvertedFrameCache.Entry> Used = new(window.Count);
        public long ConvertTicks;
        public int Converted, Reused;
    }

    public override int Render(in RenderArgs args)
    {
        long t0 = Stopwatch.GetTimestamp();
        long fresh0 = Scratch.FreshBytes, arena0 = Engine.Tensors.Cpu.TensorArena.BytesAllocated;
        double t = args.Time;
        var s = ReadSettings(t);
        var fetched = new Fetched(new FrameWindow((int)Math.Round(t), s.Radius));
        ReconstructResult? result = null;
        try
        {
            Fetch(t, s, fetched);
            long t1 = Stopwatch.GetTimestamp();
            result = Reconstruct(s, fetched);
            long t2 = Stopwatch.GetTimestamp();
            Write(args, s, fetched, result, Checked(t, s, result));
            if (Timings) PostTimings(t0, t1, t2, Stopwatch.GetTimestamp(), fetched, fresh0, arena0);
        }
        finally
        {
            // The result owns its planes (IReconstructionMethod): they go back to the pool; the inputs stay with the cache.
            result?.Dispose();
            foreach (var e in fetched.Used) _converted.Release(e);
        }
        if (fetched.Missing.Count > 0)
            OfxMessages.SetPersistent(Handle.Value, OfxMessageTypes.Warning,
                $"{HdrReconstructPlugin.Label}: frame {t}: neighbour frame(s) {string.Join(", ", fetched.Missing)} could not be used; reconstructed from fewer frames.");
        else
            OfxMessages.ClearPersistent(Handle.Value);
        return OfxStatus.OK;
    }

    /// <summary>
    /// Step 1: fetch t−r..t+r, clamped to the clip, and convert each frame (or reuse its conversion); each host image is
    /// released as soon as it is copied. The reference comes first: its bounds are the region every neighbour is read into.
    /// </summary>
    private void Fetch(double t, in Settings s, Fetched f)
    {
        var range = _source.FrameRange;
        int first = (int)Math.Ceiling(range.Min - 1e-6), last = (int)Math.Floor(range.Max + 1e-6);
        var w = f.Window;
        // A host whose Source frame range does not contain t (a retimed or offset clip) still gets asked for t:
        // the reference is always fetched, and neighbours are clamped only when the range can be trusted.
        bool rangeTrusted = w.Center >= first && w.Center <= last;
        Func<bool> aborted = () => IsAborted;
        for (int pass = 0; pass < w.Count; pass++)
        {
            int k = pass == 0 ? w.RefIndex : (pass <= w.RefIndex ? pass - 1 : pass);
            int frame = w.FrameAt(k);
            if (rangeTrusted && (frame < first || frame > last)) continue; // clamped to the clip: a missing neighbour
            double ft = t + (k - w.RefIndex);
            bool isRef = k == w.RefIndex;
            using (var img = _source.TryGetImage(ft, out int st))
            {
                if (img == null)
                {
                    if (isRef) throw new OfxException(st == OfxStatus.OK ? OfxStatus.Failed : st, $"could not fetch the source frame at {ft} (clipGetImage: {OfxStatus.Name(st)})");
                    f.Missing.Add($"{ft}");
                    continue;
                }
                if (isRef)
                {
                    f.Region = img.Bounds;
                    if (f.Region.IsEmpty) throw new OfxException(OfxStatus.ErrImageFormat, $"the source frame at {ft} is empty ({f.Region})");
                }
                else if (img.Bounds != f.Region)
                {
                    f.Missing.Add($"{ft} (bounds {img.Bounds} differ from the reference {f.Region})");
                    continue;
                }
                var entry = Convert(img, ft, isRef, s, f, aborted);
                f.Used.Add(entry);
                if (isRef) f.Alpha = entry.Alpha;
                // Each frame's EV at its own time, so keyframed exposures are honoured (DESIGN §2).
                int slot = ExposurePattern.Slot(frame, s.Phase, s.PatternLength);
                f.Frames[k] = new FrameInput(entry.Linear, Finite(_ev[slot], P.EvLabel[slot], ft, P.EvMin, P.EvMax));
            }
            ThrowIfAborted();
        }
    }

    private ConvertedFrameCache.Entry Convert(Image img, double ft, bool isRef, in Settings s, Fetched f, Func<bool> aborted)
    {
        var key = new ConvertedFrameCache.Key(ft, img.Bounds, img.Depth, img.Components, s.Transfer, img.UniqueIdentifier);
        var entry = _converted.Acquire(key, s.Reuse);
        if (entry is not null)
        {
            f.Reused++;
            return entry;
        }
        int count = f.Window.Count;
        // Alpha for the reference, and for every frame that may be stored (it may be a later reference).
        bool store = _converted.Reusable(key, s.Reuse);
        if (store) _converted.Reserve(count + 1);
        var a = isRef || store ? Scratch.Rent(f.Region.Width * f.Region.Height) : null; // fully written by ReadLinear
        long c0 = Stopwatch.GetTimestamp();
        ImageF linear;
        try { linear = PixelIO.ReadLinear(img, f.Region, s.Transfer, a, aborted); }
        catch
        {
            Scratch.Return(a);
            throw;
        }
        f.ConvertTicks += Stopwatch.GetTimestamp() - c0;
        f.Converted++;
        return _converted.Add(key, linear, a, count + 1, s.Reuse);
    }

    /// <summary>Step 2: the method, on the window's frames.</summary>
    private ReconstructResult Reconstruct(in Settings s, Fetched f)
    {
        ReconstructResult result;
        try
        {
            result = Reconstructor.Reconstruct(f.Frames, f.Window.RefIndex, new ReconstructOptions
            {
                Method = s.Method, Diagnostics = s.Diagnostic != 0, DiffusionSteps = s.LdmSteps, HighlightRecovery = s.HighlightRecovery,
                PriorStrength = s.PriorStrength,
            });
        }
        catch (ArgumentException e)
        {
            throw new OfxUserException($"method '{s.Method}' cannot reconstruct this clip: {e.Message}");
        }
        catch (Engine.Models.ModelWeightsException e)
        {
            throw new OfxUserException($"method '{s.Method}' has no usable weights: {e.Message}");
        }
        var region = f.Region;
        if (result.Hdr.Width != region.Width || result.Hdr.Height != region.Height || result.Hdr.Channels < 3)
        {
            result.Dispose();
            throw new OfxException(OfxStatus.Failed, $"method '{s.Method}' returned {result.Hdr} for a {region.Width}x{region.Height} frame");
        }
        return result;
    }

    /// <summary>
    /// What step 3 writes: the colour result, or the diagnostic plane as grey (null for colour). Throws, writing nothing,
    /// when that plane is missing or holds a value that is not finite (after Output Exposure): the host never gets one.
    /// </summary>
    private ImageF? Checked(double t, in Settings s, ReconstructResult result)
    {
        ThrowIfAborted();
        var grey = s.Diagnostic switch
        {
            1 => result.SaturationMask,
            2 => result.Confidence,
            _ => null,
        };
        if (s.Diagnostic != 0 && grey == null)
            throw new OfxUserException($"method '{s.Method}' does not produce {(s.Diagnostic == 1 ? "a saturation mask" : "an alignment confidence")}");
        string? problem = NonFinite(t, s, result.Hdr, grey);
        if (problem != null) throw new OfxUserException(problem);
        return grey;
    }

    private static string? NonFinite(double t, in Settings s, ImageF hdr, ImageF? grey)
    {
        long bad = grey != null
            ? FiniteScan.CountNonFinite(grey.Plane(0))
            : FiniteScan.CountNonFinite(hdr.Data.AsSpan(0, 3 * hdr.PlaneSize), s.Gain);
        return bad == 0 ? null
            : $"frame {t}: method '{s.Method}' gave {bad} non-finite values (NaN or infinite after Output Exposure); the frame is not written. Check the slot EVs and Output Exposure.";
    }

    /// <summary>Step 3: encode and write over the render window.</summary>
    private void Write(in RenderArgs args, in Settings s, Fetched f, ReconstructResult result, ImageF? grey)
    {
        using var output = _output.GetImage(args.Time);
        PixelIO.WriteOutput(output, args.RenderWindow, new PixelIO.OutputSource
        {
            Rgb = result.Hdr, Grey = grey, Alpha = f.Alpha, Region = f.Region, Gain = s.Gain, Encoding = s.Encoding,
        }, () => IsAborted);
    }

    private void PostTimings(long t0, long t1, long t2, long t3, Fetched f, long fresh0, long arena0)
    {
        static double Ms(long a, long b) => (b - a) * 1000.0 / Stopwatch.Frequency;
        OfxMessages.Post(Handle.Value, OfxMessageTypes.Log, FormattableString.Invariant(
            $"timings: fetch+convert {Ms(t0, t1):F3} ms (convert {Ms(0, f.ConvertTicks):F3} ms), reconstruct {Ms(t1, t2):F3} ms, write {Ms(t2, t3):F3} ms; frames converted {f.Converted}, reused {f.Reused}; fresh buffers {Scratch.FreshBytes - fresh0} bytes (image pool), {Engine.Tensors.Cpu.TensorArena.BytesAllocated - arena0} bytes (tensor arena)"));
    }
}
