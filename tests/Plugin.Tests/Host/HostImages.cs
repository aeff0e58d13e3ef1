using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using HdrOfx.Interop.Native;

namespace HdrOfx.Plugin.Tests.Host;

/// <summary>One image handed to the plug-in: its property set and the memory behind it.</summary>
public sealed unsafe class HostImage
{
    public required HostPropertySet Props;
    public nint Alloc;
    public bool OwnsMemory;
}

/// <summary>clipGetImage / clipReleaseImage for the test host, with the instance's fault injection and row layout.</summary>
public static unsafe class HostImages
{
    private static readonly ConcurrentDictionary<nint, HostImage> Live = new();
    private static long _uid;

    public static HostImage? Fetch(HostInstance inst, HostClip clip, double time, out int status)
    {
        inst.Fetches.Enqueue((clip.Name, time));
        var f = inst.Faults;
        if (f.FailGetImage?.Invoke(clip.Name, time) == true) { status = Ofx.Failed; return null; }
        if (f.NullImage?.Invoke(clip.Name, time) == true) { status = Ofx.OK; return null; }

        HostImage img;
        if (clip.Name == OfxValues.OutputClipName)
        {
            if (!inst.Outputs.TryGetValue(time, out var target)) { status = Ofx.Failed; return null; }
            img = new HostImage { Props = ImageProps(target.Bounds, target.RowBytes, (nint)target.Data, target.Depth, OfxValues.ComponentRGBA, inst.RenderScale) };
        }
        else
        {
            var src = inst.Source;
            if (src == null) { status = Ofx.Failed; return null; }
            int frame = (int)Math.Round(time);
            if (frame < src.First || frame > src.Last || Math.Abs(frame - time) > 1e-9)
            {
                // A real host would clamp or fail; fail loudly so the test sees an out-of-range fetch.
                status = Ofx.Failed;
                return null;
            }
            if (inst.FrameOverrides.TryGetValue(frame, out var alt)) src = alt;
            string id = !inst.ImageIdentifiers ? ""
                : inst.PerFetchIdentifiers ? $"fetch{Interlocked.Increment(ref _uid)}"
                : FormattableString.Invariant($"src-{RuntimeHelpers.GetHashCode(src)}-r{src.Revision}-f{frame}-{inst.Layout}-s{inst.RenderScale}-{f.SourceDepthLie}");
            img = MakeSource(src, frame, inst.Layout, inst.RenderScale, f.SourceDepthLie, id);
        }
        Live[img.Props.Handle] = img;
        Interlocked.Increment(ref OfxTestHost.LiveImages);
        Interlocked.Increment(ref OfxTestHost.ImagesFetched);
        status = Ofx.OK;
        return img;
    }

    public static int Release(nint handle)
    {
        if (!Live.TryRemove(handle, out var img)) return Ofx.ErrBadHandle;
        if (img.OwnsMemory && img.Alloc != 0) NativeMemory.Free((void*)img.Alloc);
        img.Props.Release();
        Interlocked.Decrement(ref OfxTestHost.LiveImages);
        return Ofx.OK;
    }

    private static HostPropertySet ImageProps(OfxRectI b, int rowBytes, nint data, string depth, string comps, double scale, string? id = null)
    {
        var p = new HostPropertySet("image");
        p.Str(OfxProps.Type, OfxProps.TypeImage)
            .Str(OfxImageEffectProps.PixelDepth, depth)
            .Str(OfxImageEffectProps.Components, comps)
            .Str(OfxImageEffectProps.PreMultiplication, OfxValues.UnPreMultiplied)
            .Dbl(OfxImageEffectProps.RenderScale, scale, scale)
            .Dbl(OfxImageProps.PixelAspectRatio, 1)
            .Ptr(OfxImageProps.Data, data)
            .Int(OfxImageProps.Bounds, b.X1, b.Y1, b.X2, b.Y2)
            .Int(OfxImageProps.RegionOfDefinition, b.X1, b.Y1, b.X2, b.Y2)
            .Int(OfxImageProps.RowBytes, rowBytes)
            .Str(OfxImageProps.Field, OfxValues.FieldNone);
        // Sources name their content (an empty id: the host sets none); outputs get a fresh id per fetch.
        if (id is null) p.Str(OfxImageProps.UniqueIdentifier, $"img{Interlocked.Increment(ref _uid)}");
        else if (id.Length > 0) p.Str(OfxImageProps.UniqueIdentifier, id);
        p.Open = false;
        return p;
    }

    /// <summary>Scaled size of the source at a render scale (nearest sampling, as a proxy render would).</summary>
    public static (int W, int H) Scaled(FrameSource src, double scale) =>
        ((int)Math.Ceiling(src.Width * scale), (int)Math.Ceiling(src.Height * scale));

    private static HostImage MakeSource(FrameSource src, int frame, RowLayout layout, double scale, string? depthLie, string id)
    {
        if (src.CacheImages)
        {
            var c = src.Cache.GetOrAdd((frame, layout, scale), _ =>
            {
                var fresh = MakeSourceUncached(src, frame, layout, scale, null, "");
                fresh.Props.Release();
                return (fresh.Alloc, fresh.Props.GetPointer(OfxImageProps.Data), fresh.Props.GetInt(OfxImageProps.RowBytes),
                    fresh.Props.GetInt(OfxImageProps.Bounds, 2), fresh.Props.GetInt(OfxImageProps.Bounds, 3));
            });
            var props = ImageProps(new OfxRectI(0, 0, c.W, c.H), c.RowBytes, c.Data, depthLie ?? src.Depth, src.Components, scale, id);
            return new HostImage { Props = props, Alloc = c.Alloc, OwnsMemory = false };
        }
        return MakeSourceUncached(src, frame, layout, scale, depthLie, id);
    }

    private static HostImage MakeSourceUncached(FrameSource src, int frame, RowLayout layout, double scale, string? depthLie, string id)
    {
        var (w, h) = Scaled(src, scale);
        int nc = src.Components == OfxValues.ComponentRGB ? 3 : 4;
        int bpc = src.Depth switch { OfxValues.BitDepthByte => 1, OfxValues.BitDepthShort => 2, _ => 4 };
        int bpp = nc * bpc;
        int pad = layout == RowLayout.OddPadding ? 3 : 0;
        int stride = w * bpp + pad;
        long size = (long)stride * h + 8;
        nint alloc = (nint)NativeMemory.Alloc((nuint)size);
        new Span<byte>((void*)alloc, (int)size).Fill(0xAB);
        byte* basep = (byte*)alloc + (layout == RowLayout.OddPadding ? 1 : 0);
        int rowBytes = layout == RowLayout.Negative ? -stride : stride;
        byte* data = layout == RowLayout.Negative ? basep + (long)stride * (h - 1) : basep;
        var rgba = src.Frame(frame);
        for (int y = 0; y < h; y++)
        {
            int sy = Math.Min(src.Height - 1, (int)(y / scale));
            byte* row = data + (long)y * rowBytes;
            for (int x = 0; x < w; x++)
            {
                int sx = Math.Min(src.Width - 1, (int)(x / scale));
                int si = (sy * src.Width + sx) * 4;
                byte* px = row + (long)x * bpp;
                for (int c = 0; c < nc; c++)
                {
                    float v = rgba[si + c];
                    switch (bpc)
                    {
                        case 1: px[c] = Quantize8(v); break;
                        case 2: Unsafe.WriteUnaligned(px + 2 * c, Quantize16(v)); break;
                        default: Unsafe.WriteUnaligned(px + 4 * c, v); break;
                    }
                }
            }
        }
        var props = ImageProps(new OfxRectI(0, 0, w, h), rowBytes, (nint)data, depthLie ?? src.Depth, src.Components, scale, id);
        return new HostImage { Props = props, Alloc = alloc, OwnsMemory = true };
    }

    public static byte Quantize8(float v) => (byte)Math.Clamp(MathF.Round(v * 255f), 0, 255);
    public static ushort Quantize16(float v) => (ushort)Math.Clamp(MathF.Round(v * 65535f), 0, 65535);
}
