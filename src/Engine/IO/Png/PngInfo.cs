namespace HdrOfx.Engine.IO.Png;

/// <summary>What a PNG header and its colour chunks say, beside the pixels.</summary>
public sealed record PngInfo(
    int Width,
    int Height,
    int BitDepth,
    PngColorType ColorType,
    bool Interlaced,
    /// <summary>True when an sRGB chunk is present (the data are sRGB-encoded).</summary>
    bool HasSrgb,
    /// <summary>The gAMA value (e.g. 0.45455 for gamma 2.2 encoding), or null when absent.</summary>
    double? Gamma,
    /// <summary>True when a tRNS chunk is present.</summary>
    bool HasTransparency,
    /// <summary>Channels of the decoded <see cref="Imaging.ImageF"/>: 1 (gray), 3 (RGB) or 4 (RGBA).</summary>
    int DecodedChannels);

public enum PngColorType
{
    Gray = 0,
    Rgb = 2,
    Palette = 3,
    GrayAlpha = 4,
    Rgba = 6,
}
