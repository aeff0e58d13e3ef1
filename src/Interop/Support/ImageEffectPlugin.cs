using HdrOfx.Interop.Native;

namespace HdrOfx.Interop.Support;

/// <summary>
/// One image effect plug-in: its identity, its description and a factory for instances.
/// Register it with <see cref="OfxPluginRegistry.Register"/> from the binary's OfxGetNumberOfPlugins export.
/// </summary>
public abstract class ImageEffectPlugin
{
    /// <summary>Reverse-domain identifier. Never change it once shipped: saved projects refer to it.</summary>
    public abstract string Identifier { get; }
    public virtual uint VersionMajor => 1;
    public virtual uint VersionMinor => 0;

    /// <summary>kOfxActionLoad, after the suites were fetched. Throw to refuse loading.</summary>
    public virtual void OnLoad() { }

    /// <summary>kOfxActionUnload.</summary>
    public virtual void OnUnload() { }

    /// <summary>kOfxActionDescribe: labels, grouping, contexts, depths, flags.</summary>
    public abstract void Describe(EffectDescriptor effect);

    /// <summary>kOfxImageEffectActionDescribeInContext: clips and parameters for one context.</summary>
    public abstract void DescribeInContext(EffectDescriptor effect, string context);

    /// <summary>A new instance object; the registry attaches it to the host handle before OnCreate.</summary>
    public abstract ImageEffect CreateInstance(string context);

    /// <summary>
    /// Reports an error to the user for the instance <paramref name="handle"/>, or with a NULL handle (0) for an
    /// action on a descriptor. The default posts a persistent error message where the host has one, else a transient one.
    /// </summary>
    public virtual void ReportError(nint handle, string action, Exception e)
    {
        string text = e switch
        {
            OfxUserException u => u.Message,
            OfxAbortException => "render aborted by the host",
            OfxException o => $"{action}: {o.Message}",
            _ => $"{action}: internal error: {e.GetType().Name}: {e.Message}",
        };
        if (e is OfxAbortException)
        {
            OfxMessages.Post(handle, OfxMessageTypes.Log, $"{Identifier}: {text}");
            return;
        }
        OfxMessages.ReportError(handle, $"{Identifier}: {text}");
    }
}
