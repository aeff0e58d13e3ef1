using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.IO.Exr;
using HdrOfx.Engine.IO.Exr.Piz;
using HdrOfx.Engine.Parallelism;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.IO.Exr;

/// <summary>
/// The managed PIZ encoder (half samples) against OpenEXRCore's own PIZ encoder as the reference: both files decode to
/// the source's half bits, and ours is no larger. oiiotool decodes the same contents in <see cref="PizOiioTests"/>.
/// </summary>
public class PizEncoderTests
{
    internal static readonly string[] Contents = ["hdr", "zero", "constant", "runs", "wide", "special", "incompressible"];

    /// <summary>
    /// hdr: smooth HDR with noise; zero: no value but zero (no bitmap); constant: one value (runs of 255); runs: flat
    /// steps; wide: over 2^14 distinct values (the 16-bit wavelet); special: NaN, ±∞, subnormals, −0, beyond half range;
    /// incompressible: uniformly random finite halves (chunks stored raw).
    /// </summary>
    internal static ImageF Content(string kind, int w, int h, int channels, int seed)
    {
        if (kind == "hdr") return ExrTestImages.Make(w, h, channels, seed);
        var rng = new Random(seed);
        var img = new ImageF(w, h, channels);
        var d = img.Data;
        for (int i = 0; i < d.Length; i++)
            d[i] = kind switch
            {
                "zero" => 0f,
                "constant" => 1.5f,
                "runs" => (i / 37 % 5) * 0.25f,
                "wide" => RandomFiniteHalf(rng),
                "special" => (i % 9) switch
                {
                    0 => float.NaN,
                    1 => float.PositiveInfinity,
                    2 => float.NegativeInfinity,
                    3 => -0f,
                    4 => 3e-7f * rng.NextSingle(),
                    5 => 1e6f,
                    6 => -70000f,
                    _ => rng.NextSingle() * 4 - 2,
                },
                "incompressible" => RandomFiniteHalf(rng),
                _ => throw new ArgumentException(kind),
            };
        return img;
    }

    private static float RandomFiniteHalf(Random rng)
    {
        while (true)
        {
            ushort bits = (ushort)rng.Next(65536);
            if ((bits & 0x7C00) != 0x7C00) return (float)BitConverter.UInt16BitsToHalf(bits);
        }
    }

    private static IEnumerable<TestCaseData> Cases()
    {
        (int W, int H)[] sizes = [(1, 1), (2, 1), (1, 2), (3, 5), (37, 23), (64, 64), (130, 70), (1920, 33)];
        int seed = 0;
        foreach (string kind in Contents)
            foreach (var (w, h) in sizes)
                foreach (int ch in new[] { 1, 3, 4 })
                {
                    if (kind == "incompressible" && w * h < 64) continue;
                    yield return new TestCaseData(kind, w, h, ch, ++seed).SetArgDisplayNames(kind, $"{w}x{h}", $"{ch}ch");
                }
    }

    [TestCaseSource(nameof(Cases))]
    public void Managed_piz_decodes_to_the_source_halves_as_OpenExrCore_piz_does(string kind, int w, int h, int channels, int seed)
    {
        using var dir = ExrTestImages.NewTempDir();
        var src = Content(kind, w, h, channels, seed);
        string ours = dir.File("ours.exr"), core = dir.File("core.exr");
        ExrWriter.WriteUnstaged(ours, src, ExrPixelType.Half, ExrCompression.Piz);
        ExrWriter.WriteWithCoreEncoder(core, src, ExrPixelType.Half, ExrCompression.Piz);
        Assert.That(ExrReader.ReadInfo(ours).Compression, Is.EqualTo(ExrCompression.Piz));
        var want = src.Data.Select(HalfConversion.ToHalfScalar).ToArray();
        foreach (string file in new[] { ours, core })
        {
            var back = ExrReader.Read(file);
            Assert.That((back.Width, back.Height, back.Channels), Is.EqualTo((w, h, channels)));
            var got = back.Data.Select(HalfConversion.ToHalfScalar).ToArray();
            Assert.That(got, Is.EqualTo(want), Path.GetFileName(file));
        }
        // Both codes are Huffman codes of the same counts (optimal, equal cost); run decisions may differ by a few bits.
        long oursSize = new FileInfo(ours).Length, coreSize = new FileInfo(core).Length;
        Assert.That(oursSize, Is.LessThanOrEqualTo(coreSize + coreSize / 200 + 16), $"ours {oursSize} bytes, OpenEXRCore {coreSize}");
    }

    [Test]
    public void The_file_is_the_same_whatever_the_number_of_chunk_batches([Values(ExrCompression.Piz, ExrCompression.Zip)] ExrCompression compression)
    {
        // 1080 lines: 34 PIZ or 68 ZIP chunks, in one batch on one thread and in several on three.
        using var dir = ExrTestImages.NewTempDir();
        var src = Content("hdr", 64, 1080, 3, 21);
        int threads = ParallelRange.MaxThreads;
        var files = new List<byte[]>();
        try
        {
            foreach (int t in new[] { 1, 3 })
            {
                ParallelRange.MaxThreads = t;
                string file = dir.File($"t{t}.exr");
                ExrWriter.WriteUnstaged(file, src, ExrPixelType.Half, compression);
                files.Add(File.ReadAllBytes(file));
            }
        }
        finally { ParallelRange.MaxThreads = threads; }
        Assert.That(files[1], Is.EqualTo(files[0]));
    }

    [Test]
    public void A_chunk_that_piz_cannot_shrink_is_stored_raw_and_one_it_can_is_not()
    {
        var enc = PizChunkEncoder.ForThread();
        int[] planes = [2, 1, 0];
        var noise = Content("incompressible", 200, 32, 3, 5);
        var (buffer, length) = enc.Encode(noise, planes, 0, 32);
        Assert.That(length, Is.EqualTo(2 * 200 * 32 * 3), "raw: 2 bytes a sample");
        // Raw layout: line by line, channels in file order.
        var raw = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(buffer.AsSpan(0, length));
        Assert.That(raw[0], Is.EqualTo(HalfConversion.ToHalfScalar(noise[2, 0, 0])));
        Assert.That(raw[200], Is.EqualTo(HalfConversion.ToHalfScalar(noise[1, 0, 0])));
        Assert.That(raw[600 + 7], Is.EqualTo(HalfConversion.ToHalfScalar(noise[2, 1, 7])));
        System.Buffers.ArrayPool<byte>.Shared.Return(buffer);

        var smooth = Content("runs", 200, 32, 3, 5);
        (buffer, length) = enc.Encode(smooth, planes, 0, 32);
        Assert.That(length, Is.LessThan(2 * 200 * 32 * 3));
        System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
    }

    [Test]
    public void Code_lengths_are_those_of_a_Huffman_code([Values(2, 3, 5, 17, 300, 4000)] int symbols)
    {
        var rng = new Random(symbols);
        for (int trial = 0; trial < 20; trial++)
        {
            var freq = Enumerable.Range(0, symbols).Select(_ => (long)(trial % 2 == 0 ? rng.Next(1, 1000) : 1 + (int)Math.Pow(2, rng.Next(0, 20)))).ToArray();
            Array.Sort(freq);
            var lengths = (long[])freq.Clone();
            ExrHuffmanEncoder.MinimumRedundancy(lengths);
            // The reference: Huffman's algorithm with a priority queue; its cost is the optimum.
            var q = new PriorityQueue<long, long>();
            foreach (long f in freq) q.Enqueue(f, f);
            long optimum = 0;
            while (q.Count > 1)
            {
                long s = q.Dequeue() + q.Dequeue();
                optimum += s;
                q.Enqueue(s, s);
            }
            long cost = 0;
            double kraft = 0;
            for (int i = 0; i < symbols; i++)
            {
                cost += freq[i] * lengths[i];
                kraft += Math.Pow(2, -lengths[i]);
            }
            Assert.That(cost, Is.EqualTo(optimum), "total bits");
            Assert.That(kraft, Is.EqualTo(1.0).Within(1e-12), "a complete prefix code");
        }
    }
}
