using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.Reconstruction;
using HdrOfx.Interop.Native;
using HdrOfx.Interop.Support;
using P = HdrOfx.Plugin.HdrParams;

namespace HdrOfx.Plugin;

/// <summary>
/// One instance of HDR Reconstruct. Render follows DESIGN §2: fetch t−r..t+r clamped to the clip,
/// linearize, evaluate each frame's EV at its own time, reconstruct, write. Thread safety is
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

    private int Radius(double time, int patternLength)
    {
        if (patternLength == 1) return 0;
        int r = _radius.GetValueAtTime(time);
        return r > 0 ? Math.Min(r, P.RadiusMax) : (patternLength >= 3 ? 2 : 1);
    }

    public override int GetFramesNeeded(double time, FramesNeeded frames)
    {
        int r = Radius(time, PatternLength(time));
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

    /// <summary>Everything a render reads from the parameters at time t.</summary>
    private readonly record struct Settings(int PatternLength, int Phase, TransferFunction Transfer, string Method, int Radius,
        float Gain, OutputEncodingKind Encoding, int Diagnostic, bool Reuse, int LdmSteps, float HighlightRecovery, float PriorStrength);

    private Settings ReadSettings(double t)
    {
        int n = PatternLength(t);
        int phase = _phase.GetValueAtTime(t);
        int tf = _transfer.GetValueAtTime(t);
        if ((uint)tf >= (uint)P.InputTransferOptions.Length) throw new OfxUserException($"unknown input transfer index {tf}");
        string method = _methodOverride.GetValueAtTime(t).Trim();
        if (method.Length == 0)
        {
            int m = _method.GetValueAtTime(t);
            if ((uint)m >= (uint)P.MethodNames.Length) throw new OfxUserException($"unknown method index {m}");
            method = n == 1 ? Engine.Models.Ldm.HdrLdmReconstruction.MethodName : P.MethodNames[m];
        }
        if (!Reconstructor.Methods.Contains(method, StringComparer.OrdinalIgnoreCase))
            throw new OfxUserException($"reconstruction method '{method}' is not available in this build (available: {string.Join(", ", Reconstructor.Methods)}).");
        try { Reconstructor.CheckInput(method, n); }
        catch (ArgumentException e) { throw new OfxUserException(e.Message); }
        int enc = _encoding.GetValueAtTime(t);
        int diag = _diagnostic.GetValueAtTime(t);
        return new Settings(n, phase, (TransferFunction)tf, method, Radius(t, n),
            (float)Math.Pow(2.0, _outputExposure.GetValueAtTime(t)), (OutputEncodingKind)Math.Clamp(enc, 0, 2), Math.Clamp(diag, 0, 2),
            _reuse.GetValueAtTime(t) != 0, Math.Clamp(_ldmSteps.GetValueAtTime(t), 1, 50), (float)Math.Clamp(_highlight.GetValueAtTime(t), 0, 1),
            (float)Math.Clamp(_priorStrength.GetValueAtTime(t), 0, 1));
    }

    /// <summary>HDROFX_TIMINGS=1 at load: each render posts a log message with its stage timings (benchmarks).</summary>
    internal static bool Timings;

    public override int Render(in RenderArgs args)
    {
        long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
        long fresh0 = Scratch.FreshBytes;
        double t = args.Time;
        var s = ReadSettings(t);
        Func<bool> aborted = () => IsAborted;

        var range = _source.FrameRange;
        int first = (int)Math.Ceiling(range.Min - 1e-6), last = (int)Math.Floor(range.Max + 1e-6);
        int refFrame = (int)Math.Round(t);
        // A host whose Source frame range does not contain t (a retimed or offset clip) still gets asked for t:
        // the reference is always fetched, and neighbours are clamped only when the range can be trusted.
        bool rangeTrusted = refFrame >= first && refFrame <= last;

        // 1. Fetch and convert, one frame at a time; each host image is released as soon as it is copied.
        int count = 2 * s.Radius + 1;
        var frames = new FrameInput?[count];
        int refIndex = s.Radius;
        OfxRectI region = default;
        float[]? alpha = null;
        var missing = new List<string>();
        long convertTicks = 0;
        int converted = 0, reused = 0;
        var used = new List<ConvertedFrameCache.Entry>(count);
        ReconstructResult? result = null;
        long t1, t2;
        try
        {
            // The reference first: its bounds define the region every neighbour is read into.
            for (int pass = 0; pass < count; pass++)
            {
                int k = pass == 0 ? refIndex : (pass <= refIndex ? pass - 1 : pass);
                int frame = refFrame + (k - refIndex);
                if (rangeTrusted && (frame < first || frame > last)) continue; // clamped to the clip: a missing neighbour
                double ft = t + (k - refIndex);
                bool isRef = k == refIndex;
                using (var img = _source.TryGetImage(ft, out int st))
                {
                    if (img == null)
                    {
                        if (isRef) throw new OfxException(st == OfxStatus.OK ? OfxStatus.Failed : st, $"could not fetch the source frame at {ft} (clipGetImage: {OfxStatus.Name(st)})");
                        missing.Add($"{ft}");
                        continue;
                    }
                    if (isRef)
                    {
                        region = img.Bounds;
                        if (region.IsEmpty) throw new OfxException(OfxStatus.ErrImageFormat, $"the source frame at {ft} is empty ({region})");
                    }
                    else if (img.Bounds != region)
                    {
                        missing.Add($"{ft} (bounds {img.Bounds} differ from the reference {region})");
                        continue;
                    }
                    var key = new ConvertedFrameCache.Key(ft, img.Bounds, img.Depth, img.Components, s.Transfer, img.UniqueIdentifier);
                    var entry = _converted.Acquire(key, s.Reuse);
                    if (entry is null)
                    {
                        // Alpha for the reference, and for every frame that may be stored (it may be a later reference).
                        bool store = _converted.Reusable(key, s.Reuse);
                        if (store) _converted.Reserve(count + 1);
                        var a = isRef || store ? Scratch.Rent(region.Width * region.Height) : null; // fully written by ReadLinear
                        long c0 = System.Diagnostics.Stopwatch.GetTimestamp();
                        ImageF linear;
                        try { linear = PixelIO.ReadLinear(img, region, s.Transfer, a, aborted); }
                        catch
                        {
                            Scratch.Return(a);
                            throw;
                        }
                        convertTicks += System.Diagnostics.Stopwatch.GetTimestamp() - c0;
                        entry = _converted.Add(key, linear, a, count + 1, s.Reuse);
                        converted++;
                    }
                    else reused++;
                    used.Add(entry);
                    if (isRef) alpha = entry.Alpha;
                    // Each frame's EV at its own time, so keyframed exposures are honoured (DESIGN §2).
                    int slot = (int)(((long)frame + s.Phase) % s.PatternLength + s.PatternLength) % s.PatternLength;
                    double ev = _ev[slot].GetValueAtTime(ft);
                    frames[k] = new FrameInput(entry.Linear, ev);
                }
                ThrowIfAborted();
            }

            t1 = System.Diagnostics.Stopwatch.GetTimestamp();
            // 2. Reconstruct.
            result = Reconstructor.Reconstruct(frames, refIndex, new ReconstructOptions
            {
                Method = s.Method, Diagnostics = s.Diagnostic != 0, DiffusionSteps = s.LdmSteps, HighlightRecovery = s.HighlightRecovery,
                PriorStrength = s.PriorStrength,
            });
            ThrowIfAborted();
            if (result.Hdr.Width != region.Width || result.Hdr.Height != region.Height || result.Hdr.Channels < 3)
                throw new OfxException(OfxStatus.Failed, $"method '{s.Method}' returned {result.Hdr} for a {region.Width}x{region.Height} frame");
            ImageF? grey = s.Diagnostic switch
            {
                1 => result.SaturationMask ?? throw new OfxUserException($"method '{s.Method}' does not produce a saturation mask"),
                2 => result.Confidence ?? throw new OfxUserException($"method '{s.Method}' does not produce an alignment confidence"),
                _ => null,
            };

            t2 = System.Diagnostics.Stopwatch.GetTimestamp();
            // 3. Write.
            using (var output = _output.GetImage(t))
            {
                PixelIO.WriteOutput(output, args.RenderWindow, new PixelIO.OutputSource
                {
                    Rgb = result.Hdr, Grey = grey, Alpha = alpha, Region = region, Gain = s.Gain, Encoding = s.Encoding,
                }, aborted);
            }

        }
        finally
        {
            // The method's output planes go back to the pool, never a converted input it may have returned.
            result?.Recycle(keep: used.SelectMany(e => e.Buffers));
            foreach (var e in used) _converted.Release(e);
        }

        if (Timings)
        {
            long t3 = System.Diagnostics.Stopwatch.GetTimestamp();
            double Ms(long a, long b) => (b - a) * 1000.0 / System.Diagnostics.Stopwatch.Frequency;
            OfxMessages.Post(Handle.Value, OfxMessageTypes.Log, FormattableString.Invariant(
                $"timings: fetch+convert {Ms(t0, t1):F3} ms (convert {Ms(0, convertTicks):F3} ms), reconstruct {Ms(t1, t2):F3} ms, write {Ms(t2, t3):F3} ms; frames converted {converted}, reused {reused}; fresh buffers {(Scratch.FreshBytes - fresh0) / 1048576.0:F1} MB"));
        }
        if (missing.Count > 0)
            OfxMessages.SetPersistent(Handle.Value, OfxMessageTypes.Warning,
                $"{HdrReconstructPlugin.Label}: frame {t}: neighbour frame(s) {string.Join(", ", missing)} could not be used; reconstructed from fewer frames.");
        else
            OfxMessages.ClearPersistent(Handle.Value);
        return OfxStatus.OK;
    }
}
