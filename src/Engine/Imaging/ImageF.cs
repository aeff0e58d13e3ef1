using System.Runtime.CompilerServices;

namespace HdrOfx.Engine.Imaging;

/// <summary>
/// Planar float32 image: channel c, row y, column x lives at Data[(c * Height + y) * Width + x].
/// Scene-linear RGB unless a caller says otherwise.
/// The image owns its buffer: one made by <see cref="Rent"/> gives it back to <see cref="Scratch"/> when disposed;
/// after <see cref="Dispose"/> every access to the pixels throws, whether the buffer was pooled or not.
/// </summary>
public sealed class ImageF : IDisposable
{
    private float[]? _data;

    public int Width { get; }
    public int Height { get; }
    public int Channels { get; }

    /// <summary>Whether the buffer came from <see cref="Scratch"/> and goes back there on <see cref="Dispose"/>.</summary>
    public bool Pooled { get; }

    public float[] Data => _data ?? throw new ObjectDisposedException(nameof(ImageF), $"{this} was disposed: its buffer may belong to another image now");

    public ImageF(int width, int height, int channels) : this(width, height, channels, new float[Length(width, height, channels)], pooled: false) { }

    /// <summary>Wraps <paramref name="data"/>; the image does not return it to the pool.</summary>
    public ImageF(int width, int height, int channels, float[] data) : this(width, height, channels, data, pooled: false) { }

    private ImageF(int width, int height, int channels, float[] data, bool pooled)
    {
        if (data.Length != Length(width, height, channels))
            throw new ArgumentException($"data length {data.Length} != {width}x{height}x{channels}", nameof(data));
        Width = width; Height = height; Channels = channels; _data = data; Pooled = pooled;
    }

    private static int Length(int width, int height, int channels)
    {
        if (width <= 0 || height <= 0) throw new ArgumentOutOfRangeException(nameof(width), $"image size {width}x{height} must be positive");
        if (channels is < 1 or > 4) throw new ArgumentOutOfRangeException(nameof(channels), $"channels {channels} must be 1..4");
        long n = (long)width * height * channels;
        if (n > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(width), $"image {width}x{height}x{channels} is too large");
        return (int)n;
    }

    /// <summary>An image whose buffer is rented from <see cref="Scratch"/> (NOT cleared) and returned by <see cref="Dispose"/>.</summary>
    public static ImageF Rent(int width, int height, int channels) =>
        new(width, height, channels, Scratch.Rent(Length(width, height, channels)), pooled: true);

    /// <summary>Gives a pooled buffer back to <see cref="Scratch"/>; the image is unusable after. A second call does nothing.</summary>
    public void Dispose()
    {
        var d = Interlocked.Exchange(ref _data, null);
        if (d is not null && Pooled) Scratch.Return(d);
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

    public override string ToString() => $"ImageF {Width}x{Height}x{Channels}{(_data is null ? " (disposed)" : "")}";
}
