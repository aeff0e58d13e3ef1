using System.Runtime.CompilerServices;

namespace HdrOfx.Engine.Imaging;

/// <summary>
/// Planar float32 image: channel c, row y, column x lives at Data[(c * Height + y) * Width + x].
/// Scene-linear RGB unless a caller says otherwise.
/// </summary>
public sealed class ImageF
{
    public int Width { get; }
    public int Height { get; }
    public int Channels { get; }
    public float[] Data { get; }

    public ImageF(int width, int height, int channels)
    {
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), $"image size {width}x{height} must be positive");
        if (channels is < 1 or > 4) throw new ArgumentOutOfRangeException(nameof(channels), $"channels {channels} must be 1..4");
        long n = (long)width * height * channels;
        if (n > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(width), $"image {width}x{height}x{channels} is too large");
        Width = width; Height = height; Channels = channels;
        Data = new float[n];
    }

    public ImageF(int width, int height, int channels, float[] data)
    {
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), $"image size {width}x{height} must be positive");
        if (channels is < 1 or > 4) throw new ArgumentOutOfRangeException(nameof(channels), $"channels {channels} must be 1..4");
        if (data.Length != (long)width * height * channels)
            throw new ArgumentException($"data length {data.Length} != {width}x{height}x{channels}", nameof(data));
        Width = width; Height = height; Channels = channels; Data = data;
    }

    public int PlaneSize => Width * Height;

    public Span<float> Plane(int c) => Data.AsSpan(c * PlaneSize, PlaneSize);

    public Span<float> Row(int c, int y) => Data.AsSpan((c * Height + y) * Width, Width);

    public ref float this[int c, int y, int x]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => ref Data[(c * Height + y) * Width + x];
    }

    public ImageF Clone() => new(Width, Height, Channels, (float[])Data.Clone());

    public bool SameSize(ImageF other) => other.Width == Width && other.Height == Height;

    public override string ToString() => $"ImageF {Width}x{Height}x{Channels}";
}
