namespace HdrOfx.Engine.IO.Exr;

/// <summary>EXR channel sample types. Values equal OpenEXR's <c>exr_pixel_type_t</c>.</summary>
public enum ExrPixelType
{
    /// <summary>32-bit unsigned integer (read only; converted to float on read).</summary>
    Uint = 0,
    /// <summary>IEEE 754 binary16, the usual storage for HDR images.</summary>
    Half = 1,
    /// <summary>IEEE 754 binary32.</summary>
    Float = 2,
}
