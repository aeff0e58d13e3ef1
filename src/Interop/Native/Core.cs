using System.Runtime.InteropServices;

namespace HdrOfx.Interop.Native;

/// <summary>ofxCore.h <c>OfxHost</c>: what a plug-in gets in setHost.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct OfxHost
{
    public OfxPropertySetHandle Host;
    /// <summary><c>const void *(*fetchSuite)(OfxPropertySetHandle host, const char *suiteName, int suiteVersion)</c></summary>
    public delegate* unmanaged[Cdecl]<OfxPropertySetHandle, byte*, int, void*> FetchSuite;
}

/// <summary>ofxCore.h <c>OfxPlugin</c>: what OfxGetPlugin returns.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct OfxPlugin
{
    public byte* PluginApi;
    public int ApiVersion;
    public byte* PluginIdentifier;
    public uint PluginVersionMajor;
    public uint PluginVersionMinor;
    /// <summary><c>void (*setHost)(OfxHost *host)</c></summary>
    public delegate* unmanaged[Cdecl]<OfxHost*, void> SetHost;
    /// <summary><c>OfxStatus (OfxPluginEntryPoint)(const char *action, const void *handle, OfxPropertySetHandle inArgs, OfxPropertySetHandle outArgs)</c></summary>
    public delegate* unmanaged[Cdecl]<byte*, void*, OfxPropertySetHandle, OfxPropertySetHandle, int> MainEntry;
}

