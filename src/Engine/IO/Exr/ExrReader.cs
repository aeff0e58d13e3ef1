using HdrOfx.Engine.Imaging;
using static HdrOfx.Engine.IO.Exr.ExrNative;

namespace HdrOfx.Engine.IO.Exr;

/// <summary>
/// Reads the first part of an OpenEXR file into a planar float <see cref="ImageF"/> through OpenEXRCore's
/// chunk decode pipeline, which writes straight into the image planes.
/// <list type="bullet">
/// <item>Channels: R,G,B → 3 planes; R,G,B,A → 4 planes (in that order). Without R,G,B a luminance
/// channel Y gives 1 plane (chroma RY/BY and alpha are ignored). A file with exactly one channel of
/// any other name also gives 1 plane. Anything else is an <see cref="ImageIOException"/>.</item>
/// <item>Half, float and uint samples (uint converted to float); scanline and tiled parts (tiled: level 0
/// of mip/rip maps); every compression the library decodes.</item>
/// <item>The image holds the data window's pixels; <see cref="ReadInfo"/> gives both windows.</item>
/// <item>Every failure (missing, not EXR, truncated, corrupt, unsupported, too large) is an
/// <see cref="ImageIOException"/> naming the path.</item>
/// </list>
/// </summary>
public static unsafe class ExrReader
{
    /// <summary>Largest data window accepted, in pixels (2^28), checked before anything is allocated.</summary>
    public const long MaxPixels = 1L << 28;

    /// <summary>Largest side length the library is allowed to accept in a header.</summary>
    internal const int MaxSide = 1 << 20;

    internal const int MaxTileSide = 1 << 16;

    private const uint Magic = 20000630; // 0x762f3101, little-endian on disk

    /// <summary>Version of the OpenEXRCore library in use ("3.1.5"); throws <see cref="ImageIOException"/> if none loads.</summary>
    public static string LibraryVersion => ExrNative.LibraryVersion;

    /// <summary>Header facts of the first part.</summary>
    public static ExrInfo ReadInfo(string path)
    {
        using var file = Open(path);
        return file.Info;
    }

    /// <summary>Decodes the data window of the first part; see the class remarks for channel rules.</summary>
    public static ImageF Read(string path)
    {
        using var file = Open(path);
        return file.Decode();
    }

    private static ExrFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        PreCheck(path);
        EnsureLoaded();
        var init = MakeInitializer(MaxSide, MaxTileSide);
        nint ctxt = 0;
        byte[] cpath = CString(path);
        int rc;
        ClearLastError();
        fixed (byte* p = cpath) rc = exr_start_read(&ctxt, p, &init);
        if (rc != EXR_ERR_SUCCESS)
        {
            var err = Failure(rc, "exr_start_read", path);
            if (ctxt != 0) exr_finish(&ctxt);
            throw err;
        }
        var file = new ExrFile(ctxt, path);
        try
        {
            file.LoadInfo();
            return file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Clear messages for the common cases before the library sees the file.</summary>
    private static void PreCheck(string path)
    {
        try
        {
            if (Directory.Exists(path)) throw new ImageIOException($"EXR '{path}': is a directory, not a file");
            if (!File.Exists(path)) throw new ImageIOException($"EXR '{path}': file does not exist");
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1);
            Span<byte> head = stackalloc byte[8];
            int n = fs.ReadAtLeast(head, 8, throwOnEndOfStream: false);
            if (n < 8) throw new ImageIOException($"EXR '{path}': not an OpenEXR file (only {n} bytes)");
            uint magic = (uint)(head[0] | head[1] << 8 | head[2] << 16 | head[3] << 24);
            if (magic != Magic) throw new ImageIOException($"EXR '{path}': not an OpenEXR file (bad magic number 0x{magic:x8})");
            if (head[4] != 2) throw new ImageIOException($"EXR '{path}': unsupported OpenEXR version {head[4]}");
        }
        catch (ImageIOException) { throw; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageIOException($"EXR '{path}': cannot open: {e.Message}", e);
        }
    }

    /// <summary>An open read context; exr_finish on dispose.</summary>
    private sealed class ExrFile : IDisposable
    {
        private nint _ctxt;
        private readonly string _path;
        public ExrInfo Info { get; private set; } = null!;

        public ExrFile(nint ctxt, string path) { _ctxt = ctxt; _path = path; }

        public void Dispose()
        {
            if (_ctxt != 0)
            {
                nint c = _ctxt;
                _ctxt = 0;
                exr_finish(&c);
                ClearLastError();
            }
        }

        public void LoadInfo()
        {
            nint c = _ctxt;
            int parts, storage, comp;
            Box2i dw, disp;
            Chlist* chl;
            Check(exr_get_count(c, &parts), "exr_get_count", _path);
            if (parts < 1) throw new ImageIOException($"EXR '{_path}': file has no parts");
            Check(exr_get_storage(c, 0, &storage), "exr_get_storage", _path);
            Check(exr_get_compression(c, 0, &comp), "exr_get_compression", _path);
            Check(exr_get_data_window(c, 0, &dw), "exr_get_data_window", _path);
            Check(exr_get_display_window(c, 0, &disp), "exr_get_display_window", _path);
            Check(exr_get_channels(c, 0, &chl), "exr_get_channels", _path);
            if (chl is null || chl->num_channels < 1 || chl->entries is null)
                throw new ImageIOException($"EXR '{_path}': part 0 has no channels");
            var chans = new ExrChannel[chl->num_channels];
            for (int i = 0; i < chans.Length; i++)
            {
                var e = chl->entries[i];
                string name = e.name.str is null ? "" : System.Text.Encoding.UTF8.GetString(e.name.str, Math.Clamp(e.name.length, 0, 1024));
                chans[i] = new ExrChannel(name, (ExrPixelType)e.pixel_type, e.x_sampling, e.y_sampling);
            }
            int tw = 0, th = 0;
            if (storage == STORAGE_TILED)
            {
                uint x, y; int lm, rm;
                Check(exr_get_tile_descriptor(c, 0, &x, &y, &lm, &rm), "exr_get_tile_descriptor", _path);
                if (x < 1 || y < 1 || x > MaxTileSide || y > MaxTileSide)
                    throw new ImageIOException($"EXR '{_path}': absurd tile size {x}x{y}");
                tw = (int)x; th = (int)y;
            }
            var dataWin = new ExrBox(dw.min_x, dw.min_y, dw.max_x, dw.max_y);
            if (dataWin.Width < 1 || dataWin.Height < 1)
                throw new ImageIOException($"EXR '{_path}': empty data window {dataWin}");
            if (dataWin.Width * dataWin.Height > MaxPixels)
                throw new ImageIOException($"EXR '{_path}': data window {dataWin.Width}x{dataWin.Height} exceeds the {MaxPixels}-pixel limit");
            Info = new ExrInfo(_path, parts, (ExrStorage)storage, (ExrCompression)comp, dataWin,
                new ExrBox(disp.min_x, disp.min_y, disp.max_x, disp.max_y), chans, tw, th, ExrNative.LibraryVersion);
        }

        /// <summary>Indices into Info.Channels for the output planes, in output order.</summary>
        private int[] SelectChannels()
        {
            var ch = Info.Channels;
            int Find(string n)
            {
                for (int i = 0; i < ch.Count; i++) if (ch[i].Name == n) return i;
                return -1;
            }
            int r = Find("R"), g = Find("G"), b = Find("B"), a = Find("A"), y = Find("Y");
            int[] sel;
            if (r >= 0 && g >= 0 && b >= 0) sel = a >= 0 ? [r, g, b, a] : [r, g, b];
            else if (y >= 0) sel = [y];
            else if (ch.Count == 1) sel = [0];
            else
                throw new ImageIOException($"EXR '{_path}': no R,G,B or Y channels (has {string.Join(",", ch.Select(c => c.Name))})");
            foreach (int i in sel)
            {
                if (ch[i].XSampling != 1 || ch[i].YSampling != 1)
                    throw new ImageIOException($"EXR '{_path}': channel '{ch[i].Name}' is subsampled {ch[i].XSampling}x{ch[i].YSampling}; not supported");
                if (ch[i].PixelType is < ExrPixelType.Uint or > ExrPixelType.Float)
                    throw new ImageIOException($"EXR '{_path}': channel '{ch[i].Name}' has unknown pixel type {(int)ch[i].PixelType}");
            }
            return sel;
        }

        public ImageF Decode()
        {
            if (Info.Storage is not (ExrStorage.Scanline or ExrStorage.Tiled))
                throw new ImageIOException($"EXR '{_path}': {Info.Storage} (deep) images are not supported");
            int[] sel = SelectChannels();
            int w = Info.Width, h = Info.Height;
            var img = new ImageF(w, h, sel.Length);
            // Output plane for each channel of the part (-1: skip).
            var planeOf = new int[Info.Channels.Count];
            Array.Fill(planeOf, -1);
            for (int k = 0; k < sel.Length; k++) planeOf[sel[k]] = k;

            var dec = new DecodePipeline();
            bool initialized = false;
            // OpenEXRCore 3.1 misdecodes B44/B44A (float channels, partial edge tiles of half channels);
            // the C++ library of the same release is right, so use it when present.
            bool useFallback = Info.Compression is ExrCompression.B44 or ExrCompression.B44a
                && LibraryVersion.StartsWith("3.1.", StringComparison.Ordinal) && ExrRgbaFallback.Available;
            try
            {
                if (useFallback) goto done;
                fixed (float* dst = img.Data)
                {
                    if (Info.Storage == ExrStorage.Scanline)
                        DecodeScanlines(dst, planeOf, &dec, ref initialized);
                    else
                        DecodeTiles(dst, planeOf, &dec, ref initialized);
                }
                done:;
            }
            catch (CoreLacksDwa)
            {
                useFallback = true;
            }
            finally
            {
                if (initialized)
                {
                    exr_decoding_destroy(_ctxt, &dec);
                }
                ClearLastError();
            }
            if (useFallback) DecodeWithRgbaFallback(sel, img);
            return img;
        }

        /// <summary>DWA under an OpenEXRCore without DWA decoding: see <see cref="ExrRgbaFallback"/>.</summary>
        private void DecodeWithRgbaFallback(int[] sel, ImageF img)
        {
            var slots = new int[sel.Length];
            for (int k = 0; k < sel.Length; k++)
            {
                slots[k] = Info.Channels[sel[k]].Name switch
                {
                    "R" or "Y" => 0,
                    "G" => 1,
                    "B" => 2,
                    "A" => 3,
                    var n => throw new ImageIOException($"EXR '{_path}': DWA channel '{n}' cannot be decoded: OpenEXRCore {LibraryVersion} lacks DWA and the RGBA fallback only knows R,G,B,A,Y"),
                };
            }
            if (!ExrRgbaFallback.Available)
                throw new ImageIOException($"EXR '{_path}': {Info.Compression} decoding needs OpenEXRCore >= 3.2 or the OpenEXR C++ library (libOpenEXR-3_1); neither is usable (OpenEXRCore {LibraryVersion})");
            ExrRgbaFallback.Read(_path, Info, slots, img);
        }

        private sealed class CoreLacksDwa : Exception;

        private void DecodeScanlines(float* dst, int[] planeOf, DecodePipeline* d, ref bool initialized)
        {
            nint c = _ctxt;
            var dw = Info.DataWindow;
            int lines;
            Check(exr_get_scanlines_per_chunk(c, 0, &lines), "exr_get_scanlines_per_chunk", _path);
            if (lines < 1 || lines > 4096) throw new ImageIOException($"EXR '{_path}': bad scanlines per chunk {lines}");
            for (long y = dw.MinY; y <= dw.MaxY; y += lines)
            {
                ChunkInfo ci;
                Check(exr_read_scanline_chunk_info(c, 0, (int)y, &ci), "exr_read_scanline_chunk_info", _path);
                if (ci.start_y != y || ci.height < 1 || ci.height > lines || (long)ci.start_y + ci.height - 1 > dw.MaxY
                    || ci.width != Info.Width || ci.start_x != dw.MinX)
                    throw new ImageIOException($"EXR '{_path}': scanline chunk at y={y} has an inconsistent region ({ci.start_x},{ci.start_y}) {ci.width}x{ci.height}");
                DecodeChunk(dst, planeOf, d, ref initialized, &ci, 0, ci.start_y - dw.MinY, "scanline y=" + y);
            }
        }

        private void DecodeTiles(float* dst, int[] planeOf, DecodePipeline* d, ref bool initialized)
        {
            nint c = _ctxt;
            int tw = Info.TileWidth, th = Info.TileHeight, w = Info.Width, h = Info.Height;
            int ntx = (int)((w + (long)tw - 1) / tw), nty = (int)((h + (long)th - 1) / th);
            for (int ty = 0; ty < nty; ty++)
                for (int tx = 0; tx < ntx; tx++)
                {
                    ChunkInfo ci;
                    Check(exr_read_tile_chunk_info(c, 0, tx, ty, 0, 0, &ci), "exr_read_tile_chunk_info", _path);
                    long x0 = (long)tx * tw, y0 = (long)ty * th;
                    if (ci.width < 1 || ci.height < 1 || ci.width > tw || ci.height > th || x0 + ci.width > w || y0 + ci.height > h)
                        throw new ImageIOException($"EXR '{_path}': tile ({tx},{ty}) has an inconsistent size {ci.width}x{ci.height}");
                    DecodeChunk(dst, planeOf, d, ref initialized, &ci, (int)x0, (int)y0, $"tile ({tx},{ty})");
                }
        }

        private void DecodeChunk(float* dst, int[] planeOf, DecodePipeline* d, ref bool initialized,
            ChunkInfo* ci, int x0, int y0, string where)
        {
            nint c = _ctxt;
            int w = Info.Width;
            long plane = (long)w * Info.Height;
            {
                if (!initialized)
                {
                    int rc = exr_decoding_initialize(c, 0, ci, d);
                    // The library may have allocated before failing; destroy is safe on a zeroed or partial pipeline.
                    initialized = true;
                    Check(rc, "exr_decoding_initialize", _path);
                }
                else
                {
                    Check(exr_decoding_update(c, 0, ci, d), "exr_decoding_update", _path);
                }
                if (d->channel_count != planeOf.Length || d->channels is null)
                    throw new ImageIOException($"EXR '{_path}': decoder reports {d->channel_count} channels, header has {planeOf.Length}");
                for (int i = 0; i < d->channel_count; i++)
                {
                    CodingChannelInfo* ch = d->channels + i;
                    int k = planeOf[i];
                    if (k < 0)
                    {
                        ch->ptr = null;
                        continue;
                    }
                    // The library writes ch->height rows of ch->width samples with our strides: make sure
                    // that stays inside the image before handing it the pointer.
                    if (ch->width != ci->width || ch->height != ci->height)
                        throw new ImageIOException($"EXR '{_path}': {where}: channel {i} region {ch->width}x{ch->height} != chunk {ci->width}x{ci->height}");
                    ch->user_bytes_per_element = 4;
                    ch->user_data_type = PIXEL_FLOAT;
                    ch->user_pixel_stride = 4;
                    ch->user_line_stride = w * 4;
                    ch->ptr = (byte*)(dst + k * plane + (long)y0 * w + x0);
                }
                Check(exr_decoding_choose_default_routines(c, 0, d), "exr_decoding_choose_default_routines", _path);
                int run = exr_decoding_run(c, 0, d);
                if (run == EXR_ERR_FEATURE_NOT_IMPLEMENTED && Info.Compression is ExrCompression.Dwaa or ExrCompression.Dwab)
                {
                    ClearLastError();
                    throw new CoreLacksDwa();
                }
                if (run != EXR_ERR_SUCCESS)
                {
                    var e = Failure(run, "exr_decoding_run", _path);
                    throw new ImageIOException(e.Message + $" ({where})");
                }
            }
        }
    }
}
