using System.Runtime.InteropServices;
using System.Text;

namespace HdrOfx.Engine.Tensors.Cuda;

/// <summary>NVRTC: CUDA C to a cubin (or PTX when NVRTC does not know the device's architecture) at run time.</summary>
public sealed unsafe class Nvrtc
{
    private readonly delegate* unmanaged[Cdecl]<int*, int*, int> _version;
    private readonly delegate* unmanaged[Cdecl]<nint*, byte*, byte*, int, byte**, byte**, int> _create;
    private readonly delegate* unmanaged[Cdecl]<nint, int, byte**, int> _compile;
    private readonly delegate* unmanaged[Cdecl]<nint, nuint*, int> _logSize;
    private readonly delegate* unmanaged[Cdecl]<nint, byte*, int> _log;
    private readonly delegate* unmanaged[Cdecl]<nint, nuint*, int> _cubinSize;
    private readonly delegate* unmanaged[Cdecl]<nint, byte*, int> _cubin;
    private readonly delegate* unmanaged[Cdecl]<nint, nuint*, int> _ptxSize;
    private readonly delegate* unmanaged[Cdecl]<nint, byte*, int> _ptx;
    private readonly delegate* unmanaged[Cdecl]<nint*, int> _destroy;
    private readonly delegate* unmanaged[Cdecl]<int, byte*> _errorString;

    /// <summary>NVRTC_ERROR_INVALID_OPTION: what an unknown --gpu-architecture gives.</summary>
    public const int InvalidOption = 5;

    public Nvrtc(nint lib)
    {
        _version = (delegate* unmanaged[Cdecl]<int*, int*, int>)Export(lib, "nvrtcVersion");
        _create = (delegate* unmanaged[Cdecl]<nint*, byte*, byte*, int, byte**, byte**, int>)Export(lib, "nvrtcCreateProgram");
        _compile = (delegate* unmanaged[Cdecl]<nint, int, byte**, int>)Export(lib, "nvrtcCompileProgram");
        _logSize = (delegate* unmanaged[Cdecl]<nint, nuint*, int>)Export(lib, "nvrtcGetProgramLogSize");
        _log = (delegate* unmanaged[Cdecl]<nint, byte*, int>)Export(lib, "nvrtcGetProgramLog");
        _cubinSize = (delegate* unmanaged[Cdecl]<nint, nuint*, int>)Export(lib, "nvrtcGetCUBINSize");
        _cubin = (delegate* unmanaged[Cdecl]<nint, byte*, int>)Export(lib, "nvrtcGetCUBIN");
        _ptxSize = (delegate* unmanaged[Cdecl]<nint, nuint*, int>)Export(lib, "nvrtcGetPTXSize");
        _ptx = (delegate* unmanaged[Cdecl]<nint, byte*, int>)Export(lib, "nvrtcGetPTX");
        _destroy = (delegate* unmanaged[Cdecl]<nint*, int>)Export(lib, "nvrtcDestroyProgram");
        _errorString = (delegate* unmanaged[Cdecl]<int, byte*>)Export(lib, "nvrtcGetErrorString");
    }

    private static nint Export(nint lib, string name) =>
        NativeLibrary.TryGetExport(lib, name, out var p) ? p : throw new EntryPointNotFoundException($"NVRTC has no '{name}'");

    public string ErrorName(int status)
    {
        byte* s = _errorString(status);
        return s == null ? $"nvrtcResult {status}" : Marshal.PtrToStringUTF8((nint)s) ?? $"nvrtcResult {status}";
    }

    public string Version
    {
        get
        {
            int major, minor;
            CudaStatus.Check(_version(&major, &minor), ErrorName);
            return $"{major}.{minor}";
        }
    }

    /// <summary>
    /// Compiles <paramref name="source"/> for <paramref name="arch"/> (e.g. sm_90) to a cubin; when NVRTC rejects the
    /// architecture, to PTX for the matching compute_XX (the driver finishes it). Compile errors throw with NVRTC's log.
    /// </summary>
    public byte[] Compile(string source, string name, string arch, IReadOnlyList<string> options, out bool isPtx)
    {
        try
        {
            isPtx = false;
            return CompileOnce(source, name, "--gpu-architecture=" + arch, options, ptx: false);
        }
        catch (CudaException e) when (e.Status == InvalidOption && arch.StartsWith("sm_", StringComparison.Ordinal))
        {
            isPtx = true;
            return CompileOnce(source, name, "--gpu-architecture=compute_" + arch[3..], options, ptx: true);
        }
    }

    private byte[] CompileOnce(string source, string name, string archOption, IReadOnlyList<string> options, bool ptx)
    {
        var all = new List<string>(options) { archOption };
        var src = Utf8Z(source);
        var nm = Utf8Z(name);
        var opts = all.Select(Utf8Z).ToArray();
        var handles = opts.Select(o => GCHandle.Alloc(o, GCHandleType.Pinned)).ToArray();
        nint prog = 0;
        try
        {
            fixed (byte* ps = src)
            fixed (byte* pn = nm)
            {
                CudaStatus.Check(_create(&prog, ps, pn, 0, null, null), ErrorName);
            }
            var ptrs = stackalloc byte*[opts.Length];
            for (int i = 0; i < opts.Length; i++) ptrs[i] = (byte*)handles[i].AddrOfPinnedObject();
            int st = _compile(prog, opts.Length, ptrs);
            if (st != CudaStatus.Success)
                throw new CudaException($"NVRTC could not compile {name} ({string.Join(' ', all)}): {ErrorName(st)}\n{Log(prog)}", st);
            nuint size;
            CudaStatus.Check(ptx ? _ptxSize(prog, &size) : _cubinSize(prog, &size), ErrorName);
            var image = new byte[(int)size];
            fixed (byte* pi = image) CudaStatus.Check(ptx ? _ptx(prog, pi) : _cubin(prog, pi), ErrorName);
            return image;
        }
        finally
        {
            if (prog != 0) _destroy(&prog);
            foreach (var h in handles) h.Free();
        }
    }

    private string Log(nint prog)
    {
        nuint size;
        if (_logSize(prog, &size) != CudaStatus.Success || size == 0) return "(no log)";
        var buf = new byte[(int)size];
        fixed (byte* p = buf)
            if (_log(prog, p) != CudaStatus.Success) return "(no log)";
        return Encoding.UTF8.GetString(buf).TrimEnd('\0');
    }

    private static byte[] Utf8Z(string s)
    {
        var b = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, b);
        return b;
    }
}
