using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using HdrOfx.Interop.Native;
using HdrOfx.Interop.Support;

namespace HdrOfx.Plugin;

/// <summary>
/// The three C exports of the .ofx binary (ofxCore.h, OFX 1.5). Each catches everything: an
/// exception crossing the C ABI would take the host down (DESIGN §7).
/// </summary>
public static unsafe class Exports
{
    private static int _init;

    private static void EnsureRegistered()
    {
        if (Volatile.Read(ref _init) == 1) return;
        lock (typeof(Exports))
        {
            if (_init == 1) return;
            OfxPluginRegistry.Register(new HdrReconstructPlugin());
            Volatile.Write(ref _init, 1);
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "OfxGetNumberOfPlugins", CallConvs = [typeof(CallConvCdecl)])]
    public static int OfxGetNumberOfPlugins()
    {
        try
        {
            EnsureRegistered();
            return OfxPluginRegistry.Count;
        }
        catch
        {
            return 0;
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "OfxGetPlugin", CallConvs = [typeof(CallConvCdecl)])]
    public static OfxPlugin* OfxGetPlugin(int nth)
    {
        try
        {
            EnsureRegistered();
            return OfxPluginRegistry.Get(nth);
        }
        catch
        {
            return null;
        }
    }

    [UnmanagedCallersOnly(EntryPoint = "OfxSetHost", CallConvs = [typeof(CallConvCdecl)])]
    public static int OfxSetHost(OfxHost* host)
    {
        try
        {
            EnsureRegistered();
            return OfxPluginRegistry.SetHost(host);
        }
        catch
        {
            return OfxStatus.ErrFatal;
        }
    }
}
