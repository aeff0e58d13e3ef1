namespace HdrOfx.Engine.IO.Video;

/// <summary>What ffprobe says about the first video stream.</summary>
public sealed record VideoInfo(
    string Path,
    string CodecName,
    int Width,
    int Height,
    /// <summary>Number of frames (from the container, else counted by demuxing).</summary>
    int FrameCount,
    /// <summary>Frame rate as a rational, e.g. 24000/1001.</summary>
    int FrameRateNum,
    int FrameRateDen,
    string PixelFormat,
    /// <summary>color_primaries tag, e.g. "bt709", "bt2020"; "unknown" when absent.</summary>
    string ColorPrimaries,
    /// <summary>color_transfer tag, e.g. "bt709", "smpte2084", "arib-std-b67"; "unknown" when absent.</summary>
    string ColorTransfer,
    /// <summary>color_space (matrix) tag, e.g. "bt709", "bt2020nc"; "unknown" when absent.</summary>
    string ColorSpace,
    /// <summary>"tv" (limited), "pc" (full) or "unknown".</summary>
    string ColorRange,
    bool HasAlpha)
{
    public double FrameRate => FrameRateDen == 0 ? 0 : (double)FrameRateNum / FrameRateDen;
    public bool IsPq => ColorTransfer == "smpte2084";
    public bool IsHlg => ColorTransfer == "arib-std-b67";
}
