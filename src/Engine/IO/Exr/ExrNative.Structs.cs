using System.Runtime.InteropServices;

namespace HdrOfx.Engine.IO.Exr;

// Mirrors of the OpenEXRCore 3.1 C structs (x64/arm64 LP64 layout; checked against gcc offsetof in
// ExrNativeLayoutTests). Only the fields we touch are named; the rest keep the layout.
internal static unsafe partial class ExrNative
{
    internal const int EXR_ERR_SUCCESS = 0;
    internal const int EXR_ERR_NO_ATTR_BY_NAME = 15;
    internal const int EXR_ERR_FEATURE_NOT_IMPLEMENTED = 31;

    internal const int STORAGE_SCANLINE = 0;
    internal const int STORAGE_TILED = 1;

    internal const int PIXEL_UINT = 0;
    internal const int PIXEL_HALF = 1;
    internal const int PIXEL_FLOAT = 2;

    internal const int WRITE_FILE_DIRECTLY = 0;

    /// <summary>exr_context_initializer_t (v3, 104 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct ContextInitializer
    {
        public nuint size;
        public nint error_handler_fn;
        public nint alloc_fn;
        public nint free_fn;
        public nint user_data;
        public nint read_fn;
        public nint size_fn;
        public nint write_fn;
        public nint destroy_fn;
        public int max_image_width;
        public int max_image_height;
        public int max_tile_width;
        public int max_tile_height;
        public int zip_level;
        public float dwa_quality;
        public int flags;
    }

    /// <summary>exr_attr_box2i_t: inclusive min/max corners.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Box2i
    {
        public int min_x, min_y, max_x, max_y;
    }

    /// <summary>exr_attr_chromaticities_t (packed, 8 floats).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Chromaticities
    {
        public float red_x, red_y, green_x, green_y, blue_x, blue_y, white_x, white_y;
    }

    /// <summary>exr_chunk_info_t (64 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct ChunkInfo
    {
        public int idx;
        public int start_x;
        public int start_y;
        public int height;
        public int width;
        public byte level_x;
        public byte level_y;
        public byte type;
        public byte compression;
        public ulong data_offset;
        public ulong packed_size;
        public ulong unpacked_size;
        public ulong sample_count_data_offset;
        public ulong sample_count_table_size;
    }

    /// <summary>exr_coding_channel_info_t (48 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct CodingChannelInfo
    {
        public byte* channel_name;
        public int height;
        public int width;
        public int x_samples;
        public int y_samples;
        public byte p_linear;
        public sbyte bytes_per_element;
        public ushort data_type;
        public short user_bytes_per_element;
        public ushort user_data_type;
        public int user_pixel_stride;
        public int user_line_stride;
        /// <summary>decode_to_ptr / encode_from_ptr (a union in C).</summary>
        public byte* ptr;
    }

    /// <summary>exr_decode_pipeline_t (480 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct DecodePipeline
    {
        public CodingChannelInfo* channels;
        public short channel_count;
        public ushort decode_flags;
        public int part_index;
        public nint context;
        public ChunkInfo chunk;
        public nint decoding_user_data;
        public nint packed_buffer;
        public nuint packed_alloc_size;
        public nint unpacked_buffer;
        public nuint unpacked_alloc_size;
        public nint packed_sample_count_table;
        public nuint packed_sample_count_alloc_size;
        public nint sample_count_table;
        public nuint sample_count_alloc_size;
        public nint scratch_buffer_1;
        public nuint scratch_alloc_size_1;
        public nint scratch_buffer_2;
        public nuint scratch_alloc_size_2;
        public nint alloc_fn;
        public nint free_fn;
        public nint read_fn;
        public nint decompress_fn;
        public nint realloc_nonimage_data_fn;
        public nint unpack_and_convert_fn;
        public fixed byte _quick_chan_store[5 * 48];
    }

    /// <summary>exr_encode_pipeline_t (504 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct EncodePipeline
    {
        public CodingChannelInfo* channels;
        public short channel_count;
        public ushort encode_flags;
        public int part_index;
        public nint context;
        public ChunkInfo chunk;
        public nint encoding_user_data;
        public nint packed_buffer;
        public ulong packed_bytes;
        public nuint packed_alloc_size;
        public nint sample_count_table;
        public nuint sample_count_alloc_size;
        public nint packed_sample_count_table;
        public nuint packed_sample_count_bytes;
        public nuint packed_sample_count_alloc_size;
        public nint compressed_buffer;
        public nuint compressed_bytes;
        public nuint compressed_alloc_size;
        public nint scratch_buffer_1;
        public nuint scratch_alloc_size_1;
        public nint scratch_buffer_2;
        public nuint scratch_alloc_size_2;
        public nint alloc_fn;
        public nint free_fn;
        public nint convert_and_pack_fn;
        public nint compress_fn;
        public nint yield_until_ready_fn;
        public nint write_fn;
        public fixed byte _quick_chan_store[5 * 48];
    }

    /// <summary>exr_attr_string_t.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct AttrString
    {
        public int length;
        public int alloc_size;
        public byte* str;
    }

    /// <summary>exr_attr_chlist_entry_t (32 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct ChlistEntry
    {
        public AttrString name;
        public int pixel_type;
        public byte p_linear;
        public byte reserved0, reserved1, reserved2;
        public int x_sampling;
        public int y_sampling;
    }

    /// <summary>exr_attr_chlist_t.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct Chlist
    {
        public int num_channels;
        public int num_alloced;
        public ChlistEntry* entries;
    }
}
