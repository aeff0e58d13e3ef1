using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.IO;
using HdrOfx.Engine.IO.Exr;
using HdrOfx.Engine.IO.Sequences;
using HdrOfx.Engine.IO.Video;

namespace HdrOfx.Cli.Infrastructure;

/// <summary>
/// Where reconstructed scene-linear frames go: an EXR sequence or a video (PQ or HLG, BT.2020). Both are
/// all-or-nothing: sequence frames are written to hidden temporary files beside their targets (<see cref="TempFiles"/>)
/// and renamed into place by <see cref="Complete"/>; a video goes to a temporary file renamed when complete. Disposing
/// without <see cref="Complete"/> (an error or a cancel) deletes what was written; what a killed run left is removed by the
/// next run into the same folder. Every frame is checked to be finite (and within half range for half EXRs) before it is
/// written. No target may be an input file, whatever path reaches it (<see cref="ProtectedFiles"/>).
/// </summary>
public sealed class OutputFrames : IDisposable
{
    private readonly SequencePattern? _pattern;
    private readonly FfmpegVideoWriter? _video;
    private readonly VideoTransfer _transfer;
    private readonly ExrPixelType _exrType;
    private readonly ExrCompression _exrCompression;
    private readonly ProtectedFiles _protected;
    private readonly List<(string Temp, string Final)> _staged = [];
    private readonly object _gate = new();

    public string Description { get; }
    /// <summary>Temporaries of dead earlier runs removed from the output folder at construction.</summary>
    public IReadOnlyList<string> RemovedOrphans { get; }
    /// <summary>Whether frames must be written one at a time, in order.</summary>
    public bool NeedsOrder => _video is not null;

    public OutputFrames(string output, int width, int height, IReadOnlyList<string> protectedInputs,
        VideoTransfer videoTransfer = VideoTransfer.Pq, ExrPixelType exrType = ExrPixelType.Half, ExrCompression exrCompression = ExrCompression.Piz)
    {
        _protected = new ProtectedFiles(protectedInputs);
        _exrType = exrType;
        _exrCompression = exrCompression;
        _transfer = videoTransfer;
        string dir = Path.GetDirectoryName(Path.GetFullPath(output)) ?? ".";
        if (!Directory.Exists(dir)) throw new CliError($"output directory '{dir}' does not exist");
        RequireWritable(dir);
        RemovedOrphans = TempFiles.RemoveOrphans(dir);
        if (FrameFiles.IsVideo(output))
        {
            if (videoTransfer is not (VideoTransfer.Pq or VideoTransfer.Hlg))
                throw new CliError("video output is HDR: choose --output-encoding pq or hlg");
            if (_protected.Match(output) is { } input) throw new CliError($"output '{output}' is the input '{input}'; refusing to overwrite it");
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

    /// <summary>Refuses, before any work, an output that would write over an input frame by any path (same pattern, links).</summary>
    public void CheckDistinctFrom(SequencePattern? input, FrameRange frames)
    {
        if (_pattern is null) return;
        if (!_pattern.HasFrameToken) _pattern.RequireFrames(frames.Count);
        if (input is not null) SequencePattern.RequireDistinct(input, _pattern, frames);
        foreach (int f in frames)
        {
            string final = _pattern.Format(f);
            if (_protected.Match(final) is { } path)
                throw new CliError($"output frame '{final}' is the input file '{path}' (through a link or another spelling); refusing to overwrite it");
        }
    }

    /// <summary>Writes one frame (several may be written at once for a sequence; a video takes them in order).</summary>
    public void Write(int frame, ImageF sceneLinear)
    {
        RequireStorable(frame, sceneLinear);
        if (_video is not null)
        {
            _video.WriteFrame(VideoFrameEncoding.Encode(sceneLinear, _transfer));
            return;
        }
        string final = Path.GetFullPath(_pattern!.Format(frame));
        string temp = TempFiles.Beside(final);
        lock (_gate) _staged.Add((temp, final));
        ExrWriter.WriteUnstaged(temp, sceneLinear, _exrType, _exrCompression);
    }

    /// <summary>Puts the output in place: renames a finished video, or every staged sequence frame.</summary>
    public void Complete()
    {
        _video?.Complete();
        lock (_gate)
        {
            foreach (var (_, final) in _staged) _protected.Refuse(final);
            foreach (var (temp, final) in _staged) File.Move(temp, final, overwrite: true);
            _staged.Clear();
        }
    }

    public void Dispose()
    {
        _video?.Dispose();
        lock (_gate)
        {
            foreach (var (temp, _) in _staged)
            {
                try { File.Delete(temp); }
                catch (IOException) { }
                catch (UnauthorizedAccessException) { }
            }
            _staged.Clear();
        }
    }

    /// <summary>A frame that would store NaN or infinity (half overflows above 65504) never reaches a file.</summary>
    private void RequireStorable(int frame, ImageF img)
    {
        float limit = _video is null && _exrType == ExrPixelType.Half ? 65504f : float.MaxValue;
        if (AllWithin(img.Data, limit)) return;
        long nonFinite = 0, overflow = 0;
        foreach (float v in img.Data)
        {
            if (!float.IsFinite(v)) nonFinite++;
            else if (MathF.Abs(v) > limit) overflow++;
        }
        if (nonFinite > 0)
            throw new CliError($"frame {frame}: the result holds {nonFinite} NaN or infinite value(s); nothing was replaced");
        if (overflow > 0)
            throw new CliError($"frame {frame}: {overflow} value(s) exceed the largest half-float (65504); lower --exposure or use --exr-type float; nothing was replaced");
    }

    /// <summary>Whether every |v| ≤ limit (false for NaN), 8 lanes at a time.</summary>
    private static bool AllWithin(float[] data, float limit)
    {
        var lim = System.Numerics.Vector<float>.One * limit;
        var span = data.AsSpan();
        int i = 0, n = System.Numerics.Vector<float>.Count;
        for (; i + n <= span.Length; i += n)
            if (!System.Numerics.Vector.LessThanOrEqualAll(System.Numerics.Vector.Abs(new System.Numerics.Vector<float>(span.Slice(i, n))), lim)) return false;
        for (; i < span.Length; i++)
            if (!(MathF.Abs(span[i]) <= limit)) return false;
        return true;
    }

    private static void RequireWritable(string dir)
    {
        string probe = TempFiles.Beside(Path.Combine(dir, "write-test"));
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
