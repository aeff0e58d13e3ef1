using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.Parallelism;
using HdrOfx.Interop.Native;
using HdrOfx.Interop.Support;

namespace HdrOfx.Plugin;

/// <summary>
/// Copies between host images and engine images. Reads accept RGBA/RGB in byte, short or float and
/// linearize with the input transfer by the engine's one rule, <see cref="Linearizer"/> (DESIGN §3): byte and short
/// through its code tables, float through its curve (the same values). Writes produce RGBA/RGB/Alpha in float (or short/byte, clamped).
/// OFX rows run bottom-up and engine rows top-down: host row y is engine row (Y2 − 1 − y) of the region, both ways, so
/// the plug-in hands the engine the same image the CLI reads from a file (DESIGN §7). Both respect bounds and any row
/// bytes (negative, or not a multiple of the pixel size: all accesses are unaligned-safe), and run in row bands over
/// the host's multithread suite.
/// </summary>
public static unsafe class PixelIO
{
    /// <summary>
    /// Reads <paramref name="region"/> of <paramref name="img"/> into a new 3-channel linear image; pixels of the
    /// region outside the image bounds are 0. Row 0 of the result is the top row, y = region.Y2 − 1. When <paramref name="alpha"/>
    /// is given it receives alpha (1 for RGB images).
    /// </summary>
    public static ImageF ReadLinear(Image img, OfxRectI region, TransferFunction tf, float[]? alpha, Func<bool>? isAborted)
    {
        img.Validate();
        if (img.Components == PixelComponents.Alpha)
            throw new OfxException(OfxStatus.ErrImageFormat, $"{img.ClipName} image at {img.Time} is alpha-only; RGB or RGBA needed");
        // Uninitialized: every sample is written by ReadJob (pixels outside the image explicitly as 0).
        var dst = ImageF.Rent(region.Width, region.Height, 3);
        var job = new ReadJob
        {
            Img = img, Region = region, Dst = dst, Alpha = alpha,
            Lut = img.Depth switch
            {
                PixelDepth.Byte => Linearizer.CodeTable(tf, false),
                PixelDepth.Short => Linearizer.CodeTable(tf, true),
                _ => null,
            },
            Curve = TransferCurve.For(tf),
        };
        HostThreads.ForRows(region.Height, job, isAborted);
        return dst;
    }

    private struct ReadJob : IRangeOperation
    {
        public required Image Img;
        public required OfxRectI Region;
        public required ImageF Dst;
        public required float[]? Alpha;
        public required float[]? Lut;
        public required TransferCurve Curve;

        public void Invoke(int start, int end) => ProcessRows(Region.Y1 + start, Region.Y1 + end);

        private void ProcessRows(int y1, int y2)
        {
            var b = Img.Bounds;
            int w = Region.Width, h = Region.Height, plane = w * h;
            int nc = Img.ComponentCount;
            int xa = Math.Max(Region.X1, b.X1), xb = Math.Min(Region.X2, b.X2);
            var data = Dst.Data;
            for (int y = y1; y < y2; y++)
            {
                int row = (Region.Y2 - 1 - y) * w;
                // Zero what lies outside the image.
                if (y < b.Y1 || y >= b.Y2 || xb <= xa)
                {
                    for (int c = 0; c < 3; c++) Array.Clear(data, c * plane + row, w);
                    if (Alpha != null) Array.Clear(Alpha, row, w);
                    continue;
                }
                if (xa > Region.X1 || xb < Region.X2)
                {
                    for (int c = 0; c < 3; c++)
                    {
                        Array.Clear(data, c * plane + row, xa - Region.X1);
                        Array.Clear(data, c * plane + row + (xb - Region.X1), Region.X2 - xb);
                    }
                    if (Alpha != null)
                    {
                        Array.Clear(Alpha, row, xa - Region.X1);
                        Array.Clear(Alpha, row + (xb - Region.X1), Region.X2 - xb);
                    }
                }
                byte* p = Img.PixelAddress(xa, y);
                int i = row + (xa - Region.X1);
                switch (Img.Depth)
                {
                    case PixelDepth.Float:
                        ReadFloatRow(p, nc, xb - xa, Curve, data, i, plane, Alpha);
                        break;
                    case PixelDepth.Short:
                        for (int x = xa; x < xb; x++, i++, p += nc * 2)
                        {
                            data[i] = Lut![Unsafe.ReadUnaligned<ushort>(p)];
                            data[plane + i] = Lut[Unsafe.ReadUnaligned<ushort>(p + 2)];
                            data[2 * plane + i] = Lut[Unsafe.ReadUnaligned<ushort>(p + 4)];
                            if (Alpha != null) Alpha[i] = nc == 4 ? Unsafe.ReadUnaligned<ushort>(p + 6) / 65535f : 1f;
                        }
                        break;
                    case PixelDepth.Byte:
                        for (int x = xa; x < xb; x++, i++, p += nc)
                        {
                            data[i] = Lut![p[0]];
                            data[plane + i] = Lut[p[1]];
                            data[2 * plane + i] = Lut[p[2]];
                            if (Alpha != null) Alpha[i] = nc == 4 ? p[3] / 255f : 1f;
                        }
                        break;
                    default:
                        throw new OfxException(OfxStatus.ErrImageFormat, $"unsupported pixel depth '{Img.DepthName}'");
                }
            }
        }
    }

    /// <summary>
    /// The hot loop for float input (what Resolve and Nuke deliver): no bounds checks, the transfer curve per
    /// sample (8 pixels at a time where AVX2 is there, the scalar twin for the tail). <paramref name="i"/> is the index of the first pixel in each plane.
    /// </summary>
    private static void ReadFloatRow(byte* p, int nc, int count, in TransferCurve curve, float[] data, int i, int plane, float[]? alpha)
    {
        ref float d = ref MemoryMarshal.GetArrayDataReference(data);
        ref float r = ref Unsafe.Add(ref d, i);
        ref float g = ref Unsafe.Add(ref d, plane + i);
        ref float b = ref Unsafe.Add(ref d, 2 * plane + i);
        int stride = nc * 4;
        ref float a = ref alpha != null ? ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(alpha), i) : ref Unsafe.NullRef<float>();
        int done = Linearizer.VectorSupported ? ReadFloatRowAvx2(p, nc, count, curve, ref r, ref g, ref b, ref a, alpha != null) : 0;
        p += (long)stride * done;
        for (int x = done; x < count; x++, p += stride)
        {
            Unsafe.Add(ref r, x) = Linearizer.Apply(curve, Unsafe.ReadUnaligned<float>(p));
            Unsafe.Add(ref g, x) = Linearizer.Apply(curve, Unsafe.ReadUnaligned<float>(p + 4));
            Unsafe.Add(ref b, x) = Linearizer.Apply(curve, Unsafe.ReadUnaligned<float>(p + 8));
        }
        if (alpha != null)
        {
            p -= (long)stride * (count - done);
            for (int x = done; x < count; x++, p += stride)
                Unsafe.Add(ref a, x) = nc == 4 ? Unsafe.ReadUnaligned<float>(p + 12) : 1f;
        }
    }

    /// <summary>
    /// <see cref="ReadFloatRow"/>'s colour loop 8 pixels at a time: R, G, B de-interleaved by an in-register transpose
    /// (RGBA; alpha comes out of the same transpose) or strided gathers (RGB, alpha 1), then the same
    /// clamp and curve as the scalar loop (<see cref="TransferCurve"/>'s twins give the same bits). Returns the pixels done.
    /// </summary>
    private static int ReadFloatRowAvx2(byte* p, int nc, int count, in TransferCurve curve, ref float r, ref float g, ref float b, ref float alpha, bool hasAlpha)
    {
        var idx = Avx2.MultiplyLow(Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7), Vector256.Create(nc));
        var one = Vector256.Create(1f);
        var order = Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7);
        int x = 0;
        for (; x + 8 <= count; x += 8)
        {
            float* px = (float*)(p + (long)x * nc * 4);
            Vector256<float> cr, cg, cb;
            if (nc == 4)
            {
                // 8 RGBA pixels = 4 loads of 2 pixels; a 4×4 transpose per 128-bit lane, then one lane-order fix.
                var v0 = Avx.LoadVector256(px); var v1 = Avx.LoadVector256(px + 8);
                var v2 = Avx.LoadVector256(px + 16); var v3 = Avx.LoadVector256(px + 24);
                var t0 = Avx.UnpackLow(v0, v1); var t1 = Avx.UnpackHigh(v0, v1);
                var t2 = Avx.UnpackLow(v2, v3); var t3 = Avx.UnpackHigh(v2, v3);
                cr = Avx2.PermuteVar8x32(Avx.Shuffle(t0, t2, 0x44), order);
                cg = Avx2.PermuteVar8x32(Avx.Shuffle(t0, t2, 0xEE), order);
                cb = Avx2.PermuteVar8x32(Avx.Shuffle(t1, t3, 0x44), order);
                if (hasAlpha) Avx2.PermuteVar8x32(Avx.Shuffle(t1, t3, 0xEE), order).StoreUnsafe(ref alpha, (nuint)x);
            }
            else
            {
                cr = Avx2.GatherVector256(px, idx, 4);
                cg = Avx2.GatherVector256(px + 1, idx, 4);
                cb = Avx2.GatherVector256(px + 2, idx, 4);
                if (hasAlpha) one.StoreUnsafe(ref alpha, (nuint)x);
            }
            Linearizer.Apply(curve, cr).StoreUnsafe(ref r, (nuint)x);
            Linearizer.Apply(curve, cg).StoreUnsafe(ref g, (nuint)x);
            Linearizer.Apply(curve, cb).StoreUnsafe(ref b, (nuint)x);
        }
        return x;
    }

    /// <summary>What to write per pixel: either the encoded HDR colour or a diagnostic plane as grey.</summary>
    public sealed class OutputSource
    {
        public required ImageF Rgb;
        public ImageF? Grey;
        public float[]? Alpha;
        public required OfxRectI Region;
        public float Gain = 1f;
        public OutputEncodingKind Encoding;
    }

    /// <summary>
    /// Writes <paramref name="src"/> into <paramref name="output"/> over <paramref name="window"/> ∩ the output
    /// bounds. Pixels outside <c>src.Region</c> are written as 0. Host row y takes engine row (Region.Y2 − 1 − y).
    /// </summary>
    public static void WriteOutput(Image output, OfxRectI window, OutputSource src, Func<bool>? isAborted)
    {
        output.Validate();
        var w = window.Intersect(output.Bounds);
        if (w.IsEmpty) return;
        var job = new WriteJob { Out = output, Window = w, Src = src };
        HostThreads.ForRows(w.Height, job, isAborted);
    }

    /// <summary>The output value of channel c (0..2) for a scene-linear value, shared with the tests.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float EncodeValue(float linear, float gain, OutputEncodingKind enc) => OutputEncoding.Encode(enc, linear * gain);

    private struct WriteJob : IRangeOperation
    {
        public required Image Out;
        public required OfxRectI Window;
        public required OutputSource Src;

        public void Invoke(int start, int end) => ProcessRows(Window.Y1 + start, Window.Y1 + end);

        private void ProcessRows(int y1, int y2)
        {
            var s = Src;
            var r = s.Region;
            int plane = r.Width * r.Height;
            int nc = Out.ComponentCount;
            Span<float> px = stackalloc float[4];
            for (int y = y1; y < y2; y++)
            {
                byte* p = Out.PixelAddress(Window.X1, y);
                bool rowIn = y >= r.Y1 && y < r.Y2;
                int row = (r.Y2 - 1 - y) * r.Width;
                if (rowIn && Out.Depth == PixelDepth.Float && nc == 4 && s.Grey == null && Window.X1 >= r.X1 && Window.X2 <= r.X2)
                {
                    WriteFloatRgbaRow(p, s, row + (Window.X1 - r.X1), plane, Window.Width);
                    continue;
                }
                for (int x = Window.X1; x < Window.X2; x++, p += Out.BytesPerPixel)
                {
                    if (rowIn && x >= r.X1 && x < r.X2)
                    {
                        int i = row + (x - r.X1);
                        if (s.Grey != null)
                        {
                            float g = s.Grey.Data[i];
                            px[0] = g; px[1] = g; px[2] = g;
                        }
                        else
                        {
                            px[0] = EncodeValue(s.Rgb.Data[i], s.Gain, s.Encoding);
                            px[1] = EncodeValue(s.Rgb.Data[plane + i], s.Gain, s.Encoding);
                            px[2] = EncodeValue(s.Rgb.Data[2 * plane + i], s.Gain, s.Encoding);
                        }
                        px[3] = s.Alpha != null ? s.Alpha[i] : 1f;
                    }
                    else
                    {
                        px.Clear();
                    }
                    Store(p, px, nc);
                }
            }
        }

        /// <summary>The common case (float RGBA output, colour view, row inside the source) without per-pixel dispatch.</summary>
        private static void WriteFloatRgbaRow(byte* p, OutputSource s, int i, int plane, int count)
        {
            ref float d = ref MemoryMarshal.GetArrayDataReference(s.Rgb.Data);
            ref float r = ref Unsafe.Add(ref d, i);
            ref float g = ref Unsafe.Add(ref d, plane + i);
            ref float b = ref Unsafe.Add(ref d, 2 * plane + i);
            float gain = s.Gain;
            var enc = s.Encoding;
            bool hasAlpha = s.Alpha != null;
            ref float a = ref hasAlpha ? ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(s.Alpha!), i) : ref Unsafe.NullRef<float>();
            int x = 0;
            if (enc == OutputEncodingKind.SceneLinear && Avx.IsSupported)
            {
                // 8 pixels: scale, then the inverse of the reader's transpose (planar → RGBA), 4 stores.
                var vg = Vector256.Create(gain);
                var one = Vector256.Create(1f);
                for (; x + 8 <= count; x += 8, p += 128)
                {
                    var cr = Vector256.LoadUnsafe(ref r, (nuint)x) * vg;
                    var cg = Vector256.LoadUnsafe(ref g, (nuint)x) * vg;
                    var cb = Vector256.LoadUnsafe(ref b, (nuint)x) * vg;
                    var ca = hasAlpha ? Vector256.LoadUnsafe(ref a, (nuint)x) : one;
                    var t0 = Avx.UnpackLow(cr, cg); var t1 = Avx.UnpackHigh(cr, cg);
                    var t2 = Avx.UnpackLow(cb, ca); var t3 = Avx.UnpackHigh(cb, ca);
                    var q0 = Avx.Shuffle(t0, t2, 0x44); var q1 = Avx.Shuffle(t0, t2, 0xEE);
                    var q2 = Avx.Shuffle(t1, t3, 0x44); var q3 = Avx.Shuffle(t1, t3, 0xEE);
                    Avx.Store((float*)p, Avx.Permute2x128(q0, q1, 0x20));
                    Avx.Store((float*)(p + 32), Avx.Permute2x128(q2, q3, 0x20));
                    Avx.Store((float*)(p + 64), Avx.Permute2x128(q0, q1, 0x31));
                    Avx.Store((float*)(p + 96), Avx.Permute2x128(q2, q3, 0x31));
                }
            }
            for (; x < count; x++, p += 16)
            {
                float vr = Unsafe.Add(ref r, x) * gain, vg = Unsafe.Add(ref g, x) * gain, vb = Unsafe.Add(ref b, x) * gain;
                if (enc != OutputEncodingKind.SceneLinear)
                {
                    vr = OutputEncoding.Encode(enc, vr);
                    vg = OutputEncoding.Encode(enc, vg);
                    vb = OutputEncoding.Encode(enc, vb);
                }
                Unsafe.WriteUnaligned(p, vr);
                Unsafe.WriteUnaligned(p + 4, vg);
                Unsafe.WriteUnaligned(p + 8, vb);
                Unsafe.WriteUnaligned(p + 12, hasAlpha ? Unsafe.Add(ref a, x) : 1f);
            }
        }

        private void Store(byte* p, Span<float> px, int nc)
        {
            // RGBA: r g b a; RGB: r g b; Alpha: a.
            int first = nc == 1 ? 3 : 0;
            for (int k = 0; k < nc; k++)
            {
                float v = px[first + k];
                switch (Out.Depth)
                {
                    case PixelDepth.Float:
                        Unsafe.WriteUnaligned(p + 4 * k, v);
                        break;
                    case PixelDepth.Short:
                        Unsafe.WriteUnaligned(p + 2 * k, (ushort)Math.Clamp(MathF.Round(v * 65535f), 0f, 65535f));
                        break;
                    case PixelDepth.Byte:
                        p[k] = (byte)Math.Clamp(MathF.Round(v * 255f), 0f, 255f);
                        break;
                    default:
                        throw new OfxException(OfxStatus.ErrImageFormat, $"unsupported output depth '{Out.DepthName}'");
                }
            }
        }
    }
}
