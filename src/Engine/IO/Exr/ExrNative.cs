using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace HdrOfx.Engine.IO.Exr;

/// <summary>
/// OpenEXRCore (the C API of OpenEXR 3.x) bound at run time: the library is found with
/// <see cref="NativeLibrary.TryLoad(string, out nint)"/> over the usual sonames and each export is
/// fetched with <see cref="NativeLibrary.GetExport"/> into an unmanaged function pointer. No DllImport
/// resolver is installed (only one is allowed per assembly and other layers may need it).
/// </summary>
internal static unsafe partial class ExrNative
{
    private static readonly string[] Candidates =
    [
        "libOpenEXRCore-3_1.so.30", "libOpenEXRCore-3_1.so", "libOpenEXRCore.so",
        "libOpenEXRCore-3_2.so.31", "libOpenEXRCore-3_3.so.32", "libOpenEXRCore-3_4.so.33",
        "OpenEXRCore-3_1.dll", "OpenEXRCore-3_2.dll", "OpenEXRCore-3_3.dll", "OpenEXRCore.dll",
        "libOpenEXRCore-3_1.dylib", "libOpenEXRCore.dylib",
    ];

    private static readonly object Gate = new();
    private static volatile bool s_loaded;
    private static string? s_loadError;
    private static string s_version = "";

    // Error text the library handed to our handler during the current call on this thread.
    [ThreadStatic] private static string? t_lastError;

#pragma warning disable CS0649 // assigned through GetExport
    internal static delegate* unmanaged[Cdecl]<int, byte*> exr_get_default_error_message;
    internal static delegate* unmanaged[Cdecl]<int, byte*> exr_get_error_code_as_string;
    internal static delegate* unmanaged[Cdecl]<int*, int*, int*, byte**, void> exr_get_library_version;
    internal static delegate* unmanaged[Cdecl]<nint*, byte*, ContextInitializer*, int> exr_start_read;
    internal static delegate* unmanaged[Cdecl]<nint*, byte*, int, ContextInitializer*, int> exr_start_write;
    internal static delegate* unmanaged[Cdecl]<nint*, int> exr_finish;
    internal static delegate* unmanaged[Cdecl]<nint, int*, int> exr_get_count;
    internal static delegate* unmanaged[Cdecl]<nint, int, int*, int> exr_get_storage;
    internal static delegate* unmanaged[Cdecl]<nint, int, Box2i*, int> exr_get_data_window;
    internal static delegate* unmanaged[Cdecl]<nint, int, Box2i*, int> exr_get_display_window;
    internal static delegate* unmanaged[Cdecl]<nint, int, Chlist**, int> exr_get_channels;
    internal static delegate* unmanaged[Cdecl]<nint, int, int*, int> exr_get_compression;
    internal static delegate* unmanaged[Cdecl]<nint, int, uint*, uint*, int*, int*, int> exr_get_tile_descriptor;
    internal static delegate* unmanaged[Cdecl]<nint, int, int*, int> exr_get_scanlines_per_chunk;
    internal static delegate* unmanaged[Cdecl]<nint, int, int*, int> exr_get_chunk_count;
    internal static delegate* unmanaged[Cdecl]<nint, int, int, ChunkInfo*, int> exr_read_scanline_chunk_info;
    internal static delegate* unmanaged[Cdecl]<nint, int, int, int, int, int, ChunkInfo*, int> exr_read_tile_chunk_info;
    internal static delegate* unmanaged[Cdecl]<nint, int, ChunkInfo*, DecodePipeline*, int> exr_decoding_initialize;
    internal static delegate* unmanaged[Cdecl]<nint, int, ChunkInfo*, DecodePipeline*, int> exr_decoding_update;
    internal static delegate* unmanaged[Cdecl]<nint, int, DecodePipeline*, int> exr_decoding_choose_default_routines;
    internal static delegate* unmanaged[Cdecl]<nint, int, DecodePipeline*, int> exr_decoding_run;
    internal static delegate* unmanaged[Cdecl]<nint, DecodePipeline*, int> exr_decoding_destroy;
    internal static delegate* unmanaged[Cdecl]<nint, byte*, int, int*, int> exr_add_part;
    internal static delegate* unmanaged[Cdecl]<nint, int, int, int, int, int> exr_initialize_required_attr_simple;
    internal static delegate* unmanaged[Cdecl]<nint, int, byte*, int, int, int, int, int> exr_add_channel;
    internal static delegate* unmanaged[Cdecl]<nint, int, byte*, Chromaticities*, int> exr_attr_set_chromaticities;
    internal static delegate* unmanaged[Cdecl]<nint, int, byte*, Chromaticities*, int> exr_attr_get_chromaticities;
    internal static delegate* unmanaged[Cdecl]<nint, int> exr_write_header;
    internal static delegate* unmanaged[Cdecl]<nint, int, int, ChunkInfo*, int> exr_write_scanline_chunk_info;
    internal static delegate* unmanaged[Cdecl]<nint, int, int, void*, ulong, int> exr_write_scanline_chunk;
    internal static delegate* unmanaged[Cdecl]<nint, int, ChunkInfo*, EncodePipeline*, int> exr_encoding_initialize;
    internal static delegate* unmanaged[Cdecl]<nint, int, ChunkInfo*, EncodePipeline*, int> exr_encoding_update;
    internal static delegate* unmanaged[Cdecl]<nint, int, EncodePipeline*, int> exr_encoding_choose_default_routines;
    internal static delegate* unmanaged[Cdecl]<nint, int, EncodePipeline*, int> exr_encoding_run;
    internal static delegate* unmanaged[Cdecl]<nint, EncodePipeline*, int> exr_encoding_destroy;
#pragma warning restore CS0649

    /// <summary>"3.1.5" etc. once loaded.</summary>
    internal static string LibraryVersion { get { EnsureLoaded(); return s_version; } }

    /// <summary>True when OpenEXRCore can be loaded on this machine.</summary>
    internal static bool TryEnsureLoaded(out string? error)
    {
        try { EnsureLoaded(); error = null; return true; }
        catch (ImageIOException e) { error = e.Message; return false; }
    }

    internal static void EnsureLoaded()
    {
        if (s_loaded) return;
        lock (Gate)
        {
            if (s_loaded) return;
            if (s_loadError is not null) throw new ImageIOException(s_loadError);
            nint lib = 0;
            foreach (var name in Candidates)
                if (NativeLibrary.TryLoad(name, typeof(ExrNative).Assembly, null, out lib)) break;
            if (lib == 0)
            {
                s_loadError = $"OpenEXRCore could not be loaded (tried {string.Join(", ", Candidates)}); install OpenEXR 3.x (Debian: libopenexr-3-1-30)";
                throw new ImageIOException(s_loadError);
            }
            try
            {
                Bind(lib);
            }
            catch (EntryPointNotFoundException e)
            {
                s_loadError = $"OpenEXRCore is missing an export: {e.Message}";
                throw new ImageIOException(s_loadError, e);
            }
            int maj, min, pat; byte* extra;
            exr_get_library_version(&maj, &min, &pat, &extra);
            s_version = $"{maj}.{min}.{pat}";
            s_loaded = true;
        }
    }

    private static void Bind(nint lib)
    {
        nint E(string name) => NativeLibrary.GetExport(lib, name);
        exr_get_default_error_message = (delegate* unmanaged[Cdecl]<int, byte*>)E("exr_get_default_error_message");
        exr_get_error_code_as_string = (delegate* unmanaged[Cdecl]<int, byte*>)E("exr_get_error_code_as_string");
        exr_get_library_version = (delegate* unmanaged[Cdecl]<int*, int*, int*, byte**, void>)E("exr_get_library_version");
        exr_start_read = (delegate* unmanaged[Cdecl]<nint*, byte*, ContextInitializer*, int>)E("exr_start_read");
        exr_start_write = (delegate* unmanaged[Cdecl]<nint*, byte*, int, ContextInitializer*, int>)E("exr_start_write");
        exr_finish = (delegate* unmanaged[Cdecl]<nint*, int>)E("exr_finish");
        exr_get_count = (delegate* unmanaged[Cdecl]<nint, int*, int>)E("exr_get_count");
        exr_get_storage = (delegate* unmanaged[Cdecl]<nint, int, int*, int>)E("exr_get_storage");
        exr_get_data_window = (delegate* unmanaged[Cdecl]<nint, int, Box2i*, int>)E("exr_get_data_window");
        exr_get_display_window = (delegate* unmanaged[Cdecl]<nint, int, Box2i*, int>)E("exr_get_display_window");
        exr_get_channels = (delegate* unmanaged[Cdecl]<nint, int, Chlist**, int>)E("exr_get_channels");
        exr_get_compression = (delegate* unmanaged[Cdecl]<nint, int, int*, int>)E("exr_get_compression");
        exr_get_tile_descriptor = (delegate* unmanaged[Cdecl]<nint, int, uint*, uint*, int*, int*, int>)E("exr_get_tile_descriptor");
        exr_get_scanlines_per_chunk = (delegate* unmanaged[Cdecl]<nint, int, int*, int>)E("exr_get_scanlines_per_chunk");
        exr_get_chunk_count = (delegate* unmanaged[Cdecl]<nint, int, int*, int>)E("exr_get_chunk_count");
        exr_read_scanline_chunk_info = (delegate* unmanaged[Cdecl]<nint, int, int, ChunkInfo*, int>)E("exr_read_scanline_chunk_info");
        exr_read_tile_chunk_info = (delegate* unmanaged[Cdecl]<nint, int, int, int, int, int, ChunkInfo*, int>)E("exr_read_tile_chunk_info");
        exr_decoding_initialize = (delegate* unmanaged[Cdecl]<nint, int, ChunkInfo*, DecodePipeline*, int>)E("exr_decoding_initialize");
        exr_decoding_update = (delegate* unmanaged[Cdecl]<nint, int, ChunkInfo*, DecodePipeline*, int>)E("exr_decoding_update");
        exr_decoding_choose_default_routines = (delegate* unmanaged[Cdecl]<nint, int, DecodePipeline*, int>)E("exr_decoding_choose_default_routines");
        exr_decoding_run = (delegate* unmanaged[Cdecl]<nint, int, DecodePipeline*, int>)E("exr_decoding_run");
        exr_decoding_destroy = (delegate* unmanaged[Cdecl]<nint, DecodePipeline*, int>)E("exr_decoding_destroy");
        exr_add_part = (delegate* unmanaged[Cdecl]<nint, byte*, int, int*, int>)E("exr_add_part");
        exr_initialize_required_attr_simple = (delegate* unmanaged[Cdecl]<nint, int, int, int, int, int>)E("exr_initialize_required_attr_simple");
        exr_add_channel = (delegate* unmanaged[Cdecl]<nint, int, byte*, int, int, int, int, int>)E("exr_add_channel");
        exr_attr_set_chromaticities = (delegate* unmanaged[Cdecl]<nint, int, byte*, Chromaticities*, int>)E("exr_attr_set_chromaticities");
        exr_attr_get_chromaticities = (delegate* unmanaged[Cdecl]<nint, int, byte*, Chromaticities*, int>)E("exr_attr_get_chromaticities");
        exr_write_header = (delegate* unmanaged[Cdecl]<nint, int>)E("exr_write_header");
        exr_write_scanline_chunk_info = (delegate* unmanaged[Cdecl]<nint, int, int, ChunkInfo*, int>)E("exr_write_scanline_chunk_info");
        exr_write_scanline_chunk = (delegate* unmanaged[Cdecl]<nint, int, int, void*, ulong, int>)E("exr_write_scanline_chunk");
        exr_encoding_initialize = (delegate* unmanaged[Cdecl]<nint, int, ChunkInfo*, EncodePipeline*, int>)E("exr_encoding_initialize");
        exr_encoding_update = (delegate* unmanaged[Cdecl]<nint, int, ChunkInfo*, EncodePipeline*, int>)E("exr_encoding_update");
        exr_encoding_choose_default_routines = (delegate* unmanaged[Cdecl]<nint, int, EncodePipeline*, int>)E("exr_encoding_choose_default_routines");
        exr_encoding_run = (delegate* unmanaged[Cdecl]<nint, int, EncodePipeline*, int>)E("exr_encoding_run");
        exr_encoding_destroy = (delegate* unmanaged[Cdecl]<nint, EncodePipeline*, int>)E("exr_encoding_destroy");
    }

    /// <summary>
    /// A context initializer with our error handler (so the library never prints to stderr) and the
    /// given image-size limits (the library rejects larger headers before allocating).
    /// </summary>
    internal static ContextInitializer MakeInitializer(int maxImageSide, int maxTileSide)
    {
        return new ContextInitializer
        {
            size = (nuint)sizeof(ContextInitializer),
            error_handler_fn = (nint)(delegate* unmanaged[Cdecl]<nint, int, byte*, void>)&OnError,
            max_image_width = maxImageSide,
            max_image_height = maxImageSide,
            max_tile_width = maxTileSide,
            max_tile_height = maxTileSide,
            zip_level = -2,
            dwa_quality = -1f,
            flags = 0,
        };
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnError(nint ctxt, int code, byte* msg)
    {
        // Never let anything escape into C. Keep the first message of a call: it is the root cause.
        try
        {
            string text = msg is null ? "" : Marshal.PtrToStringUTF8((nint)msg) ?? "";
            t_lastError ??= text.Length > 300 ? text[..300] : text;
        }
        catch
        {
            // ignore
        }
    }

    internal static void ClearLastError() => t_lastError = null;

    /// <summary>Throws <see cref="ImageIOException"/> when <paramref name="rc"/> is not success.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Check(int rc, string function, string path)
    {
        if (rc != EXR_ERR_SUCCESS) ThrowFailure(rc, function, path);
        t_lastError = null;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static void ThrowFailure(int rc, string function, string path) => throw Failure(rc, function, path);

    internal static ImageIOException Failure(int rc, string function, string path)
    {
        string code = Utf8(exr_get_error_code_as_string(rc)) ?? $"error {rc}";
        string detail = t_lastError ?? Utf8(exr_get_default_error_message(rc)) ?? "";
        t_lastError = null;
        detail = detail.Replace('\n', ' ').Replace('\r', ' ').Trim();
        return new ImageIOException($"EXR '{path}': {function} failed with {code}: {detail}");
    }

    internal static string? Utf8(byte* s) => s is null ? null : Marshal.PtrToStringUTF8((nint)s);

    /// <summary>NUL-terminated UTF-8 copy of <paramref name="s"/> (caller pins).</summary>
    internal static byte[] CString(string s)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, bytes);
        return bytes;
    }
}
