using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using HdrOfx.Dev.Nn;
using HdrOfx.Engine.Nn;
using HdrOfx.Engine.Tensors;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Nn;

public class SafetensorsTests
{
    private string _dir = "";

    [SetUp]
    public void MakeDir()
    {
        _dir = Path.Combine(TestContext.CurrentContext.WorkDirectory, "safetensors-tests", TestContext.CurrentContext.Test.Name);
        Directory.CreateDirectory(_dir);
    }

    private static OrderedDictionary<string, Tensor> Sample(ulong seed = 1)
    {
        var rng = new Rng(seed);
        var d = new OrderedDictionary<string, Tensor>
        {
            ["conv.weight"] = TensorScope.Detach(Tensor.Randn(rng, 4, 3, 3, 3)),
            ["conv.bias"] = TensorScope.Detach(Tensor.Randn(rng, 4)),
            ["scalar"] = TensorScope.Detach(Tensor.Scalar(3.25f)),
            ["empty"] = TensorScope.Detach(Tensor.Zeros(0, 5)),
            ["ünïcode \"name\""] = TensorScope.Detach(Tensor.FromArray(new[] { 1e-8f, -65504f, 1e30f, float.Epsilon }, 2, 2)),
        };
        return d;
    }

    [TestCase(DType.F32)]
    [TestCase(DType.F16)]
    [TestCase(DType.BF16)]
    public void RoundTripKeepsNamesShapesAndValues(DType dtype)
    {
        var src = Sample();
        string path = Path.Combine(_dir, $"rt-{dtype}.safetensors");
        var meta = new Dictionary<string, string> { ["format"] = "pt", ["seed"] = "42" };
        Safetensors.Save(path, src, dtype, meta);
        var bytes = File.ReadAllBytes(path);
        long n = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.That((8 + n) % 8, Is.EqualTo(0), "data section must start 8-byte aligned");
        using var f = Safetensors.Load(path);
        Assert.That(f.Metadata, Is.EqualTo(meta));
        Assert.That(f.Tensors.Keys, Is.EqualTo(src.Keys));
        foreach (var (name, t) in src)
        {
            var got = f[name];
            Assert.That(got.DType, Is.EqualTo(dtype), name);
            Assert.That(got.Shape, Is.EqualTo(t.Shape), name);
            var expect = t.To(dtype).ToArray();
            Assert.That(got.ToArray().Select(BitConverter.SingleToInt32Bits), Is.EqualTo(expect.Select(BitConverter.SingleToInt32Bits)), name);
        }
        Assert.That(Directory.GetFiles(_dir, "*.tmp"), Is.Empty, "the temporary file is renamed away");
    }

    // ---------------------------------------------------------------- cross-checks with an independent implementation (python3 json + struct)

    private const string PyReader = """
import json, struct, sys
data = open(sys.argv[1], 'rb').read()
(n,) = struct.unpack('<Q', data[:8])
hdr = json.loads(data[8:8 + n].decode('utf-8'))
base = 8 + n
out = {'__header_len__': n, '__metadata__': hdr.pop('__metadata__', None), 'tensors': {}}
for name, e in hdr.items():
    b, end = e['data_offsets']
    raw = data[base + b: base + end]
    dt = e['dtype']
    if dt == 'F32':
        vals = list(struct.unpack('<%df' % (len(raw) // 4), raw))
    elif dt == 'F16':
        vals = list(struct.unpack('<%de' % (len(raw) // 2), raw))
    else:
        vals = [struct.unpack('<f', struct.pack('<I', h << 16))[0] for h in struct.unpack('<%dH' % (len(raw) // 2), raw)]
    out['tensors'][name] = {'dtype': dt, 'shape': e['shape'], 'values': [repr(v) for v in vals]}
print(json.dumps(out))
""";

    private const string PyWriter = """
import json, struct, sys
# an independent writer: tensors stored in a different order than the header lists them, header padded with spaces
tensors = [('b', 'F16', [3], struct.pack('<3e', 1.5, -2.0, 0.099975586)),
           ('a', 'F32', [2, 2], struct.pack('<4f', 1.0, -0.5, 3.25, 1e-20)),
           ('c', 'BF16', [2], struct.pack('<2H', 0x3F80, 0xC0A0))]
offs, pos = {}, 0
for name, dt, shape, raw in tensors:
    offs[name] = (pos, pos + len(raw)); pos += len(raw)
hdr = {'__metadata__': {'writer': 'python'}}
for name in ['a', 'c', 'b']:
    dt, shape = [(d, s) for (n, d, s, r) in tensors if n == name][0]
    hdr[name] = {'dtype': dt, 'shape': shape, 'data_offsets': list(offs[name])}
h = json.dumps(hdr).encode('utf-8')
h += b' ' * ((8 - len(h) % 8) % 8)
with open(sys.argv[1], 'wb') as f:
    f.write(struct.pack('<Q', len(h))); f.write(h)
    for name, dt, shape, raw in tensors: f.write(raw)
""";

    private static string RunPython(string script, string arg)
    {
        string? py = new[] { "/usr/bin/python3", "/usr/local/bin/python3" }.FirstOrDefault(File.Exists);
        if (py == null) Prerequisite.Missing("python3 not installed: cross-check skipped");
        var psi = new ProcessStartInfo(py!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c"); psi.ArgumentList.Add(script); psi.ArgumentList.Add(arg);
        using var p = Process.Start(psi)!;
        string stdout = p.StandardOutput.ReadToEnd();
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.That(p.ExitCode, Is.EqualTo(0), stderr);
        return stdout;
    }

    [Test]
    public void PythonReadsWhatWeWrite()
    {
        var src = Sample(2);
        src.Remove("ünïcode \"name\"");
        src["half.me"] = TensorScope.Detach(Tensor.FromArray(new[] { 0.1f, -3.3f, 1000.5f }, 3));
        string path = Path.Combine(_dir, "for-python.safetensors");
        // mixed dtypes: write each group with its own dtype
        var mixed = new OrderedDictionary<string, Tensor>();
        foreach (var (k, v) in src) mixed[k] = k == "half.me" ? v.To(DType.F16) : k == "conv.bias" ? v.To(DType.BF16) : v;
        Safetensors.Save(path, mixed, dtype: null, new Dictionary<string, string> { ["k"] = "v" });
        using var doc = JsonDocument.Parse(RunPython(PyReader, path));
        var root = doc.RootElement;
        Assert.That(root.GetProperty("__metadata__").GetProperty("k").GetString(), Is.EqualTo("v"));
        var ts = root.GetProperty("tensors");
        Assert.That(ts.EnumerateObject().Select(p => p.Name), Is.EquivalentTo(mixed.Keys));
        foreach (var (name, t) in mixed)
        {
            var e = ts.GetProperty(name);
            Assert.That(e.GetProperty("dtype").GetString(), Is.EqualTo(Safetensors.DTypeName(t.DType)), name);
            Assert.That(e.GetProperty("shape").EnumerateArray().Select(v => v.GetInt32()), Is.EqualTo(t.Shape), name);
            var vals = e.GetProperty("values").EnumerateArray().Select(v => (float)double.Parse(v.GetString()!, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            Assert.That(vals.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(t.ToArray().Select(BitConverter.SingleToInt32Bits)), name);
        }
    }

    [Test]
    public void WeReadWhatPythonWrites()
    {
        string path = Path.Combine(_dir, "from-python.safetensors");
        RunPython(PyWriter, path);
        using var f = Safetensors.Load(path);
        Assert.That(f.Metadata["writer"], Is.EqualTo("python"));
        Assert.That(f.Tensors.Keys, Is.EqualTo(new[] { "a", "c", "b" }));
        Assert.That(f["a"].Shape, Is.EqualTo(new[] { 2, 2 }));
        Assert.That(f["a"].ToArray(), Is.EqualTo(new[] { 1f, -0.5f, 3.25f, 1e-20f }));
        Assert.That(f["b"].DType, Is.EqualTo(DType.F16));
        Assert.That(f["b"].ToArray(), Is.EqualTo(new[] { 1.5f, -2f, (float)(Half)0.099975586 }));
        Assert.That(f["c"].DType, Is.EqualTo(DType.BF16));
        Assert.That(f["c"].ToArray(), Is.EqualTo(new[] { 1f, -5f }));
    }

    // ---------------------------------------------------------------- corrupt files

    private static byte[] Mk(string header, int dataBytes, int? declaredLength = null)
    {
        var h = Encoding.UTF8.GetBytes(header);
        var b = new byte[8 + h.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(b, (ulong)(declaredLength ?? h.Length));
        h.CopyTo(b, 8);
        return b;
    }

    private static string E(string name, string dtype, string shape, long b, long e) =>
        $"\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":{shape},\"data_offsets\":[{b},{e}]}}";

    private static IEnumerable<TestCaseData> CorruptCases()
    {
        yield return new TestCaseData(new byte[5], "too short").SetName("Corrupt_TooShort");
        yield return new TestCaseData(Mk("{}", 0, declaredLength: 1000), "exceeds the 2 bytes").SetName("Corrupt_HeaderLengthPastEnd");
        var huge = new byte[16]; BinaryPrimitives.WriteUInt64LittleEndian(huge, ulong.MaxValue);
        yield return new TestCaseData(huge, "exceeds the limit").SetName("Corrupt_HeaderLengthHuge");
        yield return new TestCaseData(Mk("[1,2]   ", 0), "does not start with '{'").SetName("Corrupt_NotAnObject");
        yield return new TestCaseData(Mk("{\"a\":{\"dtype\":\"F32\",", 0), "not valid JSON").SetName("Corrupt_TruncatedJson");
        yield return new TestCaseData(Mk("{" + E("a", "F32", "[1]", 0, 4) + "}xx", 4), "not valid JSON").SetName("Corrupt_TrailingGarbage");
        yield return new TestCaseData(Mk("{" + E("a", "F64", "[1]", 0, 8) + "}", 8), "unsupported dtype 'F64'").SetName("Corrupt_UnsupportedDtype");
        yield return new TestCaseData(Mk("{" + E("a", "F32", "[2,3]", 0, 20) + "}", 20), "tensor 'a': F32 [2, 3] needs 24 bytes, data_offsets [0, 20] hold 20").SetName("Corrupt_ByteCountMismatch");
        yield return new TestCaseData(Mk("{" + E("a", "F32", "[2]", 0, 8) + "}", 4), "run past the end").SetName("Corrupt_TruncatedData");
        yield return new TestCaseData(Mk("{" + E("a", "F32", "[2]", 8, 0) + "}", 8), "end before they begin").SetName("Corrupt_ReversedOffsets");
        yield return new TestCaseData(Mk("{" + E("a", "F32", "[2]", 0, 8) + "," + E("b", "F32", "[1]", 4, 8) + "}", 8), "overlap").SetName("Corrupt_Overlap");
        yield return new TestCaseData(Mk("{" + E("a", "F32", "[1]", 0, 4) + "," + E("b", "F32", "[1]", 8, 12) + "}", 12), "4 bytes at data offset 4 belong to no tensor").SetName("Corrupt_Gap");
        yield return new TestCaseData(Mk("{" + E("a", "F32", "[1]", 0, 4) + "}", 12), "8 trailing bytes").SetName("Corrupt_Trailing");
        yield return new TestCaseData(Mk("{" + E("a", "F32", "[1]", 0, 4) + "," + E("a", "F32", "[1]", 4, 8) + "}", 8), "appears twice").SetName("Corrupt_DuplicateName");
        yield return new TestCaseData(Mk("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4), "missing 'data_offsets'").SetName("Corrupt_MissingField");
        yield return new TestCaseData(Mk("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4), "non-negative integers").SetName("Corrupt_NegativeDim");
        yield return new TestCaseData(Mk("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 4), "non-negative integers").SetName("Corrupt_FractionalDim");
        yield return new TestCaseData(Mk("{\"a\":{\"dtype\":\"F32\",\"shape\":[65536,65536],\"data_offsets\":[0,4]}}", 4), "too many elements").SetName("Corrupt_HugeShape");
        yield return new TestCaseData(Mk("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}", 4), "unknown field 'x'").SetName("Corrupt_UnknownField");
        yield return new TestCaseData(Mk("{\"__metadata__\":{\"k\":3}}", 0), "__metadata__ value of 'k'").SetName("Corrupt_MetadataNotString");
        yield return new TestCaseData(Mk("{\"a\":7}", 0), "tensor 'a': expected StartObject").SetName("Corrupt_EntryNotObject");
        var badUtf8 = Mk("{\"\u00e9\":{}}", 0); badUtf8[10] = 0xFF;
        yield return new TestCaseData(badUtf8, "header").SetName("Corrupt_InvalidUtf8");
    }

    [TestCaseSource(nameof(CorruptCases))]
    public void CorruptFilesGiveAClearInvalidDataException(byte[] file, string expected)
    {
        var ex = Assert.Throws<InvalidDataException>(() => Safetensors.Parse(file, "bad.safetensors"))!;
        Assert.That(ex.Message, Does.StartWith("safetensors file 'bad.safetensors': "));
        Assert.That(ex.Message, Does.Contain(expected));
    }

    /// <summary>The F16 values at the data_offsets that the file's own header gives <paramref name="name"/>, read independently of the parser.</summary>
    private static float[] F16At(byte[] file, string name)
    {
        int dataStart = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        using var header = JsonDocument.Parse(file.AsMemory(8, dataStart - 8));
        var offsets = header.RootElement.GetProperty(name).GetProperty("data_offsets");
        int begin = dataStart + offsets[0].GetInt32(), end = dataStart + offsets[1].GetInt32();
        var values = new float[(end - begin) / 2];
        for (int i = 0; i < values.Length; i++)
            values[i] = (float)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(begin + 2 * i)));
        return values;
    }

    [Test]
    public void FuzzedFilesNeverCrashOrLoadTheWrongShape()
    {
        var valid = Safetensors.Serialize(Sample(3), DType.F16, new Dictionary<string, string> { ["a"] = "b" });
        using (var ok = Safetensors.Parse(valid, "valid")) Assert.That(ok.Tensors.Count, Is.EqualTo(5));
        int headerEnd = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(valid);
        var rng = new Rng(1234);
        int rejected = 0, accepted = 0;
        const int Trials = 3000;
        for (int trial = 0; trial < Trials; trial++)
        {
            byte[] f = (byte[])valid.Clone();
            int kind = rng.NextInt(6);
            switch (kind)
            {
                case 0: // flip bytes in the header
                    for (int k = 1 + rng.NextInt(3); k > 0; k--) f[8 + rng.NextInt(headerEnd - 8)] ^= (byte)(1 + rng.NextInt(255));
                    break;
                case 1: // replace a header byte by a JSON-significant one
                    const string Significant = "{}[],:\"0123456789- ";
                    f[8 + rng.NextInt(headerEnd - 8)] = (byte)Significant[rng.NextInt(Significant.Length)];
                    break;
                case 2: // truncate
                    Array.Resize(ref f, rng.NextInt(f.Length));
                    break;
                case 3: // wrong header length
                    BinaryPrimitives.WriteUInt64LittleEndian(f, (ulong)rng.NextInt(f.Length + 16) | (rng.NextInt(4) == 0 ? 1UL << (32 + rng.NextInt(31)) : 0));
                    break;
                case 4: // extend with junk
                    Array.Resize(ref f, f.Length + 1 + rng.NextInt(16));
                    break;
                default: // digit edits in offsets/shapes: bump one digit
                    var digits = Enumerable.Range(8, headerEnd - 8).Where(i => f[i] >= '0' && f[i] <= '9').ToArray();
                    int at = digits[rng.NextInt(digits.Length)];
                    f[at] = (byte)('0' + (f[at] - '0' + 1 + rng.NextInt(9)) % 10);
                    break;
            }
            try
            {
                using var parsed = Safetensors.Parse(f, "fuzz");
                accepted++;
                // if it parsed, every tensor holds the values of its own byte range, and the ranges cover the data exactly
                foreach (var (name, t) in parsed.Tensors) Assert.That(t.ToArray(), Is.EqualTo(F16At(f, name)), $"trial {trial}: tensor '{name}'");
                long total = parsed.Tensors.Values.Sum(t => (long)t.Numel * t.DType.SizeInBytes());
                Assert.That(total, Is.EqualTo(f.Length - 8 - (long)BinaryPrimitives.ReadUInt64LittleEndian(f)));
            }
            catch (InvalidDataException e)
            {
                rejected++;
                Assert.That(e.Message, Does.StartWith("safetensors file 'fuzz': "));
            }
            catch (Exception e) when (e is not AssertionException)
            {
                Assert.Fail($"trial {trial} (mutation {kind}): {e.GetType().Name} instead of InvalidDataException: {e}\nfile: {Convert.ToBase64String(f)}");
            }
        }
        TestContext.Out.WriteLine($"fuzz: {rejected} rejected, {accepted} accepted (harmless edits) of {Trials}");
        Assert.That(rejected, Is.GreaterThan(Trials / 2));
    }

    // ---------------------------------------------------------------- modules

    [Test]
    public void ModuleLoadNamesMismatchedTensorsAndTheFile()
    {
        using var small = new SmallUNet(3, 3, 4, new Rng(1));
        using var big = new SmallUNet(3, 3, 8, new Rng(1));
        string path = Path.Combine(_dir, "small.safetensors");
        Safetensors.Save(small, path, DType.F16);
        var ex = Assert.Throws<StateDictMismatchException>(() => Safetensors.Load(big, path))!;
        Assert.That(ex.Message, Does.Contain(path));
        Assert.That(ex.Message, Does.Contain("enc0.0.weight: expected [8, 3, 3, 3], found [4, 3, 3, 3]"));
        using var lin = new Linear(2, 2, new Rng(1));
        var ex2 = Assert.Throws<StateDictMismatchException>(() => Safetensors.Load(lin, path))!;
        Assert.That(ex2.MissingKeys, Is.EqualTo(new[] { "weight", "bias" }));
        Assert.That(ex2.UnexpectedKeys, Does.Contain("mid_attn.attn.qkv.weight"));
        Assert.Throws<FileNotFoundException>(() => Safetensors.Load(Path.Combine(_dir, "nope.safetensors")));
    }
}
