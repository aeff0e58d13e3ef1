using HdrOfx.Engine.Imaging;

namespace HdrOfx.Engine.Reconstruction;

/// <summary>
/// Runs a reconstruction method over a whole sequence, the way the plugin does for one frame:
/// frame n is rebuilt from frames n−r..n+r of the input (frames outside the input are missing),
/// each linearized with the input transfer and tagged with its slot's EV. The window, the radius and the linearization
/// are the plug-in's (<see cref="FrameWindow"/>, <see cref="Linearizer"/>, <see cref="ExposurePattern.Slot"/>).
/// Keeps a sliding window of linearized frames so each input frame is read and converted once.
/// </summary>
public sealed class SequenceReconstructor
{
    private readonly ExposurePattern _pattern;
    private readonly TransferFunction _transfer;
    private readonly ReconstructOptions _options;
    private readonly int _radius;

    public SequenceReconstructor(ExposurePattern pattern, TransferFunction transfer, ReconstructOptions options, int radius = -1)
    {
        _pattern = pattern;
        _transfer = transfer;
        _options = options;
        _radius = FrameWindow.ResolveRadius(radius, pattern.Length);
    }

    public int Radius => _radius;

    /// <summary>
    /// Optional per-frame options (e.g. ground-truth flows for the "oracle" merge); receives the frame number,
    /// the window's first frame number, and the options given at construction.
    /// </summary>
    public Func<int, int, ReconstructOptions, ReconstructOptions>? OptionsForFrame { get; init; }

    /// <summary>Linearizes an encoded frame with <see cref="Linearizer"/> (as the plug-in does); non-finite samples are refused.</summary>
    public static ImageF Linearize(ImageF encoded, TransferFunction transfer)
    {
        var lin = Linearizer.ToLinear(encoded, transfer, out long nonFinite);
        if (nonFinite > 0) throw new ArgumentException($"frame holds NaN or infinite pixels ({nonFinite} samples)");
        return lin;
    }

    /// <summary>
    /// Reconstructs frames [first, last] of an input whose frames are numbered [inputFirst, inputLast].
    /// <paramref name="load"/> returns the display-encoded frame for a timeline number (linearized into a new image at once:
    /// its pixels are not read after the next call to <paramref name="load"/>, so the caller may dispose it then);
    /// <paramref name="emit"/> receives each result in order.
    /// </summary>
    public void Run(int inputFirst, int inputLast, int first, int last, Func<int, ImageF> load,
        Action<int, ReconstructResult> emit, CancellationToken cancel = default, IProgress<int>? progress = null)
    {
        if (inputLast < inputFirst) throw new ArgumentException("the input holds no frames");
        if (first < inputFirst || last > inputLast || last < first)
            throw new ArgumentOutOfRangeException(nameof(first), $"frames {first}-{last} are outside the input's {inputFirst}-{inputLast}");
        int needed = Math.Min(_pattern.Length, 2 * _radius + 1);
        if (inputLast - inputFirst + 1 < needed)
            throw new ArgumentException($"the {_pattern.Length}-exposure pattern needs at least {needed} frames, the input has {inputLast - inputFirst + 1}");

        var window = new Dictionary<int, FrameInput>();
        ImageF? firstFrame = null;
        for (int n = first; n <= last; n++)
        {
            cancel.ThrowIfCancellationRequested();
            foreach (int k in window.Keys.Where(k => k < n - _radius).ToArray()) window.Remove(k);
            var w = new FrameWindow(n, _radius);
            var frames = new FrameInput?[w.Count];
            for (int k = 0; k < w.Count; k++)
            {
                int t = w.FrameAt(k);
                if (t < inputFirst || t > inputLast) continue;
                if (!window.TryGetValue(t, out var f))
                {
                    var encoded = load(t);
                    firstFrame ??= encoded;
                    if (!encoded.SameSize(firstFrame))
                        throw new ArgumentException($"frame {t} is {encoded.Width}x{encoded.Height} but earlier frames are {firstFrame.Width}x{firstFrame.Height}");
                    ImageF lin;
                    try { lin = Linearize(encoded, _transfer); }
                    catch (ArgumentException e) { throw new ArgumentException($"frame {t}: {e.Message}", e); }
                    f = new FrameInput(lin, _pattern.EvOf(t));
                    window[t] = f;
                }
                frames[k] = f;
            }
            var options = OptionsForFrame?.Invoke(n, w.FrameAt(0), _options) ?? _options;
            emit(n, Reconstructor.Reconstruct(frames, w.RefIndex, options, cancel));
            progress?.Report(n);
        }
    }
}
