using HdrOfx.Interop.Native;

namespace HdrOfx.Interop.Support;

/// <summary>A failed host call or a condition the plug-in reports with a specific status.</summary>
public class OfxException : Exception
{
    public int Status { get; }

    public OfxException(int status, string message) : base(message) => Status = status;

    public override string ToString() => $"{OfxStatus.Name(Status)}: {Message}";
}

/// <summary>
/// An error the user can act on (bad parameter combination, feature not available yet). Its message is
/// posted to the host as is, without a stack trace.
/// </summary>
public sealed class OfxUserException : OfxException
{
    public OfxUserException(string message, int status = OfxStatus.Failed) : base(status, message) { }
}

/// <summary>Thrown when the host's abort() says stop.</summary>
public sealed class OfxAbortException : OperationCanceledException
{
    public OfxAbortException() : base("render aborted by the host") { }
}

internal static class OfxCheck
{
    /// <summary>Throws when a host call did not return kOfxStatOK; <paramref name="what"/> names the call site.</summary>
    public static void Ok(int status, string what)
    {
        if (status != OfxStatus.OK) throw new OfxException(status, $"{what} returned {OfxStatus.Name(status)}");
    }
}
