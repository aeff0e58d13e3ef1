using HdrOfx.Interop.Native;

namespace HdrOfx.Interop.Support;

/// <summary>Pixel depths this SDK reads and writes.</summary>
public enum PixelDepth { None, Byte, Short, Half, Float }

/// <summary>Pixel component layouts.</summary>
public enum PixelComponents { None, RGBA, RGB, Alpha }

public static class PixelFormat
{
    public static PixelDepth ParseDepth(string s) => s switch
    {
        OfxValues.BitDepthByte => PixelDepth.Byte,
        OfxValues.BitDepthShort => PixelDepth.Short,
        OfxValues.BitDepthHalf => PixelDepth.Half,
        OfxValues.BitDepthFloat => PixelDepth.Float,
        _ => PixelDepth.None,
    };

    public static string DepthName(PixelDepth d) => d switch
    {
        PixelDepth.Byte => OfxValues.BitDepthByte,
        PixelDepth.Short => OfxValues.BitDepthShort,
        PixelDepth.Half => OfxValues.BitDepthHalf,
        PixelDepth.Float => OfxValues.BitDepthFloat,
        _ => OfxValues.BitDepthNone,
    };

    public static PixelComponents ParseComponents(string s) => s switch
    {
        OfxValues.ComponentRGBA => PixelComponents.RGBA,
        OfxValues.ComponentRGB => PixelComponents.RGB,
        OfxValues.ComponentAlpha => PixelComponents.Alpha,
        _ => PixelComponents.None,
    };

    public static int BytesPerComponent(PixelDepth d) => d switch
    {
        PixelDepth.Byte => 1,
        PixelDepth.Short or PixelDepth.Half => 2,
        PixelDepth.Float => 4,
        _ => 0,
    };

    public static int ComponentCount(PixelComponents c) => c switch
    {
        PixelComponents.RGBA => 4,
        PixelComponents.RGB => 3,
        PixelComponents.Alpha => 1,
        _ => 0,
    };
}

/// <summary>A clip descriptor (describe-in-context): fluent setters over its properties.</summary>
public sealed class ClipDescriptor
{
    public string Name { get; }
    public PropertySet Properties { get; }

    public ClipDescriptor(string name, PropertySet props) { Name = name; Properties = props; }

    public ClipDescriptor Components(params string[] components)
    {
        Properties.SetStrings(OfxImageEffectProps.SupportedComponents, components);
        return this;
    }

    public ClipDescriptor TemporalAccess(bool on)
    {
        Properties.SetInt(OfxImageEffectProps.TemporalClipAccess, on ? 1 : 0);
        return this;
    }

    public ClipDescriptor SupportsTiles(bool on)
    {
        Properties.SetInt(OfxImageEffectProps.SupportsTiles, on ? 1 : 0);
        return this;
    }

    public ClipDescriptor Optional(bool on)
    {
        Properties.SetInt(OfxClipProps.Optional, on ? 1 : 0);
        return this;
    }
}

/// <summary>A clip of an effect instance.</summary>
public sealed unsafe class Clip
{
    public string Name { get; }
    public OfxImageClipHandle Handle { get; }
    public PropertySet Properties { get; }

    public Clip(string name, OfxImageClipHandle handle, PropertySet props) { Name = name; Handle = handle; Properties = props; }

    public static Clip Get(OfxImageEffectHandle effect, string name)
    {
        OfxImageClipHandle h;
        OfxPropertySetHandle props;
        OfxCheck.Ok(OfxHostSuites.RequireImageEffect->ClipGetHandle(effect, OfxStrings.Intern(name), &h, &props), $"clipGetHandle({name})");
        if (h.IsNull) throw new OfxException(OfxStatus.ErrBadHandle, $"clipGetHandle({name}) returned a NULL handle");
        return new Clip(name, h, new PropertySet(props));
    }

    /// <summary>kOfxImageClipPropConnected; an unknown value counts as connected.</summary>
    public bool IsConnected => Properties.GetIntOr(OfxClipProps.Connected, 1) != 0;

    public PixelDepth PixelDepth => PixelFormat.ParseDepth(Properties.GetStringOr(OfxImageEffectProps.PixelDepth, ""));

    public PixelComponents Components => PixelFormat.ParseComponents(Properties.GetStringOr(OfxImageEffectProps.Components, ""));

    /// <summary>kOfxImageEffectPropFrameRange of the clip (frames the clip can deliver).</summary>
    public OfxRangeD FrameRange => Properties.GetRangeD(OfxImageEffectProps.FrameRange);

    public OfxRectD GetRegionOfDefinition(double time)
    {
        OfxRectD r;
        OfxCheck.Ok(OfxHostSuites.RequireImageEffect->ClipGetRegionOfDefinition(Handle, time, &r), $"clipGetRegionOfDefinition({Name}, {time})");
        return r;
    }

    public bool TryGetRegionOfDefinition(double time, out OfxRectD rod)
    {
        OfxRectD r = default;
        bool ok = OfxHostSuites.ImageEffect != null && OfxHostSuites.ImageEffect->ClipGetRegionOfDefinition(Handle, time, &r) == OfxStatus.OK;
        rod = r;
        return ok;
    }

    /// <summary>
    /// Fetches the image at <paramref name="time"/>. Returns null (with the host's status in
    /// <paramref name="status"/>) when the host fails or returns a NULL image, which Resolve does for
    /// unconnected clips. Dispose the image before the action returns.
    /// </summary>
    public Image? TryGetImage(double time, out int status, OfxRectD? region = null)
    {
        OfxPropertySetHandle img = default;
        if (region is { } r)
            status = OfxHostSuites.RequireImageEffect->ClipGetImage(Handle, time, &r, &img);
        else
            status = OfxHostSuites.RequireImageEffect->ClipGetImage(Handle, time, null, &img);
        if (status != OfxStatus.OK || img.IsNull)
        {
            if (status == OfxStatus.OK) status = OfxStatus.Failed;
            return null;
        }
        try
        {
            return new Image(img, Name, time);
        }
        catch
        {
            OfxHostSuites.RequireImageEffect->ClipReleaseImage(img);
            throw;
        }
    }

    public Image GetImage(double time)
    {
        var img = TryGetImage(time, out int st);
        return img ?? throw new OfxException(st, $"clipGetImage({Name}, {time}) returned {OfxStatus.Name(st)} or a NULL image");
    }
}

/// <summary>
/// A fetched image: properties read once at fetch, pixels addressed by (x, y) in pixel coordinates.
/// kOfxImagePropData points at pixel (bounds.x1, bounds.y1); row bytes may be negative or not a
/// multiple of the pixel size, so reads and writes here are unaligned-safe.
/// Dispose releases it with clipReleaseImage exactly once.
/// </summary>
public sealed unsafe class Image : IDisposable
{
    private OfxPropertySetHandle _handle;

    public string ClipName { get; }
    public double Time { get; }
    public OfxRectI Bounds { get; }
    public long RowBytes { get; }
    public PixelDepth Depth { get; }
    public PixelComponents Components { get; }
    public string DepthName { get; }
    public string ComponentsName { get; }
    public byte* Data { get; }
    public OfxPointD RenderScale { get; }
    /// <summary>The host's kOfxImagePropUniqueIdentifier: changes whenever the image's content may have changed; empty when the host sets none.</summary>
    public string UniqueIdentifier { get; }
    public int ComponentCount => PixelFormat.ComponentCount(Components);
    public int BytesPerPixel => PixelFormat.BytesPerComponent(Depth) * ComponentCount;

    internal Image(OfxPropertySetHandle handle, string clipName, double time)
    {
        _handle = handle;
        ClipName = clipName;
        Time = time;
        var p = new PropertySet(handle);
        Bounds = p.GetRectI(OfxImageProps.Bounds);
        RowBytes = p.GetInt(OfxImageProps.RowBytes);
        DepthName = p.GetString(OfxImageEffectProps.PixelDepth);
        ComponentsName = p.GetString(OfxImageEffectProps.Components);
        Depth = PixelFormat.ParseDepth(DepthName);
        Components = PixelFormat.ParseComponents(ComponentsName);
        Data = (byte*)p.GetPointer(OfxImageProps.Data);
        RenderScale = p.TryGetDouble(OfxImageEffectProps.RenderScale, out var sx) && p.TryGetDouble(OfxImageEffectProps.RenderScale, out var sy, 1)
            ? new OfxPointD(sx, sy) : new OfxPointD(1, 1);
        UniqueIdentifier = p.GetStringOr(OfxImageProps.UniqueIdentifier, "");
    }

    public PropertySet Properties => new(_handle);

    /// <summary>Address of pixel (x, y); the caller keeps (x, y) inside <see cref="Bounds"/>.</summary>
    public byte* PixelAddress(int x, int y) => Data + (long)(y - Bounds.Y1) * RowBytes + (long)(x - Bounds.X1) * BytesPerPixel;

    /// <summary>Checks what every reader needs: a data pointer, a known depth and layout, row bytes that hold a row.</summary>
    public void Validate(bool allowHalf = false)
    {
        if (Data == null && !Bounds.IsEmpty) throw new OfxException(OfxStatus.ErrImageFormat, $"{ClipName} image at {Time} has no data pointer");
        if (Depth == PixelDepth.None || (Depth == PixelDepth.Half && !allowHalf))
            throw new OfxException(OfxStatus.ErrImageFormat, $"{ClipName} image at {Time} has unsupported pixel depth '{DepthName}'");
        if (Components is not (PixelComponents.RGBA or PixelComponents.RGB or PixelComponents.Alpha))
            throw new OfxException(OfxStatus.ErrImageFormat, $"{ClipName} image at {Time} has unsupported components '{ComponentsName}'");
        if (Bounds.X2 < Bounds.X1 || Bounds.Y2 < Bounds.Y1)
            throw new OfxException(OfxStatus.ErrImageFormat, $"{ClipName} image at {Time} has inverted bounds {Bounds}");
        if (Bounds.Height > 1 && Math.Abs(RowBytes) < (long)Bounds.Width * BytesPerPixel)
            throw new OfxException(OfxStatus.ErrImageFormat, $"{ClipName} image at {Time}: row bytes {RowBytes} cannot hold {Bounds.Width} pixels of {BytesPerPixel} bytes");
    }

    public void Dispose()
    {
        var h = _handle;
        _handle = default;
        if (!h.IsNull && OfxHostSuites.ImageEffect != null) OfxHostSuites.ImageEffect->ClipReleaseImage(h);
    }
}
