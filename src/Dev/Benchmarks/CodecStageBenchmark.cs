using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;
using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.IO.Exr;
using HdrOfx.Engine.IO.Exr.Piz;
using HdrOfx.Engine.IO.Png;

namespace HdrOfx.Dev.Benchmarks;

/// <summary>
/// The batch path's input and output stages on one frame, one thread (<see cref="ParallelRange.MaxThreads"/> = 1), each
/// timed by CPU clocks, best of <c>repeats</c>: the process's for a whole stage (whatever threads it uses), the calling
/// thread's (CLOCK_THREAD_CPUTIME_ID) for the PIZ encoder's steps. CPU time, not wall time,
/// because the 2-core machine is shared and wall time there measures the other sessions. The PNG is one frame of the
/// procedural bench clip as 8-bit sRGB; the EXR input is that frame's linear values scaled into an HDR range.
/// </summary>
public static class CodecStageBenchmark
{
    public sealed record Stage(string Name, double BestCpuMs);

    public static IReadOnlyList<Stage> Run(int width, int height, int repeats)
    {
        if (repeats < 1) throw new ArgumentOutOfRangeException(nameof(repeats), $"{repeats} < 1");
        var pattern = new ExposurePattern([-1.5, 1.5], 0);
        var clip = ClassicalBenchmark.MakeClip(width, height, 1, pattern);
        var hdr = clip[0].Linear;
        var srgb = new ImageF(width, height, 3);
        hdr.Data.CopyTo(srgb.Data);
        TransferFunctions.FromLinear(TransferFunction.Srgb, srgb.Data);
        // An HDR range like the reconstruction's: the clipped exposure undone, highlights beyond 1.
        var d = hdr.Data;
        for (int i = 0; i < d.Length; i++) d[i] = d[i] * d[i] * 12f;

        string dir = Path.Combine(Path.GetTempPath(), $"hdrofx-codecs-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        int threads = ParallelRange.MaxThreads;
        ParallelRange.MaxThreads = 1;
        try
        {
            string png = Path.Combine(dir, "frame.png"), exr = Path.Combine(dir, "frame.exr");
            PngWriter.Write(png, srgb, 8);
            byte[] file = File.ReadAllBytes(png), idat = Idat(file);
            var stages = new List<Stage>
            {
                Best("PNG decode (8-bit RGB, whole)", repeats, () => PngReader.Read(png).Dispose()),
                Best("  of which inflate (ZLibStream)", repeats, () => Inflate(idat, width, height)),
                Best($"  of which chunk CRCs ({file.Length / 1e6:0.0} MB)", repeats, () => Crc32.Compute(file)),
                Best("EXR half PIZ encode and write (whole)", repeats, () => ExrWriter.WriteUnstaged(exr, hdr, ExrPixelType.Half, ExrCompression.Piz)),
            };
            stages.AddRange(PizParts(hdr, repeats));
            return stages;
        }
        finally
        {
            ParallelRange.MaxThreads = threads;
            try { Directory.Delete(dir, recursive: true); }
            catch (IOException) { }
        }
    }

    /// <summary>The PIZ encoder's steps over every 32-line chunk of the frame, each summed over the chunks.</summary>
    private static IEnumerable<Stage> PizParts(ImageF image, int repeats)
    {
        const int Lines = 32;
        int[] planes = [2, 1, 0];
        var enc = PizChunkEncoder.ForThread();
        var huffman = new ExrHuffmanEncoder();
        var names = new[] { "  PIZ: float → half", "  PIZ: bitmap and LUT", "  PIZ: wavelet", "  PIZ: Huffman count and code", "  PIZ: Huffman write" };
        var best = Enumerable.Repeat(double.MaxValue, names.Length).ToArray();
        var dst = new byte[4 * image.Width * Lines * planes.Length + 65536];
        for (int r = 0; r < repeats; r++)
        {
            var sum = new double[names.Length];
            for (int y0 = 0; y0 < image.Height; y0 += Lines)
            {
                int lines = Math.Min(Lines, image.Height - y0);
                long t0 = ThreadCpuNs();
                var data = enc.LoadHalves(image, planes, y0, lines);
                long t1 = ThreadCpuNs();
                ushort max = enc.MapUsedValues(data);
                long t2 = ThreadCpuNs();
                PizChunkEncoder.Wavelets(data, image.Width, lines, planes.Length, max);
                long t3 = ThreadCpuNs();
                huffman.Plan(data);
                long t4 = ThreadCpuNs();
                huffman.Write(data, dst);
                long t5 = ThreadCpuNs();
                sum[0] += t1 - t0; sum[1] += t2 - t1; sum[2] += t3 - t2; sum[3] += t4 - t3; sum[4] += t5 - t4;
            }
            for (int k = 0; k < names.Length; k++) best[k] = Math.Min(best[k], sum[k] / 1e6);
        }
        return names.Select((n, k) => new Stage(n, best[k]));
    }

    private static Stage Best(string name, int repeats, Action body)
    {
        body();
        double best = double.MaxValue;
        for (int r = 0; r < repeats; r++)
        {
            var t0 = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
            body();
            best = Math.Min(best, (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - t0).TotalMilliseconds);
        }
        return new Stage(name, best);
    }

    private static void Inflate(byte[] idat, int width, int height)
    {
        var raw = System.Buffers.ArrayPool<byte>.Shared.Rent((3 * width + 1) * height);
        try
        {
            using var z = new ZLibStream(new MemoryStream(idat, writable: false), CompressionMode.Decompress);
            int got = 0, n;
            while (got < raw.Length && (n = z.Read(raw, got, raw.Length - got)) > 0) got += n;
        }
        finally { System.Buffers.ArrayPool<byte>.Shared.Return(raw); }
    }

    /// <summary>The IDAT chunks' data, concatenated.</summary>
    private static byte[] Idat(byte[] file)
    {
        var ms = new MemoryStream();
        for (int pos = 8; pos + 12 <= file.Length;)
        {
            int len = (int)BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(pos));
            if (file.AsSpan(pos + 4, 4).SequenceEqual("IDAT"u8)) ms.Write(file, pos + 8, len);
            pos += 12 + len;
        }
        return ms.ToArray();
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec { public long Seconds, Nanoseconds; }

    [DllImport("libc", EntryPoint = "clock_gettime", SetLastError = true)]
    private static extern int ClockGetTime(int clock, out TimeSpec ts);

    /// <summary>This thread's CPU time in nanoseconds (Linux; elsewhere the process's, which includes other threads).</summary>
    public static long ThreadCpuNs()
    {
        if (OperatingSystem.IsLinux())
        {
            const int ClockThreadCpuTime = 3;
            if (ClockGetTime(ClockThreadCpuTime, out var ts) != 0) throw new InvalidOperationException($"clock_gettime failed: errno {Marshal.GetLastPInvokeError()}");
            return ts.Seconds * 1_000_000_000 + ts.Nanoseconds;
        }
        return System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.Ticks * 100;
    }
}
