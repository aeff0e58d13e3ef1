using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.IO;
using HdrOfx.Engine.IO.Sequences;
using HdrOfx.Engine.IO.Video;

namespace HdrOfx.Cli.Infrastructure;

/// <summary>
/// Frames of an input: an image sequence (frame numbers from the file names) or a video (frames 0..N−1).
/// Construction validates the whole input (existence, gaps, sizes) before any output is written.
/// </summary>
public sealed class InputFrames : IDisposable
{
    private readonly SequencePattern? _pattern;
    private readonly IReadOnlyDictionary<int, string>? _paths;
    private readonly IEnumerator<ImageF>? _video;
    private int _videoNext;

    public FrameRange Range { get; }
    public int Width { get; }
    public int Height { get; }
    public string Description { get; }
    public IReadOnlyList<string> Files { get; }

    public InputFrames(string input)
    {
        if (FrameFiles.IsVideo(input))
        {
            if (!File.Exists(input)) throw new CliError($"input video '{input}' does not exist");
            var reader = FfmpegVideoReader.Open(input);
            var info = reader.Info;
            if (info.FrameCount <= 0) throw new CliError($"input video '{input}' holds no frames");
            Range = new FrameRange(0, info.FrameCount - 1);
            Width = info.Width; Height = info.Height;
            _video = reader.ReadFrames(withAlpha: false).GetEnumerator();
            Description = $"video {input} ({info.Width}x{info.Height}, {info.FrameCount} frames)";
            Files = [input];
            return;
        }

        _pattern = SequencePattern.Parse(input);
        var scan = _pattern.Enumerate();
        if (scan.IsEmpty) throw new CliError($"no input frames match '{input}'");
        if (scan.HasGaps) throw new CliError($"input sequence '{input}' is missing frame(s) {string.Join(", ", scan.Gaps)}");
        Range = scan.Range;
        _paths = scan.Frames.ToDictionary(f => f.Frame, f => f.Path);
        Files = scan.Frames.Select(f => f.Path).ToArray();
        (Width, Height) = FrameFiles.ReadSize(scan.Frames[0].Path);
        foreach (var f in scan.Frames)
        {
            var (w, h) = FrameFiles.ReadSize(f.Path);
            if (w != Width || h != Height)
                throw new CliError($"frame sizes differ: '{f.Path}' is {w}x{h} but '{scan.Frames[0].Path}' is {Width}x{Height}");
        }
        Description = $"sequence {input} ({Width}x{Height}, frames {Range})";
    }

    public SequencePattern? Pattern => _pattern;

    public bool IsVideo => _video is not null;

    /// <summary>An EXR sequence: scene-linear already, unless the user says otherwise.</summary>
    public bool IsExr => _pattern is not null && FrameFiles.IsExr(Files[0]);

    /// <summary>Loads a frame. Video frames must be asked for in increasing order (the reconstructor does).</summary>
    public ImageF Load(int frame)
    {
        ImageF img;
        if (_video is not null)
        {
            if (frame < _videoNext) throw new InvalidOperationException($"video frame {frame} asked for after {_videoNext - 1}");
            do
            {
                if (!_video.MoveNext()) throw new CliError($"the video ended before frame {frame}");
                _videoNext++;
            } while (_videoNext <= frame);
            img = _video.Current;
        }
        else
        {
            string path = _paths![frame];
            img = FrameFiles.Read(path);
            if (FrameFiles.IsExr(path)) FrameFiles.RequireFinite(img, path); // PNG and TIFF hold integer codes
        }
        if (img.Width != Width || img.Height != Height)
            throw new CliError($"frame {frame} is {img.Width}x{img.Height} but the input is {Width}x{Height}");
        return img;
    }

    public void Dispose() => _video?.Dispose();
}
