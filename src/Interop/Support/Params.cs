using HdrOfx.Interop.Native;

namespace HdrOfx.Interop.Support;

/// <summary>An instance's parameter set: typed handles looked up by name (cached by the caller).</summary>
public sealed unsafe class ParamSet
{
    public OfxParamSetHandle Handle { get; }

    public ParamSet(OfxParamSetHandle handle) => Handle = handle;

    public (OfxParamHandle Param, PropertySet Props) GetHandle(string name)
    {
        OfxParamHandle h;
        OfxPropertySetHandle props;
        OfxCheck.Ok(OfxHostSuites.RequireParameter->ParamGetHandle(Handle, OfxStrings.Intern(name), &h, &props), $"paramGetHandle({name})");
        if (h.IsNull) throw new OfxException(OfxStatus.ErrBadHandle, $"paramGetHandle({name}) returned a NULL handle");
        return (h, new PropertySet(props));
    }

    public DoubleParam GetDouble(string name) => new(name, GetHandle(name).Param);
    public IntParam GetInt(string name) => new(name, GetHandle(name).Param);
    public IntParam GetChoice(string name) => new(name, GetHandle(name).Param);
    public IntParam GetBoolean(string name) => new(name, GetHandle(name).Param);
    public StringParam GetString(string name) => new(name, GetHandle(name).Param);
}

/// <summary>Base of the typed parameter views: value reads go through native-shim.</summary>
public abstract unsafe class ParamBase
{
    public string Name { get; }
    public OfxParamHandle Handle { get; }

    protected ParamBase(string name, OfxParamHandle handle) { Name = name; Handle = handle; }

    protected static OfxParameterSuiteV1* S => OfxHostSuites.RequireParameter;

    public int NumKeys
    {
        get
        {
            uint n;
            OfxCheck.Ok(S->ParamGetNumKeys(Handle, &n), $"paramGetNumKeys({Name})");
            return (int)n;
        }
    }
}

/// <summary>A double parameter (one component).</summary>
public sealed unsafe class DoubleParam : ParamBase
{
    public DoubleParam(string name, OfxParamHandle h) : base(name, h) { }

    public double GetValue()
    {
        double v;
        void** o = stackalloc void*[1];
        o[0] = &v;
        OfxCheck.Ok(OfxShim.ParamGetValue(S->ParamGetValue, Handle.Value, 1, o), $"paramGetValue({Name})");
        return v;
    }

    public double GetValueAtTime(double time)
    {
        double v;
        void** o = stackalloc void*[1];
        o[0] = &v;
        OfxCheck.Ok(OfxShim.ParamGetValueAtTime(S->ParamGetValueAtTime, Handle.Value, time, 1, o), $"paramGetValueAtTime({Name}, {time})");
        return v;
    }

    public void SetValue(double value) =>
        OfxCheck.Ok(OfxShim.ParamSetValueDouble(S->ParamSetValue, Handle.Value, 1, &value), $"paramSetValue({Name})");

    public void SetValueAtTime(double time, double value) =>
        OfxCheck.Ok(OfxShim.ParamSetValueAtTimeDouble(S->ParamSetValueAtTime, Handle.Value, time, 1, &value), $"paramSetValueAtTime({Name}, {time})");
}

/// <summary>An integer-valued parameter: integer, choice (the option index) or boolean (0/1).</summary>
public sealed unsafe class IntParam : ParamBase
{
    public IntParam(string name, OfxParamHandle h) : base(name, h) { }

    public int GetValue()
    {
        int v;
        void** o = stackalloc void*[1];
        o[0] = &v;
        OfxCheck.Ok(OfxShim.ParamGetValue(S->ParamGetValue, Handle.Value, 1, o), $"paramGetValue({Name})");
        return v;
    }

    public int GetValueAtTime(double time)
    {
        int v;
        void** o = stackalloc void*[1];
        o[0] = &v;
        OfxCheck.Ok(OfxShim.ParamGetValueAtTime(S->ParamGetValueAtTime, Handle.Value, time, 1, o), $"paramGetValueAtTime({Name}, {time})");
        return v;
    }

    public void SetValue(int value) =>
        OfxCheck.Ok(OfxShim.ParamSetValueInt(S->ParamSetValue, Handle.Value, 1, &value), $"paramSetValue({Name})");
}

/// <summary>A string parameter; the host's string is copied at once.</summary>
public sealed unsafe class StringParam : ParamBase
{
    public StringParam(string name, OfxParamHandle h) : base(name, h) { }

    public string GetValue()
    {
        byte* v = null;
        void** o = stackalloc void*[1];
        o[0] = &v;
        OfxCheck.Ok(OfxShim.ParamGetValue(S->ParamGetValue, Handle.Value, 1, o), $"paramGetValue({Name})");
        return OfxStrings.Copy(v) ?? "";
    }

    public string GetValueAtTime(double time)
    {
        byte* v = null;
        void** o = stackalloc void*[1];
        o[0] = &v;
        OfxCheck.Ok(OfxShim.ParamGetValueAtTime(S->ParamGetValueAtTime, Handle.Value, time, 1, o), $"paramGetValueAtTime({Name}, {time})");
        return OfxStrings.Copy(v) ?? "";
    }
}
