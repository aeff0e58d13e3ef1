using System.Globalization;
using System.Text.Json;
using HdrOfx.Engine.Imaging;

namespace HdrOfx.Engine.IO.Video;

/// <summary>
/// Decodes a video's first video stream through an ffmpeg child process into planar R,G,B(,A) <see cref="ImageF"/> frames
/// with display-encoded values (nominally [0,1]). No transfer function is undone here. A stream stored as integer RGB (FFV1,
/// PNG/QuickTime RLE, …) is taken as its integer codes, code / (2^8 − 1) or / (2^16 − 1) as the PNG reader does, so the same
/// bytes give the same values whatever the container (ffmpeg's own integer-to-float conversion is off by up to a code).
/// Other streams come as rawvideo gbrpf32le (gbrapf32le with alpha): ffmpeg's YUV→RGB conversion uses the stream's
/// matrix and range tags.
/// </summary>
public sealed class FfmpegVideoReader
{
    public VideoInfo Info { get; }
    public string Path => Info.Path;

    internal FfmpegVideoReader(VideoInfo info) => Info = info;

    /// <summary>Probes <paramref name="path"/> with ffprobe. Throws <see cref="ImageIOException"/> for missing files, non-video files or missing tools.</summary>
    public static FfmpegVideoReader Open(string path) => new(Probe(path));

    public static VideoInfo Probe(string path)
    {
        if (!File.Exists(path)) throw new ImageIOException($"video '{path}': file not found");
        var r = FfmpegTools.Run(FfmpegTools.FfprobePath,
            ["-v", "error", "-select_streams", "v:0", "-show_entries",
             "stream=codec_name,width,height,pix_fmt,r_frame_rate,avg_frame_rate,nb_frames,start_time,color_primaries,color_transfer,color_space,color_range:format=start_time",
             "-of", "json", path], TimeSpan.FromMinutes(2));
        if (r.ExitCode != 0) throw new ImageIOException($"video '{path}': ffprobe failed: {FfmpegTools.LastLine(r.Stderr)}");
        JsonElement s;
        double formatStart = 0;
        try
        {
            using var doc = JsonDocument.Parse(r.Stdout);
            if (!doc.RootElement.TryGetProperty("streams", out var streams) || streams.GetArrayLength() == 0)
                throw new ImageIOException($"video '{path}': no video stream");
            s = streams[0].Clone();
            if (doc.RootElement.TryGetProperty("format", out var fmt) && fmt.TryGetProperty("start_time", out var fst) &&
                double.TryParse(fst.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out double fs))
                formatStart = fs;
        }
        catch (JsonException e) { throw new ImageIOException($"video '{path}': unreadable ffprobe output", e); }

        string Str(string key) => s.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() ?? "unknown" : "unknown";
        int Int(string key) => s.TryGetProperty(key, out var v) ? v.ValueKind switch
        {
            JsonValueKind.Number => v.GetInt32(),
            JsonValueKind.String when int.TryParse(v.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int i) => i,
            _ => 0,
        } : 0;

        int w = Int("width"), h = Int("height");
        if (w <= 0 || h <= 0) throw new ImageIOException($"video '{path}': stream has no size (not a video?)");
        string rate = Str("r_frame_rate"), avg = Str("avg_frame_rate");
        if (rate is "unknown" or "0/0") rate = avg;
        (int num, int den) = ParseRational(rate);
        (int anum, int aden) = ParseRational(avg);
        bool cfr = num > 0 && (long)num * aden == (long)anum * den;
        double streamStart = double.TryParse(Str("start_time"), NumberStyles.Float, CultureInfo.InvariantCulture, out double ss) ? ss : formatStart;
        int frames = Int("nb_frames");
        if (frames <= 0) frames = CountFrames(path);
        string pixFmt = Str("pix_fmt");
        return new VideoInfo(path, Str("codec_name"), w, h, frames, num, den, pixFmt,
            Str("color_primaries"), Str("color_transfer"), Str("color_space"), Str("color_range"), PixFmtHasAlpha(pixFmt))
        {
            ConstantFrameRate = cfr,
            StreamStartOffset = streamStart - formatStart,
        };
    }

    private static int CountFrames(string path)
    {
        var r = FfmpegTools.Run(FfmpegTools.FfprobePath,
            ["-v", "error", "-select_streams", "v:0", "-count_packets", "-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", path],
            TimeSpan.FromMinutes(10));
        if (r.ExitCode != 0) throw new ImageIOException($"video '{path}': ffprobe could not count frames: {FfmpegTools.LastLine(r.Stderr)}");
        return int.TryParse(r.Stdout.Trim().Split('\n')[0].Trim().TrimEnd(','), NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) ? n : 0;
    }

    private static (int, int) ParseRational(string s)
    {
        var parts = s.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int a) &&
            int.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out int b) && b != 0)
            return (a, b);
        return (0, 1);
    }

    /// <summary>
    /// 8 or 16 when the stream stores integer RGB (or grey) samples of at most 8 or of more bits, which are then read as
    /// integer codes; 0 for YUV and float formats.
    /// </summary>
    internal static int IntegerRgbDepth(string pixFmt)
    {
        string f = pixFmt.EndsWith("le", StringComparison.Ordinal) || pixFmt.EndsWith("be", StringComparison.Ordinal) ? pixFmt[..^2] : pixFmt;
        if (f is "rgb24" or "bgr24" or "rgba" or "bgra" or "argb" or "abgr" or "rgb0" or "bgr0" or "0rgb" or "0bgr" or "gbrp" or "gbrap" or "gray" or "ya8")
            return 8;
        if (f is "rgb48" or "bgr48" or "rgba64" or "bgra64" or "ya16") return 16;
        foreach (var prefix in new[] { "gbrap", "gbrp", "gray" })
            if (f.StartsWith(prefix, StringComparison.Ordinal) && int.TryParse(f.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int bits) && bits is > 8 and <= 16)
                return 16;
        return 0;
    }

    /// <summary>Interleaved rgb24/rgba (8) or rgb48le/rgba64le (16) codes into planes, code / (2^depth − 1).</summary>
    private static void Deinterleave(byte[] buf, int depth, ImageF img)
    {
        int ch = img.Channels, n = img.PlaneSize;
        var d = img.Data;
        if (depth == 8)
        {
            for (int i = 0; i < n; i++)
                for (int c = 0; c < ch; c++)
                    d[c * n + i] = buf[i * ch + c] / 255f;
        }
        else
        {
            var codes = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(buf.AsSpan());
            for (int i = 0; i < n; i++)
                for (int c = 0; c < ch; c++)
                    d[c * n + i] = codes[i * ch + c] / 65535f;
        }
    }

    internal static bool PixFmtHasAlpha(string f) =>
        f.StartsWith("yuva", StringComparison.Ordinal) || f.StartsWith("gbrap", StringComparison.Ordinal) || f.StartsWith("ya", StringComparison.Ordinal) ||
        f.StartsWith("rgba", StringComparison.Ordinal) || f.StartsWith("bgra", StringComparison.Ordinal) ||
        f.StartsWith("argb", StringComparison.Ordinal) || f.StartsWith("abgr", StringComparison.Ordinal);

    /// <summary>
    /// Decodes frames [start, start+count) (count = −1: to the end) in order. The ffmpeg process lives while the enumeration runs
    /// and is killed if the caller stops early. Frames have 4 channels when the stream has alpha and <paramref name="withAlpha"/> is true, else 3.
    /// </summary>
    public IEnumerable<ImageF> ReadFrames(int start = 0, int count = -1, bool withAlpha = true)
    {
        if (start < 0) throw new ArgumentOutOfRangeException(nameof(start), $"start frame {start} must be ≥ 0");
        if (count < -1) throw new ArgumentOutOfRangeException(nameof(count), $"count {count} must be ≥ 0 or −1 (all)");
        return ReadFramesCore(start, count, withAlpha && Info.HasAlpha);
    }

    private IEnumerable<ImageF> ReadFramesCore(int start, int count, bool alpha)
    {
        if (count == 0) yield break;
        var args = new List<string> { "-v", "error", "-nostdin" };
        bool seek = start > 0 && Info.ConstantFrameRate;
        if (seek)
        {
            // Constant frame rate: frame n starts at n/fps. Input -ss seeks to the keyframe before and decodes, discarding frames
            // before the given time; aiming half a frame early makes the first frame kept exactly frame `start`.
            double t = (start - 0.5) * Info.FrameRateDen / Info.FrameRateNum + Info.StreamStartOffset;
            args.AddRange(["-ss", t.ToString("R", CultureInfo.InvariantCulture)]);
        }
        args.AddRange(["-i", Info.Path, "-map", "0:v:0"]);
        // Otherwise trim counts decoded frames from the start: frame-exact for any timing, but it decodes everything before.
        if (start > 0 && !seek) args.AddRange(["-vf", $"trim=start_frame={start},setpts=PTS-STARTPTS"]);
        if (count > 0) args.AddRange(["-frames:v", count.ToString(CultureInfo.InvariantCulture)]);
        int depth = IntegerRgbDepth(Info.PixelFormat);
        string outFormat = depth switch
        {
            8 => alpha ? "rgba" : "rgb24",
            16 => alpha ? "rgba64le" : "rgb48le",
            _ => alpha ? "gbrapf32le" : "gbrpf32le",
        };
        args.AddRange(["-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", outFormat, "-"]);

        int ch = alpha ? 4 : 3;
        int w = Info.Width, h = Info.Height, plane = w * h;
        int frameBytes = checked(plane * ch * (depth == 0 ? 4 : depth / 8));
        using var p = FfmpegTools.Start(FfmpegTools.FfmpegPath, args, redirectStdin: false, redirectStdout: true);
        var err = new StderrTail(p);
        var stdout = p.StandardOutput.BaseStream;
        var buf = new byte[frameBytes];
        int produced = 0;
        bool finished = false;
        try
        {
            while (true)
            {
                int got = 0;
                while (got < frameBytes)
                {
                    int n = stdout.Read(buf, got, frameBytes - got);
                    if (n == 0) break;
                    got += n;
                }
                if (got == 0) break;
                if (got < frameBytes)
                {
                    p.WaitForExit();
                    throw new ImageIOException($"video '{Info.Path}': ffmpeg stopped mid-frame after {produced} frames: {err.Last}");
                }
                var img = new ImageF(w, h, ch);
                if (depth == 0)
                {
                    var src = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(buf.AsSpan());
                    // gbrp plane order is G, B, R (then A); ImageF is R, G, B, A.
                    src.Slice(2 * plane, plane).CopyTo(img.Plane(0));
                    src.Slice(0, plane).CopyTo(img.Plane(1));
                    src.Slice(plane, plane).CopyTo(img.Plane(2));
                    if (alpha) src.Slice(3 * plane, plane).CopyTo(img.Plane(3));
                }
                else Deinterleave(buf, depth, img);
                produced++;
                yield return img;
            }
            p.WaitForExit();
            finished = true;
            if (p.ExitCode != 0)
                throw new ImageIOException($"video '{Info.Path}': ffmpeg failed (exit {p.ExitCode}) after {produced} frames: {err.Last}");
            if (produced == 0 && start > 0)
                throw new ImageIOException($"video '{Info.Path}': start frame {start} is past the end ({Info.FrameCount} frames)");
        }
        finally
        {
            if (!finished)
            {
                try { if (!p.HasExited) p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                try { p.WaitForExit(); } catch (InvalidOperationException) { }
            }
        }
    }
}
