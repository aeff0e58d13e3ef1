using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using HdrOfx.Engine.IO;
using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Autograd;
using HdrOfx.Engine.Tensors.Cpu;

namespace HdrOfx.Engine.Nn;

/// <summary>
/// The safetensors format (huggingface/safetensors): an 8-byte little-endian u64 header length N, N bytes of
/// UTF-8 JSON <c>{"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ..., "__metadata__": {str: str}}</c>
/// (padded with spaces so the data starts 8-byte aligned), then the little-endian tensor bytes; offsets are relative
/// to the data start and the tensors must cover the data exactly, without gaps or overlaps.
/// Reading validates all of this and throws <see cref="InvalidDataException"/> naming the file and the problem.
/// The JSON is read with <see cref="Utf8JsonReader"/> and written with <see cref="Utf8JsonWriter"/> (no reflection).
/// </summary>
public static class Safetensors
{
    /// <summary>The reference implementation's header limit.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private const string MetadataKey = "__metadata__";

    // ------------------------------------------------------------------ writing

    /// <summary>
    /// Writes <paramref name="tensors"/> to <paramref name="path"/> atomically (temp file + rename), in the order
    /// given, each stored as <paramref name="dtype"/> (null: the tensor's own dtype).
    /// </summary>
    public static void Save(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, DType? dtype = null, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var bytes = Serialize(tensors, dtype, metadata);
        AtomicFile.Write(path, tmp =>
        {
            using var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write);
            fs.Write(bytes);
            fs.Flush(flushToDisk: true);
        });
    }

    /// <summary>Saves a module's state dict (parameters and buffers).</summary>
    public static void Save(Module module, string path, DType dtype = DType.F32, IReadOnlyDictionary<string, string>? metadata = null) =>
        Save(path, module.StateDict(), dtype, metadata);

    /// <summary>The complete file contents.</summary>
    public static byte[] Serialize(IEnumerable<KeyValuePair<string, Tensor>> tensors, DType? dtype = null, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var list = new List<(string Name, Tensor T, DType D, long Bytes)>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, t) in tensors)
        {
            if (string.IsNullOrEmpty(name)) throw new ArgumentException("safetensors: empty tensor name");
            if (name == MetadataKey) throw new ArgumentException($"safetensors: '{MetadataKey}' is reserved");
            if (!names.Add(name)) throw new ArgumentException($"safetensors: tensor name '{name}' appears twice");
            if (t.Device.Kind != DeviceKind.Cpu) throw new ArgumentException($"safetensors: tensor '{name}' is on {t.Device}; copy it to the CPU first");
            var d = dtype ?? t.DType;
            list.Add((name, t, d, (long)t.Numel * d.SizeInBytes()));
        }

        var header = new MemoryStream();
        using (var w = new Utf8JsonWriter(header, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            if (metadata != null && metadata.Count > 0)
            {
                w.WriteStartObject(MetadataKey);
                foreach (var (k, v) in metadata) w.WriteString(k, v);
                w.WriteEndObject();
            }
            long off = 0;
            foreach (var (name, t, d, bytes) in list)
            {
                w.WriteStartObject(name);
                w.WriteString("dtype", DTypeName(d));
                w.WriteStartArray("shape");
                foreach (int s in t.Shape) w.WriteNumberValue(s);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(off);
                w.WriteNumberValue(off + bytes);
                w.WriteEndArray();
                w.WriteEndObject();
                off += bytes;
            }
            w.WriteEndObject();
        }
        int hlen = (int)header.Length;
        int padded = (hlen + 7) & ~7; // data starts at 8 + padded, a multiple of 8
        long total = 8 + padded + list.Sum(e => e.Bytes);
        if (total > Array.MaxLength) throw new ArgumentException($"safetensors: {total} bytes is too large for one file");
        var buf = new byte[total];
        BinaryPrimitives.WriteUInt64LittleEndian(buf, (ulong)padded);
        header.GetBuffer().AsSpan(0, hlen).CopyTo(buf.AsSpan(8));
        buf.AsSpan(8 + hlen, padded - hlen).Fill((byte)' ');
        int pos = 8 + padded;
        using (GradMode.NoGrad())
            foreach (var (name, t, d, bytes) in list)
            {
                WriteData(t, d, buf.AsSpan(pos, (int)bytes));
                pos += (int)bytes;
            }
        return buf;
    }

    private static void WriteData(Tensor t, DType d, Span<byte> dst)
    {
        Tensor c = t.DType == d && t.IsContiguous ? t : Convert(t, d);
        try
        {
            if (d == DType.F32)
            {
                var src = c.Span;
                if (BitConverter.IsLittleEndian) MemoryMarshal.AsBytes(src).CopyTo(dst);
                else for (int i = 0; i < src.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(dst[(4 * i)..], src[i]);
            }
            else
            {
                var bits = ((CpuStorage)c.Storage).Bits16.AsSpan(c.Offset, c.Numel);
                if (BitConverter.IsLittleEndian) MemoryMarshal.AsBytes(bits).CopyTo(dst);
                else for (int i = 0; i < bits.Length; i++) BinaryPrimitives.WriteUInt16LittleEndian(dst[(2 * i)..], bits[i]);
            }
        }
        finally { if (!ReferenceEquals(c, t)) c.Dispose(); }
    }

    /// <summary>A contiguous copy of t in dtype d (round-to-nearest-even for 16-bit types).</summary>
    private static Tensor Convert(Tensor t, DType d)
    {
        var y = Tensor.Empty(t.Shape, t.Device, d);
        TensorScope.Detach(y);
        t.Backend.Copy(t, y);
        return y;
    }

    public static string DTypeName(DType d) => d switch
    {
        DType.F32 => "F32",
        DType.F16 => "F16",
        DType.BF16 => "BF16",
        _ => throw new ArgumentOutOfRangeException(nameof(d), d, null),
    };

    // ------------------------------------------------------------------ reading

    /// <summary>Reads and validates a file. The tensors keep their stored dtype (convert with <c>To(DType.F32)</c>).</summary>
    /// <exception cref="InvalidDataException">The file is truncated, corrupt or not safetensors.</exception>
    public static SafetensorsFile Load(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (FileNotFoundException) { throw new FileNotFoundException($"safetensors file '{path}' does not exist", path); }
        return Parse(bytes, path);
    }

    /// <summary>Loads a file into <paramref name="module"/> (strict: every name and shape must match).</summary>
    /// <exception cref="StateDictMismatchException">Names the missing, unexpected and mis-shaped tensors.</exception>
    public static LoadStateDictResult Load(Module module, string path, bool strict = true)
    {
        using var f = Load(path);
        return module.LoadStateDict(f.Tensors, strict, path);
    }

    /// <summary>Parses file contents; <paramref name="source"/> names the file in error messages.</summary>
    public static SafetensorsFile Parse(ReadOnlySpan<byte> file, string source)
    {
        var entries = ParseHeader(file, source, out long dataStart, out var metadata);
        var result = new SafetensorsFile(metadata);
        try
        {
            foreach (var e in entries)
            {
                var t = Tensor.Empty(e.Shape, Device.Cpu, e.DType);
                TensorScope.Detach(t);
                result.Add(e.Name, t);
                var src = file.Slice((int)(dataStart + e.Begin), (int)(e.End - e.Begin));
                if (e.DType == DType.F32)
                {
                    var dst = t.Span;
                    if (BitConverter.IsLittleEndian) src.CopyTo(MemoryMarshal.AsBytes(dst));
                    else for (int i = 0; i < dst.Length; i++) dst[i] = BinaryPrimitives.ReadSingleLittleEndian(src[(4 * i)..]);
                }
                else
                {
                    var dst = ((CpuStorage)t.Storage).Bits16.AsSpan(0, t.Numel);
                    if (BitConverter.IsLittleEndian) src.CopyTo(MemoryMarshal.AsBytes(dst));
                    else for (int i = 0; i < dst.Length; i++) dst[i] = BinaryPrimitives.ReadUInt16LittleEndian(src[(2 * i)..]);
                }
            }
        }
        catch
        {
            result.Dispose();
            throw;
        }
        return result;
    }

    internal readonly record struct Entry(string Name, DType DType, int[] Shape, long Begin, long End);

    private static InvalidDataException Bad(string source, string problem) => new($"safetensors file '{source}': {problem}");

    /// <summary>Validates everything but the tensor values; returns entries in header order.</summary>
    internal static List<Entry> ParseHeader(ReadOnlySpan<byte> file, string source, out long dataStart, out Dictionary<string, string> metadata)
    {
        if (file.Length < 8) throw Bad(source, $"file is {file.Length} bytes, too short for the 8-byte header length");
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(file);
        if (n > MaxHeaderBytes) throw Bad(source, $"header length {n} exceeds the limit of {MaxHeaderBytes} bytes (not a safetensors file, or corrupt)");
        if (n > (ulong)(file.Length - 8)) throw Bad(source, $"header length {n} exceeds the {file.Length - 8} bytes after the length field (truncated file?)");
        if (n < 2) throw Bad(source, $"header length {n} is too small for a JSON object");
        var header = file.Slice(8, (int)n);
        if (header[0] != (byte)'{') throw Bad(source, "header does not start with '{'");
        dataStart = 8 + (long)n;
        long dataLen = file.Length - dataStart;

        var entries = new List<Entry>();
        metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var names = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            var r = new Utf8JsonReader(header, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, AllowTrailingCommas = false, MaxDepth = 8 });
            Expect(ref r, JsonTokenType.StartObject, "header", source);
            bool sawMetadata = false;
            while (true)
            {
                Next(ref r, source);
                if (r.TokenType == JsonTokenType.EndObject) break;
                string name = r.GetString()!;
                if (name == MetadataKey)
                {
                    if (sawMetadata) throw Bad(source, "'__metadata__' appears twice");
                    sawMetadata = true;
                    ReadMetadata(ref r, source, metadata);
                    continue;
                }
                if (!names.Add(name)) throw Bad(source, $"tensor '{name}' appears twice in the header");
                entries.Add(ReadEntry(ref r, name, source));
            }
            if (r.Read()) throw Bad(source, "content after the header's JSON object");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"safetensors file '{source}': header is not valid JSON ({e.Message})", e);
        }
        catch (InvalidOperationException e) // wrong token type for Get*
        {
            throw new InvalidDataException($"safetensors file '{source}': malformed header ({e.Message})", e);
        }
        catch (ArgumentException e) // invalid UTF-8 in a string
        {
            throw new InvalidDataException($"safetensors file '{source}': malformed header ({e.Message})", e);
        }

        foreach (var e in entries)
        {
            if (e.End > dataLen) throw Bad(source, $"tensor '{e.Name}': data_offsets [{e.Begin}, {e.End}] run past the end of the {dataLen}-byte data section (truncated file?)");
            long numel = 1;
            foreach (int d in e.Shape) numel *= d;
            long need = numel * e.DType.SizeInBytes();
            if (e.End - e.Begin != need)
                throw Bad(source, $"tensor '{e.Name}': {DTypeName(e.DType)} {Tensor.ShapeString(e.Shape)} needs {need} bytes, data_offsets [{e.Begin}, {e.End}] hold {e.End - e.Begin}");
        }
        // the data section must be covered exactly: sort by offsets and walk
        var sorted = entries.OrderBy(e => e.Begin).ThenBy(e => e.End).ToList();
        long pos = 0;
        string? prev = null;
        foreach (var e in sorted)
        {
            if (e.Begin < pos) throw Bad(source, $"tensors '{prev}' and '{e.Name}' overlap (data_offsets begin {e.Begin} < {pos})");
            if (e.Begin > pos) throw Bad(source, $"{e.Begin - pos} bytes at data offset {pos} belong to no tensor (before '{e.Name}')");
            pos = e.End;
            prev = e.Name;
        }
        if (pos != dataLen) throw Bad(source, $"{dataLen - pos} trailing bytes after the last tensor (data section is {dataLen} bytes, tensors cover {pos})");
        return entries;
    }

    private static void Next(ref Utf8JsonReader r, string source)
    {
        if (!r.Read()) throw Bad(source, "header JSON ends early");
    }

    private static void Expect(ref Utf8JsonReader r, JsonTokenType t, string what, string source)
    {
        Next(ref r, source);
        if (r.TokenType != t) throw Bad(source, $"{what}: expected {t}, found {r.TokenType}");
    }

    private static void ReadMetadata(ref Utf8JsonReader r, string source, Dictionary<string, string> metadata)
    {
        Expect(ref r, JsonTokenType.StartObject, "__metadata__", source);
        while (true)
        {
            Next(ref r, source);
            if (r.TokenType == JsonTokenType.EndObject) return;
            string k = r.GetString()!;
            Expect(ref r, JsonTokenType.String, $"__metadata__ value of '{k}'", source);
            if (!metadata.TryAdd(k, r.GetString()!)) throw Bad(source, $"__metadata__ key '{k}' appears twice");
        }
    }

    private static Entry ReadEntry(ref Utf8JsonReader r, string name, string source)
    {
        Expect(ref r, JsonTokenType.StartObject, $"tensor '{name}'", source);
        DType? dtype = null;
        int[]? shape = null;
        long[]? offsets = null;
        while (true)
        {
            Next(ref r, source);
            if (r.TokenType == JsonTokenType.EndObject) break;
            string field = r.GetString()!;
            switch (field)
            {
                case "dtype":
                    if (dtype != null) throw Bad(source, $"tensor '{name}': 'dtype' appears twice");
                    Expect(ref r, JsonTokenType.String, $"tensor '{name}' dtype", source);
                    string ds = r.GetString()!;
                    dtype = ds switch
                    {
                        "F32" => DType.F32,
                        "F16" => DType.F16,
                        "BF16" => DType.BF16,
                        _ => throw Bad(source, $"tensor '{name}': unsupported dtype '{ds}' (supported: F32, F16, BF16)"),
                    };
                    break;
                case "shape":
                    if (shape != null) throw Bad(source, $"tensor '{name}': 'shape' appears twice");
                    var s = ReadInts(ref r, $"tensor '{name}' shape", source, int.MaxValue);
                    if (s.Length > 8) throw Bad(source, $"tensor '{name}': shape has {s.Length} dims (at most 8 supported)");
                    long numel = 1;
                    foreach (long d in s)
                    {
                        numel *= d;
                        if (numel > int.MaxValue) throw Bad(source, $"tensor '{name}': shape {Tensor.ShapeString(s.Select(v => (int)v).ToArray())} has too many elements");
                    }
                    shape = s.Select(v => (int)v).ToArray();
                    break;
                case "data_offsets":
                    if (offsets != null) throw Bad(source, $"tensor '{name}': 'data_offsets' appears twice");
                    offsets = ReadInts(ref r, $"tensor '{name}' data_offsets", source, long.MaxValue);
                    if (offsets.Length != 2) throw Bad(source, $"tensor '{name}': data_offsets has {offsets.Length} values, expected 2");
                    if (offsets[1] < offsets[0]) throw Bad(source, $"tensor '{name}': data_offsets [{offsets[0]}, {offsets[1]}] end before they begin");
                    break;
                default:
                    throw Bad(source, $"tensor '{name}': unknown field '{field}'");
            }
        }
        if (dtype == null) throw Bad(source, $"tensor '{name}': missing 'dtype'");
        if (shape == null) throw Bad(source, $"tensor '{name}': missing 'shape'");
        if (offsets == null) throw Bad(source, $"tensor '{name}': missing 'data_offsets'");
        return new Entry(name, dtype.Value, shape, offsets[0], offsets[1]);
    }

    private static long[] ReadInts(ref Utf8JsonReader r, string what, string source, long max)
    {
        Expect(ref r, JsonTokenType.StartArray, what, source);
        var list = new List<long>();
        while (true)
        {
            Next(ref r, source);
            if (r.TokenType == JsonTokenType.EndArray) return list.ToArray();
            if (r.TokenType != JsonTokenType.Number || !r.TryGetInt64(out long v) || v < 0 || v > max)
                throw Bad(source, $"{what}: expected non-negative integers ≤ {max}");
            if (list.Count >= 64) throw Bad(source, $"{what}: too many values");
            list.Add(v);
        }
    }
}

/// <summary>The tensors (in header order, stored dtype) and metadata of a safetensors file. Owns the tensors.</summary>
public sealed class SafetensorsFile : IDisposable
{
    private readonly OrderedDictionary<string, Tensor> _tensors = new(StringComparer.Ordinal);

    public SafetensorsFile(IReadOnlyDictionary<string, string> metadata) => Metadata = metadata;

    public IReadOnlyDictionary<string, Tensor> Tensors => _tensors;
    public IReadOnlyDictionary<string, string> Metadata { get; }
    public Tensor this[string name] => _tensors[name];

    internal void Add(string name, Tensor t) => _tensors.Add(name, t);

    public void Dispose()
    {
        foreach (var t in _tensors.Values) t.Dispose();
        _tensors.Clear();
    }
}
