using HdrOfx.Engine.Imaging;
using static HdrOfx.Engine.IO.Exr.ExrNative;

namespace HdrOfx.Engine.IO.Exr;

/// <summary>
/// Writes a planar float <see cref="ImageF"/> as a single-part scanline OpenEXR file through OpenEXRCore's
/// encode pipeline. 1 plane → channel Y; 3 → R,G,B; 4 → R,G,B,A (stored alphabetically: A,B,G,R, as the
/// format requires). Data and display window are (0,0)-(W-1,H-1); Rec.709/sRGB chromaticities are set.
/// The file appears atomically (temp file + rename via <see cref="AtomicFile"/>).
/// </summary>
public static unsafe class ExrWriter
{
    private static readonly Chromaticities Rec709 = new()
    {
        red_x = 0.64f, red_y = 0.33f, green_x = 0.30f, green_y = 0.60f,
        blue_x = 0.15f, blue_y = 0.06f, white_x = 0.3127f, white_y = 0.3290f,
    };

    public static void Write(string path, ImageF image, ExrPixelType pixelType = ExrPixelType.Half,
        ExrCompression compression = ExrCompression.Zip, IEnumerable<string>? protectedInputs = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(image);
        if (pixelType is not (ExrPixelType.Half or ExrPixelType.Float))
            throw new ArgumentOutOfRangeException(nameof(pixelType), pixelType, "EXR writer stores Half or Float");
        if (compression is < ExrCompression.None or > ExrCompression.Dwab)
            throw new ArgumentOutOfRangeException(nameof(compression), compression, "unknown EXR compression");
        string[] names = image.Channels switch
        {
            1 => ["Y"],
            3 => ["R", "G", "B"],
            4 => ["R", "G", "B", "A"],
            _ => throw new ArgumentException($"EXR writer takes 1, 3 or 4 channels, not {image.Channels}", nameof(image)),
        };
        EnsureLoaded();
        try
        {
            AtomicFile.Write(path, tmp => WriteCore(tmp, path, image, names, pixelType, compression), protectedInputs);
        }
        catch (ImageIOException) { throw; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageIOException($"EXR '{path}': cannot write: {e.Message}", e);
        }
    }

    /// <summary>
    /// exr_encoding_run with our own write step, so that a chunk that does not shrink is stored raw.
    /// OpenEXRCore 3.1's default write step stores the wrong buffer in that case (seen with ZIPS on
    /// noisy half rows: the file then decodes to garbage in OpenEXR and in oiiotool alike).
    /// </summary>
    private static void EncodeAndWriteChunk(nint ctxt, int part, int y, EncodePipeline* enc, string path)
    {
        enc->write_fn = (nint)(delegate* unmanaged[Cdecl]<EncodePipeline*, int>)&WriteChunk;
        Check(exr_encoding_run(ctxt, part, enc), "exr_encoding_run", path);
    }

    [System.Runtime.InteropServices.UnmanagedCallersOnly(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    private static int WriteChunk(EncodePipeline* enc)
    {
        void* data = (void*)enc->packed_buffer;
        ulong size = enc->packed_bytes;
        if (enc->compressed_buffer != 0 && enc->compressed_bytes > 0 && enc->compressed_bytes < enc->packed_bytes)
        {
            data = (void*)enc->compressed_buffer;
            size = enc->compressed_bytes;
        }
        return exr_write_scanline_chunk(enc->context, enc->part_index, enc->chunk.start_y, data, size);
    }

    private static void WriteCore(string tmp, string path, ImageF image, string[] names, ExrPixelType pixelType, ExrCompression compression)
    {
        var init = MakeInitializer(0, 0);
        nint ctxt = 0;
        byte[] cpath = CString(tmp);
        ClearLastError();
        int rc;
        fixed (byte* p = cpath) rc = exr_start_write(&ctxt, p, WRITE_FILE_DIRECTLY, &init);
        if (rc != EXR_ERR_SUCCESS)
        {
            var err = Failure(rc, "exr_start_write", path);
            if (ctxt != 0) exr_finish(&ctxt);
            throw err;
        }
        var enc = new EncodePipeline();
        bool initialized = false, ok = false;
        try
        {
            int part;
            Check(exr_add_part(ctxt, null, STORAGE_SCANLINE, &part), "exr_add_part", path);
            Check(exr_initialize_required_attr_simple(ctxt, part, image.Width, image.Height, (int)compression),
                "exr_initialize_required_attr_simple", path);
            foreach (var n in names)
            {
                byte[] cn = CString(n);
                fixed (byte* pn = cn)
                    Check(exr_add_channel(ctxt, part, pn, (int)pixelType, 1 /* perceptually linear */, 1, 1), "exr_add_channel", path);
            }
            byte[] chromaName = CString("chromaticities");
            var chroma = Rec709;
            fixed (byte* pc = chromaName)
                Check(exr_attr_set_chromaticities(ctxt, part, pc, &chroma), "exr_attr_set_chromaticities", path);
            Check(exr_write_header(ctxt), "exr_write_header", path);

            int lines;
            Check(exr_get_scanlines_per_chunk(ctxt, part, &lines), "exr_get_scanlines_per_chunk", path);
            int w = image.Width, h = image.Height;
            long plane = (long)w * h;
            fixed (float* src = image.Data)
            {
                for (int y = 0; y < h; y += lines)
                {
                    ChunkInfo ci;
                    Check(exr_write_scanline_chunk_info(ctxt, part, y, &ci), "exr_write_scanline_chunk_info", path);
                    if (!initialized)
                    {
                        int r = exr_encoding_initialize(ctxt, part, &ci, &enc);
                        initialized = true;
                        Check(r, "exr_encoding_initialize", path);
                    }
                    else
                    {
                        Check(exr_encoding_update(ctxt, part, &ci, &enc), "exr_encoding_update", path);
                    }
                    for (int i = 0; i < enc.channel_count; i++)
                    {
                        CodingChannelInfo* ch = enc.channels + i;
                        string name = Utf8(ch->channel_name) ?? "";
                        int k = Array.IndexOf(names, name);
                        if (k < 0) throw new ImageIOException($"EXR '{path}': encoder reports unexpected channel '{name}'");
                        ch->user_bytes_per_element = 4;
                        ch->user_data_type = PIXEL_FLOAT;
                        ch->user_pixel_stride = 4;
                        ch->user_line_stride = w * 4;
                        ch->ptr = (byte*)(src + k * plane + (long)ci.start_y * w);
                    }
                    Check(exr_encoding_choose_default_routines(ctxt, part, &enc), "exr_encoding_choose_default_routines", path);
                    EncodeAndWriteChunk(ctxt, part, ci.start_y, &enc, path);
                }
            }
            ok = true;
        }
        finally
        {
            if (initialized) exr_encoding_destroy(ctxt, &enc);
            int fin = exr_finish(&ctxt);
            // A failed finish (e.g. the offset table could not be written) must not pass silently, unless
            // we are already unwinding with a more precise error.
            if (fin != EXR_ERR_SUCCESS && ok)
                ThrowFailure(fin, "exr_finish", path);
            ClearLastError();
        }
    }
}
