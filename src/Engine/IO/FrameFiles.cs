using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.IO.Exr;
using HdrOfx.Engine.IO.Png;
using HdrOfx.Engine.IO.Tiff;

namespace HdrOfx.Engine.IO;

/// <summary>Reads one still frame by its extension: EXR (scene-linear), PNG and TIFF (display-encoded, [0,1]).</summary>
public static class FrameFiles
{
    private static readonly string[] VideoExtensions = [".mov", ".mp4", ".mkv", ".mxf", ".avi", ".webm", ".m4v"];

    public static bool IsVideo(string path) => VideoExtensions.Contains(Path.GetExtension(path).ToLowerInvariant());

    public static bool IsExr(string path) => Path.GetExtension(path).Equals(".exr", StringComparison.OrdinalIgnoreCase);

    public static ImageF Read(string path)
    {
        if (!File.Exists(path)) throw new ImageIOException($"'{path}': no such file");
        return Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".exr" => ExrReader.Read(path),
            ".png" => PngReader.Read(path),
            ".tif" or ".tiff" => TiffReader.Read(path),
            var e => throw new ImageIOException($"'{path}': unsupported image type '{e}' (expected .exr, .png, .tif or .tiff)"),
        };
    }

    /// <summary>Width and height from the header where the format allows it, without decoding pixels.</summary>
    public static (int Width, int Height) ReadSize(string path)
    {
        if (!File.Exists(path)) throw new ImageIOException($"'{path}': no such file");
        switch (Path.GetExtension(path).ToLowerInvariant())
        {
            case ".exr":
                var e = ExrReader.ReadInfo(path);
                return (e.Width, e.Height);
            case ".png":
                var p = PngReader.ReadInfo(path);
                return (p.Width, p.Height);
            default:
                var img = Read(path);
                return (img.Width, img.Height);
        }
    }

    /// <summary>Throws when an image holds NaN or infinite values, naming the file and the count.</summary>
    public static void RequireFinite(ImageF image, string name)
    {
        long bad = FiniteScan.CountNonFinite(image.Data);
        if (bad > 0) throw new ImageIOException($"'{name}' holds {bad} NaN or infinite sample(s)");
    }
}
