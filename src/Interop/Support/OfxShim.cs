using System.Runtime.InteropServices;

namespace HdrOfx.Interop.Support;

/// <summary>
/// P/Invoke to native-shim (libhdrofxshim): fixed-signature adapters for the OpenFX variadic
/// functions. A NativeAOT plug-in links the static library and resolves these at link time
/// (<c>&lt;DirectPInvoke Include="hdrofxshim" /&gt;</c> plus <c>&lt;NativeLibrary Include=".../libhdrofxshim.a" /&gt;</c>).
/// </summary>
public static unsafe partial class OfxShim
{
    public const string Library = "hdrofxshim";

    [LibraryImport(Library, EntryPoint = "hdrofx_param_get_value")]
    public static partial int ParamGetValue(nint fn, nint param, int n, void** outs);

    [LibraryImport(Library, EntryPoint = "hdrofx_param_get_value_at_time")]
    public static partial int ParamGetValueAtTime(nint fn, nint param, double time, int n, void** outs);

    [LibraryImport(Library, EntryPoint = "hdrofx_param_get_derivative")]
    public static partial int ParamGetDerivative(nint fn, nint param, double time, int n, void** outs);

    [LibraryImport(Library, EntryPoint = "hdrofx_param_get_integral")]
    public static partial int ParamGetIntegral(nint fn, nint param, double time1, double time2, int n, void** outs);

    [LibraryImport(Library, EntryPoint = "hdrofx_param_set_value_int")]
    public static partial int ParamSetValueInt(nint fn, nint param, int n, int* values);

    [LibraryImport(Library, EntryPoint = "hdrofx_param_set_value_double")]
    public static partial int ParamSetValueDouble(nint fn, nint param, int n, double* values);

    [LibraryImport(Library, EntryPoint = "hdrofx_param_set_value_string")]
    public static partial int ParamSetValueString(nint fn, nint param, byte* value);

    [LibraryImport(Library, EntryPoint = "hdrofx_param_set_value_at_time_int")]
    public static partial int ParamSetValueAtTimeInt(nint fn, nint param, double time, int n, int* values);

    [LibraryImport(Library, EntryPoint = "hdrofx_param_set_value_at_time_double")]
    public static partial int ParamSetValueAtTimeDouble(nint fn, nint param, double time, int n, double* values);

    [LibraryImport(Library, EntryPoint = "hdrofx_param_set_value_at_time_string")]
    public static partial int ParamSetValueAtTimeString(nint fn, nint param, double time, byte* value);

    [LibraryImport(Library, EntryPoint = "hdrofx_message")]
    public static partial int Message(nint fn, nint handle, byte* type, byte* id, byte* text);

    [LibraryImport(Library, EntryPoint = "hdrofx_set_persistent_message")]
    public static partial int SetPersistentMessage(nint fn, nint handle, byte* type, byte* id, byte* text);

    [LibraryImport(Library, EntryPoint = "hdrofx_shim_version")]
    public static partial int Version();
}
