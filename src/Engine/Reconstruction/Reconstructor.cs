namespace HdrOfx.Engine.Reconstruction;

/// <summary>Which footage a method takes: alternating exposures (2 or 3 EVs), single-exposure footage (one EV), or both.</summary>
public enum ExposureInput { Alternating, Single, Any }

/// <summary>
/// The one entry point that the CLI and the plugin share. Methods are registered explicitly
/// (no reflection: the plugin and CLI are NativeAOT).
/// </summary>
public static class Reconstructor
{
    private static readonly Dictionary<string, Func<IReconstructionMethod>> Registry = new(StringComparer.OrdinalIgnoreCase);
    private static readonly Dictionary<string, ExposureInput> Inputs = new(StringComparer.OrdinalIgnoreCase);
    private static readonly object Gate = new();

    public static void Register(string name, Func<IReconstructionMethod> factory, ExposureInput input = ExposureInput.Alternating)
    {
        lock (Gate)
        {
            Registry[name] = factory;
            Inputs[name] = input;
        }
    }

    /// <summary>Refuses a method that cannot take footage with <paramref name="exposures"/> distinct exposure slots.</summary>
    public static void CheckInput(string method, int exposures)
    {
        ExposureInput input;
        lock (Gate) input = Inputs.GetValueOrDefault(method, ExposureInput.Any);
        if (input == ExposureInput.Alternating && exposures < 2)
            throw new ArgumentException($"method '{method}' needs alternating exposures (2 or 3 EVs); single-exposure footage (one EV) needs method 'hdr-ldm'");
        if (input == ExposureInput.Single && exposures > 1) throw new ArgumentException(SingleOnlyMessage(method));
    }

    public static string SingleOnlyMessage(string method) =>
        $"method '{method}' reconstructs single-exposure footage (one EV); alternating exposures (2 or 3 EVs) need classical or tcam";

    public static IReadOnlyList<string> Methods
    {
        get { lock (Gate) return Registry.Keys.Order().ToArray(); }
    }

    public static IReconstructionMethod Resolve(string name)
    {
        lock (Gate)
        {
            if (Registry.TryGetValue(name, out var f)) return f();
        }
        throw new ArgumentException($"unknown method '{name}'; available: {string.Join(", ", Methods)}");
    }

    public static ReconstructResult Reconstruct(IReadOnlyList<FrameInput?> frames, int refIndex, ReconstructOptions options, CancellationToken cancel = default)
    {
        Validate(frames, refIndex);
        return Resolve(options.Method).Reconstruct(frames, refIndex, options, cancel);
    }

    public static void Validate(IReadOnlyList<FrameInput?> frames, int refIndex)
    {
        if (frames.Count == 0) throw new ArgumentException("no frames to reconstruct");
        if ((uint)refIndex >= (uint)frames.Count) throw new ArgumentOutOfRangeException(nameof(refIndex), $"reference index {refIndex} outside 0..{frames.Count - 1}");
        var r = frames[refIndex] ?? throw new ArgumentException("the reference frame is missing");
        if (r.Linear.Channels < 3) throw new ArgumentException($"reference frame has {r.Linear.Channels} channels; RGB needed");
        for (int i = 0; i < frames.Count; i++)
        {
            var f = frames[i];
            if (f is null) continue;
            if (!f.Linear.SameSize(r.Linear))
                throw new ArgumentException($"frame {i} is {f.Linear.Width}x{f.Linear.Height} but the reference is {r.Linear.Width}x{r.Linear.Height}");
            if (f.Linear.Channels < 3) throw new ArgumentException($"frame {i} has {f.Linear.Channels} channels; RGB needed");
            if (!double.IsFinite(f.Ev)) throw new ArgumentException($"frame {i} has a non-finite EV");
        }
    }
}
