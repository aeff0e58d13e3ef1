namespace HdrOfx.Engine.IO.Hdri;

/// <summary>The HDRI panoramas could not be fetched or cached (npm missing, offline, unexpected package).
/// The message is one line and says what to do.</summary>
public sealed class HdriFetchException : IOException
{
    public HdriFetchException(string message) : base(message) { }

    public HdriFetchException(string message, Exception? inner) : base(message, inner) { }
}
