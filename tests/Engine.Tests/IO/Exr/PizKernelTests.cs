using HdrOfx.Engine.IO.Exr.Piz;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.IO.Exr;

/// <summary>
/// The PIZ encoder's fast kernels, each against its scalar reference on random data of awkward sizes (not multiples of
/// the vector width): the Huffman bit writer, the symbol scan, the count sort, the wavelet and the value map.
/// </summary>
public class PizKernelTests
{
    /// <summary>Symbols like a wavelet's output: mostly small signed differences, with runs of every length around 255.</summary>
    private static ushort[] Symbols(Random rng, int n, string kind)
    {
        var s = new ushort[n];
        for (int i = 0; i < n;)
        {
            ushort v = kind switch
            {
                "small" => (ushort)(short)rng.Next(-40, 41),
                "wide" => (ushort)rng.Next(65536),
                "one" => 7,
                _ => (ushort)(short)(rng.Next(3) - 1),
            };
            int run = kind == "runs" ? rng.Next(1, 600) : kind == "one" ? n : rng.Next(10) == 0 ? rng.Next(1, 300) : 1;
            for (int k = 0; k < run && i < n; k++) s[i++] = v;
        }
        return s;
    }

    [Test]
    public void Huffman_write_gives_the_reference_bit_writers_bytes(
        [Values("small", "wide", "runs", "one")] string kind, [Values(1, 2, 7, 255, 256, 257, 1000, 65_537)] int n)
    {
        var rng = new Random(n * 31 + kind.Length);
        var raw = Symbols(rng, n, kind);
        var huffman = new ExrHuffmanEncoder();
        long bound = huffman.Plan(raw);
        var fast = new byte[bound];
        int fastLength = huffman.Write(raw, fast);
        Assert.That(huffman.Plan(raw), Is.EqualTo(bound));
        var reference = new byte[bound];
        int referenceLength = huffman.Write(raw, reference, reference: true);
        Assert.That(fastLength, Is.EqualTo(referenceLength));
        Assert.That(fast.AsSpan(0, fastLength).SequenceEqual(reference.AsSpan(0, referenceLength)), Is.True, "bytes differ");
    }

    [Test]
    public void Huffman_write_refuses_a_destination_shorter_than_the_plan()
    {
        var raw = Symbols(new Random(3), 5000, "small");
        var huffman = new ExrHuffmanEncoder();
        int length = huffman.Write(raw, new byte[huffman.Plan(raw)]);
        huffman.Plan(raw);
        // The block's own length lacks the 8 bytes the unchecked stores may touch beyond the data.
        Assert.Throws<ArgumentException>(() => huffman.Write(raw, new byte[length]));
    }

    [Test]
    public void Symbol_scan_finds_the_non_zero_counts_in_order([Values(0, 1, 7, 8, 9, 31, 257, 65_536)] int length)
    {
        var rng = new Random(length);
        foreach (double density in new[] { 0.0, 0.01, 0.3, 1.0 })
        {
            var counts = new int[length];
            for (int i = 0; i < length; i++) counts[i] = rng.NextDouble() < density ? rng.Next(1, 100) : 0;
            var got = new int[length];
            int n = ExrHuffmanEncoder.CollectSymbols(counts, got);
            var want = Enumerable.Range(0, length).Where(i => counts[i] != 0).ToArray();
            Assert.That(got.Take(n), Is.EqualTo(want), $"density {density}");
        }
    }

    [Test]
    public void Count_sort_orders_by_count_then_symbol([Values(1, 2, 5, 300, 7000)] int n, [Values(10, 5000, 1 << 20, int.MaxValue)] int maxCount)
    {
        var rng = new Random(n ^ maxCount);
        var freq = new int[65537];
        var symbols = Enumerable.Range(0, 65537).OrderBy(_ => rng.Next()).Take(n).Order().ToArray();
        foreach (int s in symbols) freq[s] = rng.Next(4) == 0 ? 1 + rng.Next(3) : 1 + (int)(rng.NextDouble() * (maxCount - 1.0));
        var keys = new long[n];
        var sorted = new int[n];
        ExrHuffmanEncoder.SortByCount(freq, symbols, keys, sorted, new long[n], new int[n]);
        var want = symbols.OrderBy(s => freq[s]).ThenBy(s => s).ToArray();
        Assert.That(sorted, Is.EqualTo(want));
        Assert.That(keys, Is.EqualTo(want.Select(s => (long)freq[s]).ToArray()));
    }

    [Test]
    public unsafe void Wavelet_vector_path_gives_the_scalar_pairs_results(
        [Values(1, 2, 3, 15, 16, 17, 31, 33, 100, 1921)] int nx, [Values(1, 2, 3, 16, 32)] int ny, [Values(100, 16383, 16384, 65535)] int max)
    {
        var rng = new Random(nx * 1000 + ny * 7 + max);
        foreach (bool extremes in new[] { false, true })
        {
            // Random values up to max, or only the values at the ends of the range (the sums' overflow cases).
            var data = new ushort[nx * ny];
            for (int i = 0; i < data.Length; i++)
                data[i] = extremes ? (ushort)(rng.Next(2) == 0 ? rng.Next(3) : max - rng.Next(3)) : (ushort)rng.Next(max + 1);
            var want = (ushort[])data.Clone();
            fixed (ushort* d = data) ExrWavelet.Encode(d, nx, 1, ny, nx, (ushort)max);
            fixed (ushort* w = want) ExrWavelet.EncodeReference(w, nx, 1, ny, nx, (ushort)max);
            Assert.That(data, Is.EqualTo(want), extremes ? "extremes" : "random");
        }
    }

    [Test]
    public void Value_map_from_the_bitmaps_bits_gives_the_running_sums_ranks([Values(1, 5, 257, 6000, 184_320)] int n)
    {
        var rng = new Random(n);
        var enc = new PizChunkEncoder();
        foreach (string kind in new[] { "sparse", "dense", "no zero", "all" })
        {
            var data = new ushort[n];
            for (int i = 0; i < n; i++)
                data[i] = kind switch
                {
                    "sparse" => (ushort)(rng.Next(20) * 3001),
                    "dense" => (ushort)rng.Next(65536),
                    "no zero" => (ushort)rng.Next(1, 65536),
                    _ => (ushort)(i % 65536),
                };
            var want = (ushort[])data.Clone();
            ushort wantMax = enc.MapUsedValues(want, reference: true);
            var wantBitmap = enc.Bitmap.ToArray();
            ushort max = enc.MapUsedValues(data);
            Assert.That(max, Is.EqualTo(wantMax), kind);
            Assert.That(data, Is.EqualTo(want), kind);
            Assert.That(enc.Bitmap.ToArray(), Is.EqualTo(wantBitmap), kind);
        }
    }
}
