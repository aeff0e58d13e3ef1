using HdrOfx.Interop.Native;

namespace HdrOfx.Interop.Support;

/// <summary>Defines parameters on a descriptor's parameter set (describe-in-context).</summary>
public sealed unsafe class ParamSetDescriptor
{
    public OfxParamSetHandle Handle { get; }

    public ParamSetDescriptor(OfxParamSetHandle handle) => Handle = handle;

    public ParamDescriptor Define(string type, string name)
    {
        OfxPropertySetHandle props;
        OfxCheck.Ok(OfxHostSuites.RequireParameter->ParamDefine(Handle, OfxStrings.Intern(type), OfxStrings.Intern(name), &props),
            $"paramDefine({type}, {name})");
        return new ParamDescriptor(name, new PropertySet(props));
    }

    public ParamDescriptor DefineDouble(string name, string label, string hint, double defaultValue,
        double min, double max, double displayMin, double displayMax, bool animates = true)
    {
        var d = Define(OfxParamProps.TypeDouble, name).Label(label).Hint(hint);
        d.Properties.TrySetString(OfxParamProps.DoubleType, OfxParamProps.DoubleTypePlain);
        d.Properties.SetDouble(OfxParamProps.Default, defaultValue);
        // Resolve clamps a double param to its display range when either range is missing (DESIGN §7).
        d.Properties.SetDouble(OfxParamProps.Min, min);
        d.Properties.SetDouble(OfxParamProps.Max, max);
        d.Properties.SetDouble(OfxParamProps.DisplayMin, displayMin);
        d.Properties.SetDouble(OfxParamProps.DisplayMax, displayMax);
        d.Animates(animates);
        return d;
    }

    public ParamDescriptor DefineInt(string name, string label, string hint, int defaultValue,
        int min, int max, int displayMin, int displayMax, bool animates = false)
    {
        var d = Define(OfxParamProps.TypeInteger, name).Label(label).Hint(hint);
        d.Properties.SetInt(OfxParamProps.Default, defaultValue);
        d.Properties.SetInt(OfxParamProps.Min, min);
        d.Properties.SetInt(OfxParamProps.Max, max);
        d.Properties.SetInt(OfxParamProps.DisplayMin, displayMin);
        d.Properties.SetInt(OfxParamProps.DisplayMax, displayMax);
        d.Animates(animates);
        return d;
    }

    public ParamDescriptor DefineChoice(string name, string label, string hint, IReadOnlyList<string> options, int defaultIndex)
    {
        if ((uint)defaultIndex >= (uint)options.Count) throw new ArgumentOutOfRangeException(nameof(defaultIndex));
        var d = Define(OfxParamProps.TypeChoice, name).Label(label).Hint(hint);
        d.Properties.SetStrings(OfxParamProps.ChoiceOption, options);
        d.Properties.SetInt(OfxParamProps.Default, defaultIndex);
        d.Animates(false);
        return d;
    }

    public ParamDescriptor DefineBoolean(string name, string label, string hint, bool defaultValue)
    {
        var d = Define(OfxParamProps.TypeBoolean, name).Label(label).Hint(hint);
        d.Properties.SetInt(OfxParamProps.Default, defaultValue ? 1 : 0);
        d.Animates(false);
        return d;
    }

    public ParamDescriptor DefineString(string name, string label, string hint, string defaultValue)
    {
        var d = Define(OfxParamProps.TypeString, name).Label(label).Hint(hint);
        d.Properties.SetString(OfxParamProps.Default, defaultValue);
        d.Properties.TrySetString(OfxParamProps.StringMode, OfxParamProps.StringIsSingleLine);
        d.Animates(false);
        return d;
    }

    public ParamDescriptor DefineGroup(string name, string label, bool open = true)
    {
        var d = Define(OfxParamProps.TypeGroup, name).Label(label);
        d.Properties.TrySetInt(OfxParamProps.GroupOpen, open ? 1 : 0);
        return d;
    }

    /// <summary>A page listing its children in order.</summary>
    public ParamDescriptor DefinePage(string name, string label, IReadOnlyList<string> children)
    {
        var d = Define(OfxParamProps.TypePage, name).Label(label);
        d.Properties.SetStrings(OfxParamProps.PageChild, children);
        return d;
    }
}

/// <summary>Fluent setters over one parameter descriptor's properties.</summary>
public sealed class ParamDescriptor
{
    public string Name { get; }
    public PropertySet Properties { get; }

    public ParamDescriptor(string name, PropertySet props) { Name = name; Properties = props; }

    public ParamDescriptor Label(string label)
    {
        Properties.SetString(OfxProps.Label, label);
        return this;
    }

    public ParamDescriptor Hint(string hint)
    {
        Properties.SetString(OfxParamProps.Hint, hint);
        return this;
    }

    public ParamDescriptor Animates(bool on)
    {
        Properties.SetInt(OfxParamProps.Animates, on ? 1 : 0);
        return this;
    }

    public ParamDescriptor Parent(string group)
    {
        Properties.SetString(OfxParamProps.Parent, group);
        return this;
    }

    public ParamDescriptor Secret(bool on = true)
    {
        Properties.TrySetInt(OfxParamProps.Secret, on ? 1 : 0);
        return this;
    }

    public ParamDescriptor Digits(int digits)
    {
        Properties.TrySetInt(OfxParamProps.Digits, digits); // cosmetic: a host without it still works
        return this;
    }

    public ParamDescriptor Increment(double step)
    {
        Properties.TrySetDouble(OfxParamProps.Increment, step);
        return this;
    }
}
