using System.Runtime.InteropServices;
using HdrOfx.Engine.Imaging;

namespace HdrOfx.Engine.IO.Exr;

/// <summary>
/// DWAA/DWAB decoding for OpenEXRCore builds that lack it. OpenEXRCore 3.1 (Debian bookworm's
/// libopenexr-3-1-30) answers EXR_ERR_FEATURE_NOT_IMPLEMENTED ("DWA/B decompression not yet implemented
/// in C"); the C++ library of the same release decodes DWA and exports the C RGBA interface
/// (ImfCRgbaFile.h: ImfOpenInputFile / ImfInputSetFrameBuffer / ImfInputReadPixels), which catches every
/// C++ exception and reports it through ImfErrorMessage. It delivers half RGBA, which is exact for
/// half channels and for DWA's DCT-coded R,G,B,Y channels (coded in half even when stored as float);
/// a float alpha is rounded to half.
/// </summary>
internal static unsafe class ExrRgbaFallback
{
    private static readonly string[] Candidates =
    [
        "libOpenEXR-3_1.so.30", "libOpenEXR-3_1.so", "libOpenEXR.so",
        "OpenEXR-3_1.dll", "OpenEXR.dll", "libOpenEXR-3_1.dylib", "libOpenEXR.dylib",
    ];

    private static readonly object Gate = new();
    private static bool s_tried;
    private static bool s_ok;

    private static delegate* unmanaged[Cdecl]<byte*, nint> ImfOpenInputFile;
    private static delegate* unmanaged[Cdecl]<nint, int> ImfCloseInputFile;
    private static delegate* unmanaged[Cdecl]<nint, ushort*, nuint, nuint, int> ImfInputSetFrameBuffer;
    private static delegate* unmanaged[Cdecl]<nint, int, int, int> ImfInputReadPixels;
    private static delegate* unmanaged[Cdecl]<byte*> ImfErrorMessage;

    internal static bool Available
    {
        get
        {
            lock (Gate)
            {
                if (s_tried) return s_ok;
                s_tried = true;
                nint lib = 0;
                foreach (var n in Candidates)
                    if (NativeLibrary.TryLoad(n, typeof(ExrRgbaFallback).Assembly, null, out lib)) break;
                if (lib == 0) return false;
                if (!NativeLibrary.TryGetExport(lib, "ImfOpenInputFile", out var a)
                    || !NativeLibrary.TryGetExport(lib, "ImfCloseInputFile", out var b)
                    || !NativeLibrary.TryGetExport(lib, "ImfInputSetFrameBuffer", out var c)
                    || !NativeLibrary.TryGetExport(lib, "ImfInputReadPixels", out var d)
                    || !NativeLibrary.TryGetExport(lib, "ImfErrorMessage", out var e))
                    return false;
                ImfOpenInputFile = (delegate* unmanaged[Cdecl]<byte*, nint>)a;
                ImfCloseInputFile = (delegate* unmanaged[Cdecl]<nint, int>)b;
                ImfInputSetFrameBuffer = (delegate* unmanaged[Cdecl]<nint, ushort*, nuint, nuint, int>)c;
                ImfInputReadPixels = (delegate* unmanaged[Cdecl]<nint, int, int, int>)d;
                ImfErrorMessage = (delegate* unmanaged[Cdecl]<byte*>)e;
                s_ok = true;
                return true;
            }
        }
    }

    /// <summary>Decodes the data window into <paramref name="img"/>; <paramref name="rgbaIndex"/> gives, for
    /// each output plane, the RGBA slot to take (0..3).</summary>
    internal static void Read(string path, ExrInfo info, int[] rgbaIndex, ImageF img)
    {
        int w = info.Width, h = info.Height;
        var dw = info.DataWindow;
        var buf = new ushort[checked((long)w * h * 4)];
        // The C++ library keeps one global error string: serialize.
        lock (Gate)
        {
            byte[] cpath = ExrNative.CString(path);
            nint file;
            fixed (byte* p = cpath) file = ImfOpenInputFile(p);
            if (file == 0) throw Error(path, "ImfOpenInputFile");
            try
            {
                fixed (ushort* b = buf)
                {
                    // base addresses pixel (0,0) of the data window's coordinate system; strides are in pixels.
                    ushort* origin = b - ((long)dw.MinY * w + dw.MinX) * 4;
                    if (ImfInputSetFrameBuffer(file, origin, 1, (nuint)w) == 0) throw Error(path, "ImfInputSetFrameBuffer");
                    if (ImfInputReadPixels(file, dw.MinY, dw.MaxY) == 0) throw Error(path, "ImfInputReadPixels");
                }
            }
            finally
            {
                ImfCloseInputFile(file);
            }
        }
        for (int k = 0; k < rgbaIndex.Length; k++)
        {
            var plane = img.Plane(k);
            int s = rgbaIndex[k];
            for (int i = 0; i < plane.Length; i++)
                plane[i] = (float)BitConverter.UInt16BitsToHalf(buf[i * 4 + s]);
        }
    }

    private static ImageIOException Error(string path, string fn)
    {
        string msg = ExrNative.Utf8(ImfErrorMessage()) ?? "unknown error";
        msg = msg.Replace('\n', ' ').Replace('\r', ' ').Trim();
        return new ImageIOException($"EXR '{path}': {fn} (OpenEXR C++ RGBA interface) failed: {msg}");
    }
}
