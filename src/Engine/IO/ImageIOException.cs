namespace HdrOfx.Engine.IO;

public sealed class ImageIOException : IOException
{
    public ImageIOException(string message) : base(message) { }

    public ImageIOException(string message, Exception inner) : base(message, inner) { }
}
