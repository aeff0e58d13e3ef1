namespace HdrOfx.Engine.Reconstruction;

/// <summary>
/// The one entry point that the CLI and the plugin share. Methods are registered explicitly
/// (no reflection: the plugin and CLI are NativeAOT).
/// </summary>
public static class Reconstructor
{
    private static readonly Dictionary<string, Func<IReconstructionMethod>> Registry = new(StringComparer.OrdinalIgnoreCase);
    private static readonly object Gate = new();

    public static void Register(string name, Func<IReconstructionMethod> factory)
    {
        lock (Gate) Registry[name] = factory;
    }

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
        var method = Resolve(options.Method);
        var result = method.Reconstruct(frames, refIndex, options, cancel);
        foreach (var f in frames)
        {
            if (f is null || !result.Shares(f.Linear)) continue;
            throw new InvalidOperationException($"method '{method.Name}' returned an input frame's buffer in its result; a result must own its planes (IReconstructionMethod)");
        }
        return result;
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
