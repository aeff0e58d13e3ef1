using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using HdrOfx.Engine.Imaging;

namespace HdrOfx.Engine.IO.Video;

public enum VideoCodec
{
    /// <summary>Apple ProRes 4444 (prores_ks, profile 4444), 10-bit 4:4:4, with alpha when the frames have 4 channels. Needs .mov (or .mkv).</summary>
    ProRes4444,
    /// <summary>HEVC Main 10 (libx265), yuv420p10le. Needs even width and height. .mp4, .mov or .mkv.</summary>
    Hevc10,
}

/// <summary>How the frames given to the writer are encoded; decides the colour tags and the RGB→YUV matrix. The writer applies no curve.</summary>
public enum VideoTransfer
{
    /// <summary>BT.709 primaries, BT.709 transfer and matrix.</summary>
    Bt709,
    /// <summary>BT.709 primaries and matrix, sRGB (IEC 61966-2-1) transfer.</summary>
    Srgb,
    /// <summary>BT.2020 primaries, SMPTE ST 2084 (PQ) transfer, BT.2020 non-constant-luminance matrix: HDR10.</summary>
    Pq,
    /// <summary>BT.2020 primaries, ARIB STD-B67 (HLG) transfer, BT.2020 NCL matrix.</summary>
    Hlg,
}

public sealed record VideoWriterOptions
{
    public VideoCodec Codec { get; init; } = VideoCodec.ProRes4444;
    public VideoTransfer Transfer { get; init; } = VideoTransfer.Bt709;
    /// <summary>Frame rate numerator/denominator, e.g. 24000/1001.</summary>
    public int FrameRateNum { get; init; } = 24;
    public int FrameRateDen { get; init; } = 1;
    /// <summary>x265 constant rate factor (lower = better).</summary>
    public int Crf { get; init; } = 16;
    /// <summary>x265 preset (ultrafast … placebo).</summary>
    public string Preset { get; init; } = "medium";
    /// <summary>HDR10 mastering display peak in cd/m² (PQ with HEVC only). BT.2020 primaries, D65, min 0.0001 cd/m².</summary>
    public int MasteringPeakNits { get; init; } = 1000;
    /// <summary>MaxCLL,MaxFALL in cd/m² for the HDR10 content light level SEI; 0 leaves it out.</summary>
    public int MaxCll { get; init; }
    public int MaxFall { get; init; }
    /// <summary>Write an alpha channel for ProRes 4444 when frames have 4 channels.</summary>
    public bool Alpha { get; init; } = true;
    /// <summary>Paths the output must not overwrite.</summary>
    public IReadOnlyList<string>? ProtectedInputs { get; init; }
}

/// <summary>
/// Encodes display-encoded frames (values in [0,1]) through an ffmpeg child process reading rawvideo gbrpf32le on stdin.
/// The output is written to a temporary file beside the target (same extension) and renamed into place by <see cref="Complete"/>;
/// on any failure, or if disposed before <see cref="Complete"/>, the temporary file is deleted. stderr is drained asynchronously.
/// </summary>
public sealed class FfmpegVideoWriter : IDisposable
{
    public string OutputPath { get; }
    public int Width { get; }
    public int Height { get; }
    public VideoWriterOptions Options { get; }
    public int FramesWritten { get; private set; }

    private readonly string _temp;
    private readonly int _channels;
    private readonly Process _process;
    private readonly StderrTail _err;
    private readonly Stream _stdin;
    private readonly byte[] _buffer;
    private bool _done;

    /// <param name="channels">3, or 4 to carry alpha (ProRes 4444 only)</param>
    public FfmpegVideoWriter(string path, int width, int height, VideoWriterOptions? options = null, int channels = 3)
    {
        ArgumentNullException.ThrowIfNull(path);
        Options = options ?? new VideoWriterOptions();
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), $"video size {width}x{height} must be positive");
        if (channels is not (3 or 4)) throw new ArgumentOutOfRangeException(nameof(channels), $"channels {channels} must be 3 or 4");
        if (Options.Codec == VideoCodec.Hevc10 && (width % 2 != 0 || height % 2 != 0))
            throw new ArgumentException($"HEVC 4:2:0 needs even width and height, got {width}x{height}");
        if (Options.FrameRateNum <= 0 || Options.FrameRateDen <= 0)
            throw new ArgumentOutOfRangeException(nameof(options), $"frame rate {Options.FrameRateNum}/{Options.FrameRateDen} must be positive");
        OutputPath = path; Width = width; Height = height;
        bool alpha = channels == 4 && Options.Codec == VideoCodec.ProRes4444 && Options.Alpha;
        _channels = alpha ? 4 : 3;

        string full = System.IO.Path.GetFullPath(path);
        AtomicFile.RefuseToOverwrite(full, Options.ProtectedInputs);
        string dir = System.IO.Path.GetDirectoryName(full) ?? ".";
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"output directory '{dir}' does not exist");
        string ext = System.IO.Path.GetExtension(full);
        string muxer = MuxerFor(ext, Options.Codec);
        _temp = TempFiles.Beside(full, keepExtension: true);

        _buffer = new byte[checked(width * height * _channels * 4)];
        _process = FfmpegTools.Start(FfmpegTools.FfmpegPath, BuildArgs(muxer), redirectStdin: true, redirectStdout: false);
        _err = new StderrTail(_process);
        _stdin = _process.StandardInput.BaseStream;
    }

    private static string MuxerFor(string ext, VideoCodec codec) => ext.ToLowerInvariant() switch
    {
        ".mov" => "mov",
        ".mkv" => "matroska",
        ".mp4" or ".m4v" when codec == VideoCodec.Hevc10 => "mp4",
        ".mp4" or ".m4v" => throw new ArgumentException("ProRes cannot go in .mp4; use .mov or .mkv"),
        _ => throw new ArgumentException($"unknown video extension '{ext}'; use .mov, .mkv{(codec == VideoCodec.Hevc10 ? " or .mp4" : "")}"),
    };

    /// <summary>(color_primaries, color_trc, colorspace, scale-filter matrix) for a transfer.</summary>
    internal static (string Primaries, string Trc, string Space, string Matrix) Tags(VideoTransfer t) => t switch
    {
        VideoTransfer.Srgb => ("bt709", "iec61966-2-1", "bt709", "bt709"),
        VideoTransfer.Pq => ("bt2020", "smpte2084", "bt2020nc", "bt2020"),
        VideoTransfer.Hlg => ("bt2020", "arib-std-b67", "bt2020nc", "bt2020"),
        _ => ("bt709", "bt709", "bt709", "bt709"),
    };

    private List<string> BuildArgs(string muxer)
    {
        var o = Options;
        var (prim, trc, space, matrix) = Tags(o.Transfer);
        string rate = $"{o.FrameRateNum}/{o.FrameRateDen}";
        var a = new List<string>
        {
            "-v", "error", "-nostdin", "-y",
            "-f", "rawvideo", "-pix_fmt", _channels == 4 ? "gbrapf32le" : "gbrpf32le",
            "-s", $"{Width}x{Height}", "-framerate", rate, "-i", "-",
            "-an",
            // RGB→YUV with the matrix the tags announce, limited range. setparams tags the frames too: without it ffmpeg 5.1
            // drops -color_* for ProRes, and decoders then fall back to BT.601 (a 30 dB round trip instead of 64 dB).
            "-vf", $"scale=out_color_matrix={matrix}:out_range=tv,setparams=color_primaries={prim}:color_trc={trc}:colorspace={space}:range=tv",
        };
        if (o.Codec == VideoCodec.ProRes4444)
        {
            a.AddRange(["-c:v", "prores_ks", "-profile:v", "4444", "-pix_fmt", _channels == 4 ? "yuva444p10le" : "yuv444p10le", "-vendor", "apl0"]);
            if (_channels == 4) a.AddRange(["-alpha_bits", "16"]);
        }
        else
        {
            a.AddRange(["-c:v", "libx265", "-pix_fmt", "yuv420p10le", "-preset", o.Preset, "-crf", o.Crf.ToString(CultureInfo.InvariantCulture)]);
            string x265 = $"log-level=error:colorprim={prim}:transfer={trc}:colormatrix={space}:range=limited";
            if (o.Transfer == VideoTransfer.Pq)
            {
                // SMPTE ST 2086 mastering display: BT.2020 primaries and D65 in 0.00002 units, luminance in 0.0001 cd/m².
                x265 += ":hdr10=1:repeat-headers=1:master-display=G(8500,39850)B(6550,2300)R(35400,14600)WP(15635,16450)" +
                        $"L({(long)o.MasteringPeakNits * 10000},1)";
                if (o.MaxCll > 0) x265 += $":max-cll={o.MaxCll},{o.MaxFall}";
            }
            else if (o.Transfer == VideoTransfer.Hlg)
                x265 += ":repeat-headers=1:atc-sei=18:pic-struct=0"; // alternative transfer SEI: HLG (18), as broadcasters signal it
            a.AddRange(["-x265-params", x265]);
            if (muxer is "mp4" or "mov") a.AddRange(["-tag:v", "hvc1"]);
        }
        a.AddRange(["-color_primaries", prim, "-color_trc", trc, "-colorspace", space, "-color_range", "tv"]);
        a.AddRange(["-f", muxer, _temp]);
        return a;
    }

    /// <summary>Sends one frame. It must be Width×Height; its first 3 channels are RGB, a 4th is alpha. Values are clamped to [0,1].</summary>
    public void WriteFrame(ImageF frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        ObjectDisposedException.ThrowIf(_done, this);
        if (frame.Width != Width || frame.Height != Height)
            throw new ArgumentException($"frame is {frame.Width}x{frame.Height}, the video is {Width}x{Height}", nameof(frame));
        if (frame.Channels < 3) throw new ArgumentException($"frame has {frame.Channels} channel(s); need RGB", nameof(frame));
        int plane = frame.PlaneSize;
        var dst = MemoryMarshal.Cast<byte, float>(_buffer.AsSpan());
        // gbrp plane order: G, B, R (then A).
        ClampCopy(frame.Plane(1), dst.Slice(0, plane));
        ClampCopy(frame.Plane(2), dst.Slice(plane, plane));
        ClampCopy(frame.Plane(0), dst.Slice(2 * plane, plane));
        if (_channels == 4)
        {
            if (frame.Channels == 4) ClampCopy(frame.Plane(3), dst.Slice(3 * plane, plane));
            else dst.Slice(3 * plane, plane).Fill(1f);
        }
        try { _stdin.Write(_buffer); }
        catch (IOException e)
        {
            Abort();
            throw new ImageIOException($"video '{OutputPath}': ffmpeg stopped accepting frames after {FramesWritten}: {_err.Last}", e);
        }
        FramesWritten++;
    }

    private static void ClampCopy(ReadOnlySpan<float> s, Span<float> d)
    {
        for (int i = 0; i < s.Length; i++)
        {
            float v = s[i];
            d[i] = v > 0f ? (v < 1f ? v : 1f) : 0f; // NaN → 0
        }
    }

    /// <summary>Closes the stream, waits for ffmpeg and moves the file into place. Throws with ffmpeg's last stderr line on failure.</summary>
    public void Complete()
    {
        ObjectDisposedException.ThrowIf(_done, this);
        if (FramesWritten == 0) { Abort(); throw new InvalidOperationException($"video '{OutputPath}': no frames were written"); }
        try { _stdin.Close(); }
        catch (IOException) { }
        _process.WaitForExit();
        _done = true;
        int code = _process.ExitCode;
        _process.Dispose();
        if (code != 0 || !File.Exists(_temp))
        {
            DeleteTemp();
            throw new ImageIOException($"video '{OutputPath}': ffmpeg failed (exit {code}): {_err.Last}");
        }
        try { File.Move(_temp, System.IO.Path.GetFullPath(OutputPath), overwrite: true); }
        catch { DeleteTemp(); throw; }
    }

    private void Abort()
    {
        if (_done) return;
        _done = true;
        try { _stdin.Close(); } catch (IOException) { }
        try { if (!_process.HasExited) _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        try { _process.WaitForExit(); } catch (InvalidOperationException) { }
        _process.Dispose();
        DeleteTemp();
    }

    private void DeleteTemp()
    {
        try { if (File.Exists(_temp)) File.Delete(_temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>Without a prior <see cref="Complete"/>, kills ffmpeg and deletes the temporary file; the target is left untouched.</summary>
    public void Dispose() => Abort();

    /// <summary>Writes a whole clip: opens, sends every frame, completes.</summary>
    public static void WriteAll(string path, IEnumerable<ImageF> frames, VideoWriterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(frames);
        FfmpegVideoWriter? w = null;
        try
        {
            foreach (var f in frames)
            {
                w ??= new FfmpegVideoWriter(path, f.Width, f.Height, options, f.Channels >= 4 ? 4 : 3);
                w.WriteFrame(f);
            }
            if (w is null) throw new ArgumentException("no frames to write", nameof(frames));
            w.Complete();
        }
        finally { w?.Dispose(); }
    }
}
