using HdrOfx.Interop.Native;

namespace HdrOfx.Interop.Support;

/// <summary>
/// A typed view of an OfxPropertySetHandle. Getters and setters check the status and throw
/// <see cref="OfxException"/> naming the property; Try* variants return false instead.
/// Names and string values handed to the host are interned (they live for the process).
/// </summary>
public readonly unsafe struct PropertySet
{
    public OfxPropertySetHandle Handle { get; }

    public PropertySet(OfxPropertySetHandle handle) => Handle = handle;

    public bool IsNull => Handle.IsNull;

    private static OfxPropertySuiteV1* S => OfxHostSuites.RequireProperty;

    public void SetInt(string name, int value, int index = 0) =>
        OfxCheck.Ok(S->PropSetInt(Handle, OfxStrings.Intern(name), index, value), $"propSetInt({name}[{index}])");

    public void SetDouble(string name, double value, int index = 0) =>
        OfxCheck.Ok(S->PropSetDouble(Handle, OfxStrings.Intern(name), index, value), $"propSetDouble({name}[{index}])");

    public void SetString(string name, string value, int index = 0) =>
        OfxCheck.Ok(S->PropSetString(Handle, OfxStrings.Intern(name), index, OfxStrings.Intern(value)), $"propSetString({name}[{index}])");

    public void SetPointer(string name, nint value, int index = 0) =>
        OfxCheck.Ok(S->PropSetPointer(Handle, OfxStrings.Intern(name), index, (void*)value), $"propSetPointer({name}[{index}])");

    public void SetBool(string name, bool value, int index = 0) => SetInt(name, value ? 1 : 0, index);

    public void SetInts(string name, ReadOnlySpan<int> values)
    {
        fixed (int* p = values)
            OfxCheck.Ok(S->PropSetIntN(Handle, OfxStrings.Intern(name), values.Length, p), $"propSetIntN({name})");
    }

    public void SetDoubles(string name, ReadOnlySpan<double> values)
    {
        fixed (double* p = values)
            OfxCheck.Ok(S->PropSetDoubleN(Handle, OfxStrings.Intern(name), values.Length, p), $"propSetDoubleN({name})");
    }

    /// <summary>Sets a multi-dimensional string property one index at a time (the values are interned).</summary>
    public void SetStrings(string name, IReadOnlyList<string> values)
    {
        for (int i = 0; i < values.Count; i++) SetString(name, values[i], i);
    }

    public int GetInt(string name, int index = 0)
    {
        int v;
        OfxCheck.Ok(S->PropGetInt(Handle, OfxStrings.Intern(name), index, &v), $"propGetInt({name}[{index}])");
        return v;
    }

    public double GetDouble(string name, int index = 0)
    {
        double v;
        OfxCheck.Ok(S->PropGetDouble(Handle, OfxStrings.Intern(name), index, &v), $"propGetDouble({name}[{index}])");
        return v;
    }

    public string GetString(string name, int index = 0)
    {
        byte* v = null;
        OfxCheck.Ok(S->PropGetString(Handle, OfxStrings.Intern(name), index, &v), $"propGetString({name}[{index}])");
        return OfxStrings.Copy(v) ?? "";
    }

    public nint GetPointer(string name, int index = 0)
    {
        void* v = null;
        OfxCheck.Ok(S->PropGetPointer(Handle, OfxStrings.Intern(name), index, &v), $"propGetPointer({name}[{index}])");
        return (nint)v;
    }

    public int GetDimension(string name)
    {
        int n;
        OfxCheck.Ok(S->PropGetDimension(Handle, OfxStrings.Intern(name), &n), $"propGetDimension({name})");
        return n;
    }

    public bool TryGetInt(string name, out int value, int index = 0)
    {
        int v = 0;
        bool ok = !IsNull && OfxHostSuites.Property != null && S->PropGetInt(Handle, OfxStrings.Intern(name), index, &v) == OfxStatus.OK;
        value = v;
        return ok;
    }

    public bool TryGetDouble(string name, out double value, int index = 0)
    {
        double v = 0;
        bool ok = !IsNull && OfxHostSuites.Property != null && S->PropGetDouble(Handle, OfxStrings.Intern(name), index, &v) == OfxStatus.OK;
        value = v;
        return ok;
    }

    public bool TryGetString(string name, out string value, int index = 0)
    {
        byte* v = null;
        bool ok = !IsNull && OfxHostSuites.Property != null && S->PropGetString(Handle, OfxStrings.Intern(name), index, &v) == OfxStatus.OK;
        value = ok ? OfxStrings.Copy(v) ?? "" : "";
        return ok;
    }

    public bool TryGetPointer(string name, out nint value, int index = 0)
    {
        void* v = null;
        bool ok = !IsNull && OfxHostSuites.Property != null && S->PropGetPointer(Handle, OfxStrings.Intern(name), index, &v) == OfxStatus.OK;
        value = (nint)v;
        return ok;
    }

    public bool TrySetInt(string name, int value, int index = 0) =>
        !IsNull && S->PropSetInt(Handle, OfxStrings.Intern(name), index, value) == OfxStatus.OK;

    public bool TrySetDouble(string name, double value, int index = 0) =>
        !IsNull && S->PropSetDouble(Handle, OfxStrings.Intern(name), index, value) == OfxStatus.OK;

    public bool TrySetString(string name, string value, int index = 0) =>
        !IsNull && S->PropSetString(Handle, OfxStrings.Intern(name), index, OfxStrings.Intern(value)) == OfxStatus.OK;

    public int GetIntOr(string name, int fallback, int index = 0) => TryGetInt(name, out var v, index) ? v : fallback;

    public double GetDoubleOr(string name, double fallback, int index = 0) => TryGetDouble(name, out var v, index) ? v : fallback;

    public string GetStringOr(string name, string fallback, int index = 0) => TryGetString(name, out var v, index) ? v : fallback;

    public OfxRectI GetRectI(string name)
    {
        int* v = stackalloc int[4];
        OfxCheck.Ok(S->PropGetIntN(Handle, OfxStrings.Intern(name), 4, v), $"propGetIntN({name}, 4)");
        return new OfxRectI(v[0], v[1], v[2], v[3]);
    }

    public OfxRectD GetRectD(string name)
    {
        double* v = stackalloc double[4];
        OfxCheck.Ok(S->PropGetDoubleN(Handle, OfxStrings.Intern(name), 4, v), $"propGetDoubleN({name}, 4)");
        return new OfxRectD(v[0], v[1], v[2], v[3]);
    }

    public OfxPointD GetPointD(string name)
    {
        double* v = stackalloc double[2];
        OfxCheck.Ok(S->PropGetDoubleN(Handle, OfxStrings.Intern(name), 2, v), $"propGetDoubleN({name}, 2)");
        return new OfxPointD(v[0], v[1]);
    }

    public OfxRangeD GetRangeD(string name)
    {
        double* v = stackalloc double[2];
        OfxCheck.Ok(S->PropGetDoubleN(Handle, OfxStrings.Intern(name), 2, v), $"propGetDoubleN({name}, 2)");
        return new OfxRangeD(v[0], v[1]);
    }

    public void SetRectD(string name, OfxRectD r) => SetDoubles(name, [r.X1, r.Y1, r.X2, r.Y2]);

    public void SetRangeD(string name, OfxRangeD r) => SetDoubles(name, [r.Min, r.Max]);
}
