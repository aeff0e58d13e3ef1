namespace HdrOfx.Engine.IO.Exr;

/// <summary>Inclusive pixel rectangle, as EXR stores data and display windows.</summary>
public readonly record struct ExrBox(int MinX, int MinY, int MaxX, int MaxY)
{
    public long Width => (long)MaxX - MinX + 1;
    public long Height => (long)MaxY - MinY + 1;
    public override string ToString() => $"({MinX},{MinY})-({MaxX},{MaxY})";
}

/// <summary>How a part stores its pixels.</summary>
public enum ExrStorage
{
    Scanline = 0,
    Tiled = 1,
    DeepScanline = 2,
    DeepTiled = 3,
}

/// <summary>One channel of an EXR part.</summary>
public readonly record struct ExrChannel(string Name, ExrPixelType PixelType, int XSampling, int YSampling);

/// <summary>
/// The header facts of the first part of an EXR file. <see cref="ExrReader.Read"/> returns the pixels of
/// <see cref="DataWindow"/> (its size is <see cref="Width"/> × <see cref="Height"/>); where that window
/// sits inside <see cref="DisplayWindow"/> is for the caller to use.
/// </summary>
public sealed record ExrInfo(
    string Path,
    int PartCount,
    ExrStorage Storage,
    ExrCompression Compression,
    ExrBox DataWindow,
    ExrBox DisplayWindow,
    IReadOnlyList<ExrChannel> Channels,
    int TileWidth,
    int TileHeight,
    string LibraryVersion)
{
    public int Width => (int)DataWindow.Width;
    public int Height => (int)DataWindow.Height;
    public bool IsTiled => Storage is ExrStorage.Tiled or ExrStorage.DeepTiled;
}
