using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.Parallelism;
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
        ExrCompression compression = ExrCompression.Zip, IEnumerable<string>? protectedInputs = null) =>
        Write(path, image, pixelType, compression, protectedInputs, staged: true, coreOnly: false);

    /// <summary>Writes straight to <paramref name="file"/>, without a temporary of its own: for callers that stage the file themselves.</summary>
    public static void WriteUnstaged(string file, ImageF image, ExrPixelType pixelType = ExrPixelType.Half, ExrCompression compression = ExrCompression.Zip) =>
        Write(file, image, pixelType, compression, null, staged: false, coreOnly: false);

    /// <summary>As <see cref="WriteUnstaged"/>, every chunk compressed by OpenEXRCore: the reference the managed PIZ encoder is tested against.</summary>
    internal static void WriteWithCoreEncoder(string file, ImageF image, ExrPixelType pixelType, ExrCompression compression) =>
        Write(file, image, pixelType, compression, null, staged: false, coreOnly: true);

    private static void Write(string path, ImageF image, ExrPixelType pixelType, ExrCompression compression, IEnumerable<string>? protectedInputs, bool staged, bool coreOnly)
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
        // OpenEXRCore 3.1 has no DWA encoder: half RGB/RGBA goes through the C++ library instead.
        bool viaCpp = compression is ExrCompression.Dwaa or ExrCompression.Dwab && LibraryVersion.StartsWith("3.1.", StringComparison.Ordinal);
        if (viaCpp && (pixelType != ExrPixelType.Half || image.Channels == 1 || !ExrRgbaFallback.CanWrite))
            throw new ImageIOException($"EXR '{path}': {compression} writing with OpenEXRCore {LibraryVersion} is only possible for Half RGB/RGBA through the OpenEXR C++ library" +
                (ExrRgbaFallback.CanWrite ? "" : " (libOpenEXR-3_1 not found)"));
        try
        {
            Action<string> write = viaCpp
                ? tmp => ExrRgbaFallback.Write(tmp, path, image, compression)
                : tmp => WriteCore(tmp, path, image, names, pixelType, compression, coreOnly);
            if (staged) AtomicFile.Write(path, write, protectedInputs);
            else write(path);
        }
        catch (ImageIOException) { throw; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageIOException($"EXR '{path}': cannot write: {e.Message}", e);
        }
    }

    /// <summary>
    /// The write step of exr_encoding_run, replaced so that the chunk is kept (it is written later, in order) and so that a
    /// chunk that does not shrink is stored raw: OpenEXRCore 3.1's default write step stores the wrong buffer in that case
    /// (seen with ZIPS on noisy half rows: the file then decodes to garbage in OpenEXR and in oiiotool alike).
    /// </summary>
    [System.Runtime.InteropServices.UnmanagedCallersOnly(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    private static int KeepChunk(EncodePipeline* enc)
    {
        byte* data = (byte*)enc->packed_buffer;
        ulong size = enc->packed_bytes;
        if (enc->compressed_buffer != 0 && enc->compressed_bytes > 0 && enc->compressed_bytes < enc->packed_bytes)
        {
            data = (byte*)enc->compressed_buffer;
            size = enc->compressed_bytes;
        }
        t_chunk = new ReadOnlySpan<byte>(data, checked((int)size)).ToArray();
        return EXR_ERR_SUCCESS;
    }

    [ThreadStatic] private static byte[]? t_chunk;

    /// <summary>
    /// The pipeline's wait for its turn to write, replaced: the default one fails unless this chunk is the next in the file,
    /// and chunks compressed in parallel are written in order afterwards.
    /// </summary>
    [System.Runtime.InteropServices.UnmanagedCallersOnly(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    private static int NoWait(EncodePipeline* enc) => EXR_ERR_SUCCESS;

    /// <summary>Compresses chunks [from, to) with one encode pipeline; OpenEXRCore allows one pipeline per thread on a context.</summary>
    private static void CompressChunks(nint ctxt, int part, ChunkInfo[] infos, int from, int to, nint pixels, int width, int height, string[] names, (byte[], int, bool)[] packed, string path)
    {
        float* src = (float*)pixels;
        long plane = (long)width * height;
        var enc = new EncodePipeline();
        bool initialized = false;
        try
        {
            for (int c = from; c < to; c++)
            {
                var ci = infos[c];
                if (!initialized)
                {
                    int r = exr_encoding_initialize(ctxt, part, &ci, &enc);
                    initialized = true;
                    Check(r, "exr_encoding_initialize", path);
                }
                else Check(exr_encoding_update(ctxt, part, &ci, &enc), "exr_encoding_update", path);
                for (int i = 0; i < enc.channel_count; i++)
                {
                    CodingChannelInfo* ch = enc.channels + i;
                    string name = Utf8(ch->channel_name) ?? "";
                    int k = Array.IndexOf(names, name);
                    if (k < 0) throw new ImageIOException($"EXR '{path}': encoder reports unexpected channel '{name}'");
                    ch->user_bytes_per_element = 4;
                    ch->user_data_type = PIXEL_FLOAT;
                    ch->user_pixel_stride = 4;
                    ch->user_line_stride = width * 4;
                    ch->ptr = (byte*)(src + k * plane + (long)ci.start_y * width);
                }
                Check(exr_encoding_choose_default_routines(ctxt, part, &enc), "exr_encoding_choose_default_routines", path);
                enc.write_fn = (nint)(delegate* unmanaged[Cdecl]<EncodePipeline*, int>)&KeepChunk;
                enc.yield_until_ready_fn = (nint)(delegate* unmanaged[Cdecl]<EncodePipeline*, int>)&NoWait;
                t_chunk = null;
                Check(exr_encoding_run(ctxt, part, &enc), "exr_encoding_run", path);
                var chunk = t_chunk ?? throw new ImageIOException($"EXR '{path}': the encoder produced no data for the chunk at line {ci.start_y}");
                packed[c] = (chunk, chunk.Length, false);
                t_chunk = null;
            }
        }
        finally
        {
            if (initialized) exr_encoding_destroy(ctxt, &enc);
            ClearLastError();
        }
    }

    /// <summary>
    /// Batches of chunks through our PIZ encoder, one encoder per thread. A struct job for <see cref="ParallelRange.Jobs{T}"/>:
    /// the batches share <see cref="ParallelRange.MaxThreads"/> with the rest of the engine (the batch path's reconstruction
    /// runs beside the writer) instead of a Parallel.For of their own.
    /// </summary>
    private readonly struct PizBatches(ImageF image, int[] planes, ChunkInfo[] infos, (byte[] Data, int Length, bool Rented)[] packed, int batches) : IRangeOperation
    {
        public void Invoke(int start, int end)
        {
            var enc = Piz.PizChunkEncoder.ForThread();
            int chunks = infos.Length;
            for (int b = start; b < end; b++)
                for (int c = (int)((long)b * chunks / batches); c < (int)((long)(b + 1) * chunks / batches); c++)
                {
                    var (data, length) = enc.Encode(image, planes, infos[c].start_y, infos[c].height);
                    packed[c] = (data, length, true);
                }
        }
    }

    /// <summary>Batches of chunks through OpenEXRCore's encoders (<see cref="CompressChunks"/>), one pipeline a batch.</summary>
    private readonly struct CoreBatches(nint context, int part, ChunkInfo[] infos, nint pixels, int width, int height, string[] names,
        (byte[], int, bool)[] packed, string path, int batches) : IRangeOperation
    {
        public void Invoke(int start, int end)
        {
            int chunks = infos.Length;
            for (int b = start; b < end; b++)
                CompressChunks(context, part, infos, (int)((long)b * chunks / batches), (int)((long)(b + 1) * chunks / batches), pixels, width, height, names, packed, path);
        }
    }

    /// <summary>The image plane of each channel in the order the file stores them (OpenEXR sorts channels by name).</summary>
    private static int[] FilePlaneOrder(nint ctxt, int part, string[] names, string path)
    {
        Chlist* chl;
        Check(exr_get_channels(ctxt, part, &chl), "exr_get_channels", path);
        if (chl is null || chl->num_channels != names.Length || chl->entries is null)
            throw new ImageIOException($"EXR '{path}': the header lists {(chl is null ? 0 : chl->num_channels)} channels, {names.Length} were added");
        var planes = new int[names.Length];
        for (int i = 0; i < planes.Length; i++)
        {
            var e = chl->entries[i];
            string name = e.name.str is null ? "" : System.Text.Encoding.UTF8.GetString(e.name.str, Math.Clamp(e.name.length, 0, 1024));
            planes[i] = Array.IndexOf(names, name);
            if (planes[i] < 0) throw new ImageIOException($"EXR '{path}': the header lists unexpected channel '{name}'");
        }
        return planes;
    }

    private static void WriteCore(string tmp, string path, ImageF image, string[] names, ExrPixelType pixelType, ExrCompression compression, bool coreOnly)
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
        bool ok = false;
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
            int h = image.Height, chunks = (h + lines - 1) / lines;
            var infos = new ChunkInfo[chunks];
            for (int c = 0; c < chunks; c++)
                fixed (ChunkInfo* ci = &infos[c])
                    Check(exr_write_scanline_chunk_info(ctxt, part, c * lines, ci), "exr_write_scanline_chunk_info", path);
            // Chunks are compressed in parallel (each batch with its own pipeline or encoder), then written in order.
            var packed = new (byte[] Data, int Length, bool Rented)[chunks];
            int batches = Math.Clamp(chunks / 8, 1, ParallelRange.MaxThreads);
            try
            {
                // Half PIZ, the batch path's default, is compressed by our own encoder: OpenEXRCore 3.1's took twice the CPU.
                if (compression == ExrCompression.Piz && pixelType == ExrPixelType.Half && !coreOnly)
                    ParallelRange.Jobs(batches, new PizBatches(image, FilePlaneOrder(ctxt, part, names, path), infos, packed, batches));
                else
                    fixed (float* src = image.Data)
                        ParallelRange.Jobs(batches, new CoreBatches(ctxt, part, infos, (nint)src, image.Width, h, names, packed, path, batches));
                for (int c = 0; c < chunks; c++)
                    fixed (byte* data = packed[c].Data)
                        Check(exr_write_scanline_chunk(ctxt, part, infos[c].start_y, data, (ulong)packed[c].Length), "exr_write_scanline_chunk", path);
            }
            finally
            {
                foreach (var (data, _, rented) in packed)
                    if (rented && data is not null) System.Buffers.ArrayPool<byte>.Shared.Return(data);
            }
            ok = true;
        }
        finally
        {
            int fin = exr_finish(&ctxt);
            // A failed finish (e.g. the offset table could not be written) must not pass silently, unless
            // we are already unwinding with a more precise error.
            if (fin != EXR_ERR_SUCCESS && ok)
                ThrowFailure(fin, "exr_finish", path);
            ClearLastError();
        }
    }
}
