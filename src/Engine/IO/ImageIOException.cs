namespace HdrOfx.Engine.IO;

/// <summary>
/// A file could not be read or written as an image: missing, truncated, corrupt, unsupported, or the
/// native codec reported an error. The message is one line and names the file.
/// </summary>
public sealed class ImageIOException : IOException
{
    public ImageIOException(string message) : base(message) { }

    public ImageIOException(string message, Exception? inner) : base(message, inner) { }
}
