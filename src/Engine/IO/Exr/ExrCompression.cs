namespace HdrOfx.Engine.IO.Exr;

/// <summary>EXR compression methods. Values equal OpenEXR's <c>exr_compression_t</c>.</summary>
public enum ExrCompression
{
    None = 0,
    /// <summary>Run-length, lossless.</summary>
    Rle = 1,
    /// <summary>zlib, one scanline per chunk, lossless.</summary>
    Zips = 2,
    /// <summary>zlib, 16 scanlines per chunk, lossless.</summary>
    Zip = 3,
    /// <summary>Wavelet + Huffman, 32 scanlines per chunk, lossless.</summary>
    Piz = 4,
    /// <summary>Lossy for float (24-bit), lossless for half and uint.</summary>
    Pxr24 = 5,
    /// <summary>Lossy, half channels only (float stored uncompressed).</summary>
    B44 = 6,
    /// <summary>B44 with flat-area optimisation; lossy.</summary>
    B44a = 7,
    /// <summary>DCT-based, lossy, 32 scanlines per chunk.</summary>
    Dwaa = 8,
    /// <summary>DCT-based, lossy, 256 scanlines per chunk.</summary>
    Dwab = 9,
}
