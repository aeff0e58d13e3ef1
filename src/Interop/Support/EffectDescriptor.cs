using HdrOfx.Interop.Native;

namespace HdrOfx.Interop.Support;

/// <summary>The effect descriptor handed to Describe and DescribeInContext.</summary>
public sealed unsafe class EffectDescriptor
{
    public OfxImageEffectHandle Handle { get; }
    public PropertySet Properties { get; }

    public EffectDescriptor(OfxImageEffectHandle handle)
    {
        Handle = handle;
        OfxPropertySetHandle p;
        OfxCheck.Ok(OfxHostSuites.RequireImageEffect->GetPropertySet(handle, &p), "getPropertySet(descriptor)");
        Properties = new PropertySet(p);
    }

    public ParamSetDescriptor Params
    {
        get
        {
            OfxParamSetHandle ps;
            OfxCheck.Ok(OfxHostSuites.RequireImageEffect->GetParamSet(Handle, &ps), "getParamSet(descriptor)");
            return new ParamSetDescriptor(ps);
        }
    }

    public ClipDescriptor DefineClip(string name)
    {
        OfxPropertySetHandle p;
        OfxCheck.Ok(OfxHostSuites.RequireImageEffect->ClipDefine(Handle, OfxStrings.Intern(name), &p), $"clipDefine({name})");
        return new ClipDescriptor(name, new PropertySet(p));
    }

    public EffectDescriptor Labels(string label, string? shortLabel = null, string? longLabel = null)
    {
        Properties.SetString(OfxProps.Label, label);
        Properties.TrySetString(OfxProps.ShortLabel, shortLabel ?? label);
        Properties.TrySetString(OfxProps.LongLabel, longLabel ?? label);
        return this;
    }
}
