namespace HdrOfx.Engine.IO;

/// <summary>A file could not be read or written as an image: bad, truncated or unsupported content.</summary>
public sealed class ImageIOException : IOException
{
    public ImageIOException(string message) : base(message) { }

    public ImageIOException(string message, Exception inner) : base(message, inner) { }
}
