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
    private static delegate* unmanaged[Cdecl]<nint> ImfNewHeader;
    private static delegate* unmanaged[Cdecl]<nint, void> ImfDeleteHeader;
    private static delegate* unmanaged[Cdecl]<nint, int, int, int, int, void> ImfHeaderSetDisplayWindow;
    private static delegate* unmanaged[Cdecl]<nint, int, int, int, int, void> ImfHeaderSetDataWindow;
    private static delegate* unmanaged[Cdecl]<nint, int, void> ImfHeaderSetCompression;
    private static delegate* unmanaged[Cdecl]<byte*, nint, int, nint> ImfOpenOutputFile;
    private static delegate* unmanaged[Cdecl]<nint, int> ImfCloseOutputFile;
    private static delegate* unmanaged[Cdecl]<nint, ushort*, nuint, nuint, int> ImfOutputSetFrameBuffer;
    private static delegate* unmanaged[Cdecl]<nint, int, int> ImfOutputWritePixels;
    private static bool s_canWrite;

    /// <summary>True when the C++ library's RGBA writer is bound too.</summary>
    internal static bool CanWrite => Available && s_canWrite;

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
                if (NativeLibrary.TryGetExport(lib, "ImfNewHeader", out var f) && NativeLibrary.TryGetExport(lib, "ImfDeleteHeader", out var g)
                    && NativeLibrary.TryGetExport(lib, "ImfHeaderSetDisplayWindow", out var h2) && NativeLibrary.TryGetExport(lib, "ImfHeaderSetDataWindow", out var i)
                    && NativeLibrary.TryGetExport(lib, "ImfHeaderSetCompression", out var j) && NativeLibrary.TryGetExport(lib, "ImfOpenOutputFile", out var k)
                    && NativeLibrary.TryGetExport(lib, "ImfCloseOutputFile", out var l) && NativeLibrary.TryGetExport(lib, "ImfOutputSetFrameBuffer", out var m)
                    && NativeLibrary.TryGetExport(lib, "ImfOutputWritePixels", out var n2))
                {
                    ImfNewHeader = (delegate* unmanaged[Cdecl]<nint>)f;
                    ImfDeleteHeader = (delegate* unmanaged[Cdecl]<nint, void>)g;
                    ImfHeaderSetDisplayWindow = (delegate* unmanaged[Cdecl]<nint, int, int, int, int, void>)h2;
                    ImfHeaderSetDataWindow = (delegate* unmanaged[Cdecl]<nint, int, int, int, int, void>)i;
                    ImfHeaderSetCompression = (delegate* unmanaged[Cdecl]<nint, int, void>)j;
                    ImfOpenOutputFile = (delegate* unmanaged[Cdecl]<byte*, nint, int, nint>)k;
                    ImfCloseOutputFile = (delegate* unmanaged[Cdecl]<nint, int>)l;
                    ImfOutputSetFrameBuffer = (delegate* unmanaged[Cdecl]<nint, ushort*, nuint, nuint, int>)m;
                    ImfOutputWritePixels = (delegate* unmanaged[Cdecl]<nint, int, int>)n2;
                    s_canWrite = true;
                }
                return true;
            }
        }
    }

    /// <summary>Decodes the data window into <paramref name="img"/>; <paramref name="rgbaIndex"/> gives, for
    /// each output plane, the RGBA slot to take (0..3).</summary>
    internal static void Read(string path, ExrInfo info, int[] rgbaIndex, ImageF img)
    {
        if (!Available) throw new ImageIOException($"EXR '{path}': the OpenEXR C++ library (libOpenEXR-3_1) is not available to decode {info.Compression}");
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

    /// <summary>Writes a 3- or 4-plane image as half RGB(A) with the C++ library (used for DWA under
    /// OpenEXRCore 3.1, which has no DWA encoder). <paramref name="file"/> is the temp file.</summary>
    internal static void Write(string file, string path, ImageF image, ExrCompression compression, int imfChannels = 0)
    {
        if (image.Channels is not (3 or 4)) throw new ArgumentException("RGBA writer takes 3 or 4 planes", nameof(image));
        if (!CanWrite) throw new ImageIOException($"EXR '{path}': the OpenEXR C++ library (libOpenEXR-3_1) is not available to write {compression}");
        int w = image.Width, h = image.Height;
        var buf = new ushort[(long)w * h * 4];
        ushort one = BitConverter.HalfToUInt16Bits((Half)1f);
        for (int c = 0; c < 4; c++)
        {
            if (c == 3 && image.Channels == 3) { for (long q = 0; q < (long)w * h; q++) buf[q * 4 + 3] = one; continue; }
            var plane = image.Plane(c);
            for (int q = 0; q < plane.Length; q++) buf[(long)q * 4 + c] = BitConverter.HalfToUInt16Bits((Half)plane[q]);
        }
        int channels = imfChannels != 0 ? imfChannels : image.Channels == 4 ? 0x0f : 0x07; // IMF_WRITE_RGBA / IMF_WRITE_RGB
        lock (Gate)
        {
            nint hdr = ImfNewHeader();
            if (hdr == 0) throw Error(path, "ImfNewHeader");
            nint outFile;
            try
            {
                ImfHeaderSetDisplayWindow(hdr, 0, 0, w - 1, h - 1);
                ImfHeaderSetDataWindow(hdr, 0, 0, w - 1, h - 1);
                ImfHeaderSetCompression(hdr, (int)compression);
                byte[] cpath = ExrNative.CString(file);
                fixed (byte* p = cpath) outFile = ImfOpenOutputFile(p, hdr, channels);
            }
            finally
            {
                ImfDeleteHeader(hdr);
            }
            if (outFile == 0) throw Error(path, "ImfOpenOutputFile");
            bool ok = false;
            try
            {
                fixed (ushort* b = buf)
                {
                    if (ImfOutputSetFrameBuffer(outFile, b, 1, (nuint)w) == 0) throw Error(path, "ImfOutputSetFrameBuffer");
                    if (ImfOutputWritePixels(outFile, h) == 0) throw Error(path, "ImfOutputWritePixels");
                }
                ok = true;
            }
            finally
            {
                // Closing flushes the offset table; its failure matters only when all else went well.
                if (ImfCloseOutputFile(outFile) == 0 && ok) throw Error(path, "ImfCloseOutputFile");
            }
        }
    }

    private static ImageIOException Error(string path, string fn)
    {
        string msg = ExrNative.Utf8(ImfErrorMessage()) ?? "unknown error";
        msg = msg.Replace('\n', ' ').Replace('\r', ' ').Trim();
        return new ImageIOException($"EXR '{path}': {fn} (OpenEXR C++ RGBA interface) failed: {msg}");
    }
}
