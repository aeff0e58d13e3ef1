using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace HdrOfx.Engine.IO.Exr.Piz;

/// <summary>
/// The encoder of OpenEXR's Huffman coder for 16-bit symbols (ImfHuf.cpp's hufCompress, the back end of PIZ): code
/// lengths of a Huffman code over the symbols' counts plus one run-length pseudo-symbol, the canonical code OpenEXR
/// derives from those lengths, the lengths packed 6 bits each with zero runs, then the symbols MSB first, where a symbol
/// repeated r more times (r ≤ 255) is sent as symbol, run symbol, 8 bits of r whenever that is shorter. Any Huffman code
/// decodes the same, so the lengths come from an O(n) pass over the sorted counts (Moffat and Katajainen 1995) rather than
/// OpenEXR's heap. One instance per thread: it owns its tables.
/// </summary>
internal sealed class ExrHuffmanEncoder
{
    private const int EncSize = 65537;
    private const int ShortZeroCodeRun = 59, LongZeroCodeRun = 63, ShortestLongRun = 2 + LongZeroCodeRun - ShortZeroCodeRun, LongestLongRun = 255 + ShortestLongRun;
    /// <summary>Bytes before the table: im, iM, table length, data bits, and one reserved word.</summary>
    public const int HeaderBytes = 20;

    private readonly int[] _freq = new int[EncSize];
    /// <summary>Code &lt;&lt; 6 | length, OpenEXR's own packing: the encoding loop loads one entry a symbol.</summary>
    private readonly ulong[] _entry = new ulong[EncSize];
    private readonly byte[] _length = new byte[EncSize];
    private readonly int[] _symbols = new int[EncSize];
    private readonly long[] _sortKey = new long[EncSize];
    private readonly int[] _sortSymbol = new int[EncSize];
    private readonly long[] _radixKey = new long[EncSize];
    private readonly int[] _radixSymbol = new int[EncSize];
    private int _count, _runSymbol, _planned = -1;
    private long _plannedBits;

    /// <summary>
    /// Counts <paramref name="raw"/> (not empty) and builds its code; returns an upper bound of <see cref="Write"/>'s output,
    /// which must follow with the same symbols.
    /// </summary>
    public long Plan(ReadOnlySpan<ushort> raw)
    {
        if (raw.IsEmpty) throw new ArgumentException("nothing to compress", nameof(raw));
        var freq = _freq;
        ref int f = ref MemoryMarshal.GetArrayDataReference(freq);
        foreach (ushort v in raw) Unsafe.Add(ref f, v)++;
        // The symbols in use, in increasing order; the run symbol follows the largest.
        int n = CollectSymbols(freq.AsSpan(0, EncSize - 1), _symbols);
        _runSymbol = _symbols[n - 1] + 1;
        freq[_runSymbol] = 1;
        _symbols[n++] = _runSymbol;
        _count = n;
        BuildLengths();
        CanonicalCodes();
        long dataBits = 0;
        for (int i = 0; i < n; i++)
        {
            int s = _symbols[i];
            dataBits += (long)freq[s] * _length[s];
        }
        _planned = raw.Length;
        _plannedBits = dataBits;
        return Bound(dataBits, _runSymbol - _symbols[0] + 1);
    }

    /// <summary>Writes the block <see cref="Plan"/> was called for into <paramref name="dst"/> (at least the planned size); returns its length.</summary>
    public int Write(ReadOnlySpan<ushort> raw, Span<byte> dst) => Write(raw, dst, reference: false);

    /// <param name="reference">Encode the symbols with the plain <see cref="BitWriter"/> loop (<see cref="EncodeReference"/>), the twin tests' reference.</param>
    internal int Write(ReadOnlySpan<ushort> raw, Span<byte> dst, bool reference)
    {
        if (raw.Length != _planned) throw new InvalidOperationException("Write must follow Plan with the same symbols");
        _planned = -1;
        int im = _symbols[0], iM = _runSymbol;
        int tableLength = PackTable(dst[HeaderBytes..]);
        var data = dst[(HeaderBytes + tableLength)..];
        long nBits = reference ? EncodeReference(raw, data) : Encode(raw, data);
        BinaryPrimitives.WriteInt32LittleEndian(dst, im);
        BinaryPrimitives.WriteInt32LittleEndian(dst[4..], iM);
        BinaryPrimitives.WriteInt32LittleEndian(dst[8..], tableLength);
        BinaryPrimitives.WriteInt32LittleEndian(dst[12..], checked((int)nBits));
        BinaryPrimitives.WriteInt32LittleEndian(dst[16..], 0);
        // Only the entries in use were set: clear those for the next block.
        for (int i = 0; i < _count; i++)
        {
            int s = _symbols[i];
            _freq[s] = 0;
            _length[s] = 0;
        }
        _count = 0;
        return HeaderBytes + tableLength + (int)((nBits + 7) / 8);
    }

    /// <summary>An upper bound of the block: header, 6 bits per table entry at most, the data bits, and the bit writer's 8-byte stores.</summary>
    private static long Bound(long dataBits, int tableEntries) => HeaderBytes + (6L * tableEntries + 7) / 8 + (dataBits + 7) / 8 + 16;

    /// <summary>Code lengths of a Huffman code for the symbols in use (the run symbol included).</summary>
    private void BuildLengths()
    {
        int n = _count;
        var a = _sortKey.AsSpan(0, n);
        SortByCount(_freq, _symbols.AsSpan(0, n), a, _sortSymbol.AsSpan(0, n), _radixKey.AsSpan(0, n), _radixSymbol.AsSpan(0, n));
        MinimumRedundancy(a);
        for (int i = 0; i < n; i++)
        {
            long l = a[i];
            // OpenEXR allows 58 bits; the bit writer takes 57. A code that long needs counts beyond 2^31 (a Fibonacci bound).
            if (l is < 1 or > 57) throw new InvalidOperationException($"Huffman code length {l} out of range");
            _length[_sortSymbol[i]] = (byte)l;
        }
    }

    /// <summary>
    /// The indices of the non-zero <paramref name="counts"/>, ascending, into <paramref name="symbols"/>; returns how many.
    /// Eight counts a compare: most of the 65536 are zero, and a search call per symbol cost more than the search.
    /// </summary>
    internal static int CollectSymbols(ReadOnlySpan<int> counts, Span<int> symbols)
    {
        int n = 0, i = 0, len = counts.Length;
        if (Vector256.IsHardwareAccelerated)
        {
            ref int c = ref MemoryMarshal.GetReference(counts);
            for (; i + 8 <= len; i += 8)
            {
                uint mask = ~Vector256.Equals(Vector256.LoadUnsafe(ref c, (nuint)i), Vector256<int>.Zero).ExtractMostSignificantBits() & 0xFF;
                while (mask != 0)
                {
                    symbols[n++] = i + BitOperations.TrailingZeroCount(mask);
                    mask &= mask - 1;
                }
            }
        }
        for (; i < len; i++)
            if (counts[i] != 0) symbols[n++] = i;
        return n;
    }

    /// <summary>
    /// <paramref name="symbols"/> (ascending) ordered by count, ties by symbol, into <paramref name="sorted"/>, their counts
    /// into <paramref name="keys"/>: a stable LSD radix sort, 11 bits a pass, as many passes as the largest count needs
    /// (two for a 1080p chunk), in place of a comparison sort of the few thousand symbols that was a third of the coder's
    /// time. <paramref name="tmpKeys"/> and <paramref name="tmpSorted"/> are the passes' other buffers.
    /// </summary>
    internal static void SortByCount(ReadOnlySpan<int> freq, ReadOnlySpan<int> symbols, Span<long> keys, Span<int> sorted, Span<long> tmpKeys, Span<int> tmpSorted)
    {
        const int Bits = 11, Buckets = 1 << Bits;
        int n = symbols.Length;
        if (keys.Length < n || sorted.Length < n || tmpKeys.Length < n || tmpSorted.Length < n) throw new ArgumentException($"buffers shorter than the {n} symbols");
        long max = 0;
        for (int i = 0; i < n; i++)
        {
            long k = freq[symbols[i]];
            if (k < 0) throw new ArgumentException($"negative count {k} of symbol {symbols[i]}", nameof(freq));
            keys[i] = k;
            sorted[i] = symbols[i];
            max = Math.Max(max, k);
        }
        Span<int> start = stackalloc int[Buckets];
        Span<long> srcK = keys[..n], dstK = tmpKeys[..n];
        Span<int> srcS = sorted[..n], dstS = tmpSorted[..n];
        bool inTmp = false;
        for (int shift = 0; shift < 63 && (max >> shift) != 0; shift += Bits)
        {
            start.Clear();
            for (int i = 0; i < n; i++) start[(int)(srcK[i] >> shift) & (Buckets - 1)]++;
            int sum = 0;
            for (int b = 0; b < Buckets; b++) (start[b], sum) = (sum, sum + start[b]);
            for (int i = 0; i < n; i++)
            {
                int at = start[(int)(srcK[i] >> shift) & (Buckets - 1)]++;
                dstK[at] = srcK[i];
                dstS[at] = srcS[i];
            }
            var tk = srcK; srcK = dstK; dstK = tk;
            var ts = srcS; srcS = dstS; dstS = ts;
            inTmp = !inTmp;
        }
        if (inTmp)
        {
            srcK.CopyTo(keys);
            srcS.CopyTo(sorted);
        }
    }

    /// <summary>
    /// In-place code lengths for counts sorted ascending (Moffat and Katajainen, "In-place calculation of minimum-redundancy
    /// codes", 1995): first pass merges into parent pointers, second sets internal node depths, third leaf depths.
    /// </summary>
    internal static void MinimumRedundancy(Span<long> a)
    {
        int n = a.Length;
        if (n == 1) { a[0] = 1; return; }
        a[0] += a[1];
        int root = 0, leaf = 2;
        for (int next = 1; next < n - 1; next++)
        {
            if (leaf >= n || a[root] < a[leaf]) { a[next] = a[root]; a[root++] = next; }
            else a[next] = a[leaf++];
            if (leaf >= n || (root < next && a[root] < a[leaf])) { a[next] += a[root]; a[root++] = next; }
            else a[next] += a[leaf++];
        }
        a[n - 2] = 0;
        for (int next = n - 3; next >= 0; next--) a[next] = a[(int)a[next]] + 1;
        int avail = 1, used = 0, depth = 0, r = n - 2, nx = n - 1;
        while (avail > 0)
        {
            while (r >= 0 && a[r] == depth) { used++; r--; }
            while (avail > used) { a[nx--] = depth; avail--; }
            avail = 2 * used;
            depth++;
            used = 0;
        }
    }

    /// <summary>OpenEXR's canonical code for the lengths (hufCanonicalCodeTable): the decoder rebuilds the same codes from the lengths alone.</summary>
    private void CanonicalCodes()
    {
        Span<long> n = stackalloc long[59];
        n.Clear();
        for (int i = 0; i < _count; i++) n[_length[_symbols[i]]]++;
        long c = 0;
        for (int l = 58; l > 0; l--)
        {
            long nc = (c + n[l]) >> 1;
            n[l] = c;
            c = nc;
        }
        for (int i = 0; i < _count; i++)
        {
            int s = _symbols[i];
            _entry[s] = (ulong)n[_length[s]]++ << 6 | _length[s];
        }
    }

    /// <summary>
    /// The code lengths of symbols [im, iM], 6 bits each; a run of unused symbols as code 59..62 (2..5 of them) or 63 and 8
    /// bits (6..261), split greedily as hufPackEncTable does.
    /// </summary>
    private int PackTable(Span<byte> dst)
    {
        var w = new BitWriter(dst);
        for (int i = 0; i < _count; i++)
        {
            if (i > 0)
                for (int gap = _symbols[i] - _symbols[i - 1] - 1; gap > 0;)
                {
                    int run = Math.Min(gap, LongestLongRun);
                    if (run >= ShortestLongRun)
                    {
                        w.Put((ulong)LongZeroCodeRun, 6);
                        w.Put((ulong)(run - ShortestLongRun), 8);
                    }
                    else if (run >= 2) w.Put((ulong)(ShortZeroCodeRun + run - 2), 6);
                    else w.Put(0, 6);
                    gap -= run;
                }
            w.Put(_length[_symbols[i]], 6);
        }
        return (int)((w.Finish() + 7) / 8);
    }

    /// <summary>
    /// The symbols, with runs (hufEncode); returns the number of bits written. The bit writer's state lives in locals (a
    /// <see cref="BitWriter"/> passed by reference to a helper stays in memory, one load and store a field a symbol), and
    /// its 8-byte stores go unchecked after one check that the destination holds the planned bits and 8 bytes more.
    /// Same bytes as <see cref="EncodeReference"/>.
    /// </summary>
    private long Encode(ReadOnlySpan<ushort> raw, Span<byte> dst)
    {
        // Runs are sent only where shorter than the repeats, so the planned bits (every symbol on its own) bound the output.
        if (dst.Length < (_plannedBits + 7) / 8 + 8) throw new ArgumentException($"destination of {dst.Length} bytes, {(_plannedBits + 7) / 8 + 8} needed", nameof(dst));
        ref ulong entry = ref MemoryMarshal.GetArrayDataReference(_entry);
        ulong run = _entry[_runSymbol];
        ulong runCode = run >> 6;
        int runLength = (int)(run & 63);
        ref byte o = ref MemoryMarshal.GetReference(dst);
        ref ushort r = ref MemoryMarshal.GetReference(raw);
        ulong acc = 0;
        int bits = 0;
        nint pos = 0;
        int s = r, count = 0, n = raw.Length;
        for (int i = 1; i <= n; i++)
        {
            // Where no run is pending, one vector compare of raw[i − 1 + k] with raw[i + k] (k < 16) finds how many symbols
            // from i − 1 on are each unlike the next: those go out with no run test, and the first that equals its next (or
            // raw[i + 15]) becomes the pending one.
            if (count == 0 && Vector256.IsHardwareAccelerated && i + 16 <= n)
            {
                uint equal = Vector256.Equals(Vector256.LoadUnsafe(ref r, (nuint)(i - 1)), Vector256.LoadUnsafe(ref r, (nuint)i)).AsByte().ExtractMostSignificantBits();
                int t = equal == 0 ? 16 : BitOperations.TrailingZeroCount(equal) >> 1;
                if (t > 0)
                {
                    for (int k = i - 1; k < i - 1 + t; k++)
                    {
                        ulong f = Unsafe.Add(ref entry, Unsafe.Add(ref r, k));
                        int fl = (int)(f & 63);
                        acc = (acc << fl) | (f >> 6);
                        bits += fl;
                        StoreBigEndian(ref Unsafe.Add(ref o, pos), acc << (64 - bits));
                        pos += bits >> 3;
                        bits &= 7;
                    }
                    s = Unsafe.Add(ref r, i - 1 + t);
                    i += t - 1;
                    continue;
                }
            }
            // One pass beyond the end (v = −1) sends the last symbol.
            int v = i < n ? Unsafe.Add(ref r, i) : -1;
            ulong e = Unsafe.Add(ref entry, s);
            ulong code = e >> 6;
            int length = (int)(e & 63);
            if (v != s && count == 0)
            {
                // The common case, a symbol on its own: no loop, no run test.
                acc = (acc << length) | code;
                bits += length;
                StoreBigEndian(ref Unsafe.Add(ref o, pos), acc << (64 - bits));
                pos += bits >> 3;
                bits &= 7;
                s = v;
                continue;
            }
            if (v == s && count < 255)
            {
                count++;
                continue;
            }
            if (length + runLength + 8 >= length * count)
            {
                for (int k = 0; k <= count; k++)
                {
                    acc = (acc << length) | code;
                    bits += length;
                    StoreBigEndian(ref Unsafe.Add(ref o, pos), acc << (64 - bits));
                    pos += bits >> 3;
                    bits &= 7;
                }
            }
            else
            {
                acc = (acc << length) | code;
                bits += length;
                StoreBigEndian(ref Unsafe.Add(ref o, pos), acc << (64 - bits));
                pos += bits >> 3;
                bits &= 7;
                acc = (acc << runLength) | runCode;
                bits += runLength;
                StoreBigEndian(ref Unsafe.Add(ref o, pos), acc << (64 - bits));
                pos += bits >> 3;
                bits &= 7;
                acc = (acc << 8) | (uint)count;
                bits += 8;
                StoreBigEndian(ref Unsafe.Add(ref o, pos), acc << (64 - bits));
                pos += bits >> 3;
                bits &= 7;
            }
            count = 0;
            s = v;
        }
        long total = 8L * pos + bits;
        if (bits > 0) Unsafe.Add(ref o, pos) = (byte)(acc << (8 - bits));
        return total;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreBigEndian(ref byte at, ulong value) =>
        Unsafe.WriteUnaligned(ref at, BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(value) : value);

    /// <summary>The symbols, with runs (hufEncode), with the plain bit writer: the reference of <see cref="Encode"/>.</summary>
    private long EncodeReference(ReadOnlySpan<ushort> raw, Span<byte> dst)
    {
        ref ulong entry = ref MemoryMarshal.GetArrayDataReference(_entry);
        ulong run = _entry[_runSymbol];
        var w = new BitWriter(dst);
        ref ushort r = ref MemoryMarshal.GetReference(raw);
        int s = r, count = 0;
        for (int i = 1; i < raw.Length; i++)
        {
            int v = Unsafe.Add(ref r, i);
            if (v == s && count < 255)
            {
                count++;
                continue;
            }
            ulong e = Unsafe.Add(ref entry, s);
            if (count == 0) w.Put(e >> 6, (int)(e & 63));
            else SendRun(ref w, e, count, run);
            count = 0;
            s = v;
        }
        SendRun(ref w, Unsafe.Add(ref entry, s), count, run);
        return w.Finish();
    }

    /// <summary>A symbol's entry 1 + <paramref name="repeats"/> times, as symbol, run symbol and 8 bits of the count when that is shorter (sendCode).</summary>
    private static void SendRun(ref BitWriter w, ulong entry, int repeats, ulong run)
    {
        int length = (int)(entry & 63), runLength = (int)(run & 63);
        if (length + runLength + 8 < length * repeats)
        {
            w.Put(entry >> 6, length);
            w.Put(run >> 6, runLength);
            w.Put((ulong)repeats, 8);
        }
        else
            for (int k = 0; k <= repeats; k++) w.Put(entry >> 6, length);
    }

    /// <summary>
    /// MSB-first bit output without branches: after each value the pending bits (fewer than 8 whole-byte leftovers plus the
    /// new ones, at most 64) are stored as 8 big-endian bytes and the position moves by the whole bytes among them, so the
    /// destination needs 8 bytes beyond the data.
    /// </summary>
    private ref struct BitWriter(Span<byte> dst)
    {
        private readonly Span<byte> _dst = dst;
        private ulong _acc;
        private int _bits, _pos;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Put(ulong value, int count)
        {
            _acc = (_acc << count) | value;
            _bits += count;
            BinaryPrimitives.WriteUInt64BigEndian(_dst.Slice(_pos, 8), _acc << (64 - _bits));
            _pos += _bits >> 3;
            _bits &= 7;
        }

        /// <summary>Writes the pending bits (the last byte padded with zeros); returns the number of bits written.</summary>
        public long Finish()
        {
            long total = 8L * _pos + _bits;
            if (_bits > 0) _dst[_pos++] = (byte)(_acc << (8 - _bits));
            _bits = 0;
            return total;
        }
    }
}

