using HdrOfx.Interop.Native;

namespace HdrOfx.Interop.Support;

/// <summary>Messages to the user through the message suite (the variadic calls go through native-shim).</summary>
public static unsafe class OfxMessages
{
    /// <summary>
    /// Posts a transient message about an instance (or, with handle 0, about no instance: never pass a descriptor handle);
    /// returns the host's status, or kOfxStatFailed when there is no message suite.
    /// </summary>
    public static int Post(nint handle, string type, string text, string? id = null)
    {
        var m = OfxHostSuites.Message;
        if (m == null || m->Message == 0) return OfxStatus.Failed;
        return WithUtf8(text, p => OfxShim.Message(m->Message, handle, OfxStrings.Intern(type), id == null ? null : OfxStrings.Intern(id), p));
    }

    /// <summary>
    /// Sets a persistent message on an instance. Returns false when the host cannot (message suite V1,
    /// or a NULL setPersistentMessage as in Resolve) or there is no instance (handle 0), so the caller can fall back to
    /// <see cref="Post"/>.
    /// </summary>
    public static bool SetPersistent(nint handle, string type, string text, string? id = null)
    {
        var m = OfxHostSuites.Message;
        if (handle == 0 || m == null || OfxHostSuites.MessageVersion < 2 || m->SetPersistentMessage == 0) return false;
        int st = WithUtf8(text, p => OfxShim.SetPersistentMessage(m->SetPersistentMessage, handle, OfxStrings.Intern(type), id == null ? null : OfxStrings.Intern(id), p));
        return st == OfxStatus.OK;
    }

    /// <summary>Clears the instance's persistent message, when the host supports it.</summary>
    public static void ClearPersistent(nint handle)
    {
        var m = OfxHostSuites.Message;
        if (handle == 0 || m == null || OfxHostSuites.MessageVersion < 2 || m->ClearPersistentMessage == null) return;
        m->ClearPersistentMessage((void*)handle);
    }

    /// <summary>An error the user must see: persistent where possible, else a transient error message.</summary>
    public static void ReportError(nint handle, string text)
    {
        if (!SetPersistent(handle, OfxMessageTypes.Error, text)) Post(handle, OfxMessageTypes.Error, text);
    }

    private delegate int Utf8Call(byte* text);

    private static int WithUtf8(string text, Utf8Call call)
    {
        // Transient text: the host formats it during the call ("%s"), so a stack/heap copy suffices.
        int n = System.Text.Encoding.UTF8.GetByteCount(text);
        byte[] buf = new byte[n + 1];
        System.Text.Encoding.UTF8.GetBytes(text, buf);
        fixed (byte* p = buf) return call(p);
    }
}
