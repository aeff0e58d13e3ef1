using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.IO;
using HdrOfx.Engine.IO.Exr;
using HdrOfx.Engine.IO.Sequences;
using HdrOfx.Engine.IO.Video;

namespace HdrOfx.Cli.Infrastructure;

/// <summary>
/// Where reconstructed scene-linear frames go: an EXR sequence or a video (PQ or HLG, BT.2020). Both are
/// all-or-nothing: sequence frames are written to hidden temporary files beside their targets and renamed into place
/// by <see cref="Complete"/>; a video goes to a temporary file renamed when complete. Disposing without
/// <see cref="Complete"/> (an error or a cancel) deletes what was written.
/// </summary>
public sealed class OutputFrames : IDisposable
{
    private readonly SequencePattern? _pattern;
    private readonly FfmpegVideoWriter? _video;
    private readonly VideoTransfer _transfer;
    private readonly ExrPixelType _exrType;
    private readonly ExrCompression _exrCompression;
    private readonly IReadOnlyList<string> _protected;
    private readonly List<(string Temp, string Final)> _staged = [];

    public string Description { get; }

    public OutputFrames(string output, int width, int height, IReadOnlyList<string> protectedInputs,
        VideoTransfer videoTransfer = VideoTransfer.Pq, ExrPixelType exrType = ExrPixelType.Half, ExrCompression exrCompression = ExrCompression.Zip)
    {
        _protected = protectedInputs;
        _exrType = exrType;
        _exrCompression = exrCompression;
        _transfer = videoTransfer;
        string dir = Path.GetDirectoryName(Path.GetFullPath(output)) ?? ".";
        if (!Directory.Exists(dir)) throw new CliError($"output directory '{dir}' does not exist");
        RequireWritable(dir);
        if (FrameFiles.IsVideo(output))
        {
            if (videoTransfer is not (VideoTransfer.Pq or VideoTransfer.Hlg))
                throw new CliError("video output is HDR: choose --output-encoding pq or hlg");
            foreach (var p in protectedInputs)
                if (Path.GetFullPath(p) == Path.GetFullPath(output)) throw new CliError($"output '{output}' is the input; refusing to overwrite it");
            var codec = Path.GetExtension(output).Equals(".mov", StringComparison.OrdinalIgnoreCase) ? VideoCodec.ProRes4444 : VideoCodec.Hevc10;
            _video = new FfmpegVideoWriter(output, width, height,
                new VideoWriterOptions { Codec = codec, Transfer = videoTransfer, Alpha = false, ProtectedInputs = protectedInputs });
            Description = $"{(codec == VideoCodec.ProRes4444 ? "ProRes 4444" : "HEVC 10-bit")} {videoTransfer} video {output}";
        }
        else
        {
            if (!Path.GetExtension(output).Equals(".exr", StringComparison.OrdinalIgnoreCase))
                throw new CliError($"output '{output}' must be an EXR sequence pattern (e.g. out/hdr.%04d.exr) or a video (.mov, .mp4, .mkv)");
            _pattern = SequencePattern.Parse(output);
            Description = $"EXR sequence {output} ({exrType}, {exrCompression})";
        }
    }

    public void CheckDistinctFrom(SequencePattern? input, FrameRange frames)
    {
        if (_pattern is null) return;
        if (!_pattern.HasFrameToken) _pattern.RequireFrames(frames.Count);
        if (input is not null) SequencePattern.RequireDistinct(input, _pattern, frames);
    }

    public void Write(int frame, ImageF sceneLinear)
    {
        if (_video is not null) _video.WriteFrame(VideoFrameEncoding.Encode(sceneLinear, _transfer));
        else
        {
            string final = Path.GetFullPath(_pattern!.Format(frame));
            AtomicFile.RefuseToOverwrite(final, _protected);
            string temp = Path.Combine(Path.GetDirectoryName(final)!, $".{Path.GetFileName(final)}.{Environment.ProcessId}.partial.exr");
            _staged.Add((temp, final));
            ExrWriter.Write(temp, sceneLinear, _exrType, _exrCompression);
        }
    }

    /// <summary>Puts the output in place: renames a finished video, or every staged sequence frame.</summary>
    public void Complete()
    {
        _video?.Complete();
        foreach (var (temp, final) in _staged) File.Move(temp, final, overwrite: true);
        _staged.Clear();
    }

    public void Dispose()
    {
        _video?.Dispose();
        foreach (var (temp, _) in _staged)
        {
            try { File.Delete(temp); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        _staged.Clear();
    }

    private static void RequireWritable(string dir)
    {
        string probe = Path.Combine(dir, $".hdrofx-write-test-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            using (File.Create(probe)) { }
            File.Delete(probe);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new CliError($"output directory '{dir}' is not writable");
        }
    }
}
