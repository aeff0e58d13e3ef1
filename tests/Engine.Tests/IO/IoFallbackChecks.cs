using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.IO.Exr;
using HdrOfx.Engine.IO.Exr.Piz;
using HdrOfx.Engine.IO.Png;

namespace HdrOfx.Engine.Tests.IO;

/// <summary>
/// The I/O codecs' vector paths, checked again by <see cref="Tensors.FallbackSelfTest"/> in child processes without AVX2 or
/// without any intrinsics: float → half against the <see cref="Half"/> cast, the Paeth and Up rows against the scalar
/// predictor, the RGB row store and the CRC against theirs, the PIZ kernels (wavelet, value map, Huffman writer) against
/// their scalar references, and a managed PIZ file read back.
/// </summary>
public static class IoFallbackChecks
{
    public static int Run(TextWriter log)
    {
        int failures = 0;
        void Check(string name, Func<string?> f)
        {
            string? error;
            try { error = f(); }
            catch (Exception e) { error = e.GetType().Name + ": " + e.Message; }
            if (error is null) log.WriteLine($"ok   {name}");
            else { log.WriteLine($"FAIL {name}: {error}"); failures++; }
        }

        Check("float to half", () =>
        {
            var src = new float[(1 << 19) * 4];
            uint[] low = [0, 0x0FFF, 0x1000, 0x1001];
            for (int i = 0; i < src.Length; i++) src[i] = BitConverter.UInt32BitsToSingle((uint)(i / 4) << 13 | low[i % 4]);
            var dst = new ushort[src.Length];
            HalfConversion.ToHalf(src, dst);
            for (int i = 0; i < src.Length; i++)
                if (dst[i] != HalfConversion.ToHalfScalar(src[i])) return $"0x{BitConverter.SingleToUInt32Bits(src[i]):X8} → 0x{dst[i]:X4}";
            return null;
        });

        Check("paeth and up rows", () =>
        {
            var rng = new Random(5);
            foreach (int bpp in new[] { 1, 3, 4, 6, 8 })
                for (int n = 0; n <= 64; n++)
                {
                    var prev = new byte[n];
                    var row = new byte[n];
                    rng.NextBytes(prev);
                    rng.NextBytes(row);
                    var want = (byte[])row.Clone();
                    for (int i = 0; i < n; i++) want[i] += i < bpp ? prev[i] : PngReader.Paeth(want[i - bpp], prev[i], prev[i - bpp]);
                    var got = (byte[])row.Clone();
                    for (int i = 0; i < Math.Min(bpp, n); i++) got[i] += prev[i];
                    PngReader.PaethRow(got, prev, bpp);
                    if (!got.AsSpan().SequenceEqual(want)) return $"Paeth, bpp {bpp}, {n} bytes";
                    var up = (byte[])row.Clone();
                    PngReader.UpRow(up, prev);
                    for (int i = 0; i < n; i++) if (up[i] != (byte)(row[i] + prev[i])) return $"Up, {n} bytes";
                }
            return null;
        });

        Check("rgb rows and crc", () =>
        {
            var rng = new Random(6);
            foreach (int w in new[] { 0, 1, 5, 6, 7, 33, 1921 })
            {
                var row = new byte[3 * w];
                rng.NextBytes(row);
                var want = new float[3 * w];
                var got = new float[3 * w];
                PngReader.StoreRgbRowScalar(row, want, w, w, 3, 8);
                PngReader.StoreRgbRow(row, got, w, w, 3, 8);
                if (!got.AsSpan().SequenceEqual(want)) return $"RGB row, width {w}";
                if (Crc32.Update(~0u, row) != Crc32.UpdateBytewise(~0u, row)) return $"CRC, {row.Length} bytes";
            }
            return null;
        });

        Check("piz kernels", () =>
        {
            var rng = new Random(7);
            foreach (int max in new[] { 1000, 65535 })
                foreach (var (nx, ny) in new[] { (17, 5), (1921, 32), (40, 3) })
                {
                    var data = new ushort[nx * ny];
                    for (int i = 0; i < data.Length; i++) data[i] = (ushort)rng.Next(max + 1);
                    var want = (ushort[])data.Clone();
                    unsafe
                    {
                        fixed (ushort* d = data) ExrWavelet.Encode(d, nx, 1, ny, nx, (ushort)max);
                        fixed (ushort* d = want) ExrWavelet.EncodeReference(d, nx, 1, ny, nx, (ushort)max);
                    }
                    if (!data.AsSpan().SequenceEqual(want)) return $"wavelet {nx}x{ny}, max {max}";
                    var enc = new PizChunkEncoder();
                    var mapped = (ushort[])data.Clone();
                    if (enc.MapUsedValues(mapped) != enc.MapUsedValues(want, reference: true) || !mapped.AsSpan().SequenceEqual(want)) return $"value map {nx}x{ny}";
                    var huffman = new ExrHuffmanEncoder();
                    var a = new byte[huffman.Plan(data)];
                    int la = huffman.Write(data, a);
                    var b = new byte[huffman.Plan(data)];
                    int lb = huffman.Write(data, b, reference: true);
                    if (!a.AsSpan(0, la).SequenceEqual(b.AsSpan(0, lb))) return $"Huffman {nx}x{ny}";
                }
            return null;
        });

        Check("managed PIZ read back", () =>
        {
            string file = Path.Combine(Path.GetTempPath(), $"hdrofx-fallback-{Guid.NewGuid():N}.exr");
            try
            {
                var src = Exr.ExrTestImages.Make(130, 70, 3, seed: 9);
                ExrWriter.WriteUnstaged(file, src, ExrPixelType.Half, ExrCompression.Piz);
                var back = ExrReader.Read(file);
                for (int i = 0; i < src.Data.Length; i++)
                    if (HalfConversion.ToHalfScalar(back.Data[i]) != HalfConversion.ToHalfScalar(src.Data[i])) return $"sample {i}";
                return null;
            }
            finally { File.Delete(file); }
        });
        return failures;
    }
}
