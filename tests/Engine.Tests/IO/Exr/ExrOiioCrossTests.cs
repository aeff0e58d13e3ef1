using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.IO.Exr;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.IO.Exr;

/// <summary>
/// Our files read by oiiotool, and oiiotool's files read by us, compared pixel for pixel. oiiotool
/// (OpenImageIO on the OpenEXR C++ library) is the independent codec; its decodes are written as
/// uncompressed float EXRs and parsed by <see cref="RawExr"/>, which shares no code with the reader.
/// All oiiotool work is batched in the fixture setup (each start costs ~0.5 s here).
/// </summary>
[NonParallelizable]
public class ExrOiioCrossTests
{
    private static readonly string[] Rgba = ["R", "G", "B", "A"];
    private static readonly string[] OiioComps = ["none", "rle", "zips", "zip", "piz", "pxr24", "b44", "b44a", "dwaa", "dwab"];
    private static readonly ExrCompression[] OurComps =
        [ExrCompression.None, ExrCompression.Rle, ExrCompression.Zips, ExrCompression.Zip, ExrCompression.Piz, ExrCompression.Pxr24];

    private TempDir? _dir;
    private readonly Dictionary<string, ImageF> _sources = new();
    private string _ourInfo = "";

    private static string OurName(ExrCompression c, ExrPixelType t, int ch) => $"ours-{c}-{t}-{ch}";
    private static string OiioName(string c, string t, bool tiled, int ch) => $"oiio-{c}-{t}-{(tiled ? "tiled" : "scan")}-{ch}";

    private static IEnumerable<TestCaseData> OurWrites()
    {
        foreach (var c in OurComps)
            foreach (var t in new[] { ExrPixelType.Half, ExrPixelType.Float })
                foreach (int ch in new[] { 3, 4 })
                    yield return new TestCaseData(c, t, ch);
    }

    private static IEnumerable<TestCaseData> OiioWrites()
    {
        foreach (var c in OiioComps)
            foreach (var t in new[] { "half", "float" })
                foreach (bool tiled in new[] { false, true })
                    yield return new TestCaseData(c, t, tiled, 4);
        yield return new TestCaseData("zip", "uint", false, 3);
        yield return new TestCaseData("piz", "uint", true, 3);
        yield return new TestCaseData("dwab", "half", false, 3);
        yield return new TestCaseData("dwab", "float", true, 3);
    }

    [OneTimeSetUp]
    public void Setup()
    {
        if (!OiioTool.Available) return;
        _dir = ExrTestImages.NewTempDir();
        var decode = new List<(string, string)>();
        var infoArgs = new List<string> { "--info", "-v" };
        foreach (var tc in OurWrites())
        {
            var (c, t, ch) = ((ExrCompression)tc.Arguments[0]!, (ExrPixelType)tc.Arguments[1]!, (int)tc.Arguments[2]!);
            string n = OurName(c, t, ch);
            var src = ExrTestImages.Make(53, 41, ch, seed: 100 + (int)c * 4 + ch);
            _sources[n] = src;
            ExrWriter.Write(_dir.File(n + ".exr"), src, t, c);
            infoArgs.Add(_dir.File(n + ".exr"));
            decode.Add((_dir.File(n + ".exr"), _dir.File(n + ".f.exr")));
        }
        _ourInfo = OiioTool.Run([.. infoArgs]);

        // Sources for oiiotool, one per kind of content, written by us as float NONE.
        var hdr4 = ExrTestImages.Make(70, 50, 4, seed: 7);
        var smooth4 = Smooth(70, 50, 4, 4);
        var smooth3 = Smooth(70, 50, 3, 4);
        var int3 = Smooth(70, 50, 3, 1);
        ExrWriter.Write(_dir.File("hdr4.exr"), hdr4, ExrPixelType.Float, ExrCompression.None);
        ExrWriter.Write(_dir.File("smooth4.exr"), smooth4, ExrPixelType.Float, ExrCompression.None);
        ExrWriter.Write(_dir.File("smooth3.exr"), smooth3, ExrPixelType.Float, ExrCompression.None);
        ExrWriter.Write(_dir.File("int3.exr"), int3, ExrPixelType.Float, ExrCompression.None);
        var make = new List<string>();
        foreach (var tc in OiioWrites())
        {
            var (c, t, tiled, ch) = ((string)tc.Arguments[0]!, (string)tc.Arguments[1]!, (bool)tc.Arguments[2]!, (int)tc.Arguments[3]!);
            string src = t == "uint" ? "int3" : c is "dwaa" or "dwab" or "b44" or "b44a" ? (ch == 4 ? "smooth4" : "smooth3") : "hdr4";
            string n = OiioName(c, t, tiled, ch);
            make.AddRange([_dir.File(src + ".exr"), "-d", t == "uint" ? "uint32" : t, "--compression", c, "--origin", "+3+5", "--fullsize", "80x64+0+0"]);
            make.AddRange(tiled ? ["--tile", "16", "24"] : ["--scanline"]);
            make.AddRange(["-o", _dir.File(n + ".exr"), "--pop"]);
            decode.Add((_dir.File(n + ".exr"), _dir.File(n + ".f.exr")));
        }
        OiioTool.Run([.. make]);
        OiioTool.DecodeAllToFloat(decode);
    }

    [OneTimeTearDown]
    public void TearDown() => _dir?.Dispose();

    [TestCaseSource(nameof(OurWrites))]
    public void OiioReadsOurFilesExactly(ExrCompression comp, ExrPixelType type, int channels)
    {
        OiioTool.RequireOrIgnore();
        string n = OurName(comp, type, channels);
        string path = _dir!.File(n + ".exr");
        int at = _ourInfo.IndexOf(path + " ", StringComparison.Ordinal);
        Assert.That(at, Is.GreaterThanOrEqualTo(0), "oiiotool --info lists the file");
        int end = _ourInfo.IndexOf(_dir.Path, at + path.Length, StringComparison.Ordinal);
        string info = end < 0 ? _ourInfo[at..] : _ourInfo[at..end];
        Assert.That(info, Does.Contain($"compression: \"{comp.ToString().ToLowerInvariant()}\""));
        Assert.That(info, Does.Contain(channels == 4 ? "channel list: R, G, B, A" : "channel list: R, G, B"));
        Assert.That(info, Does.Contain(type == ExrPixelType.Half ? "half openexr" : "float openexr"));
        Assert.That(info, Does.Contain("chromaticities: 0.64, 0.33, 0.3, 0.6, 0.15, 0.06, 0.3127, 0.329"));

        var raw = RawExr.Read(_dir.File(n + ".f.exr"));
        Assert.That((raw.Width, raw.Height), Is.EqualTo((53, 41)));
        var src = _sources[n];
        bool lossyFloat = comp == ExrCompression.Pxr24 && type == ExrPixelType.Float;
        for (int c = 0; c < channels; c++)
        {
            var got = raw.Channels[Rgba[c]];
            var want = src.Plane(c).ToArray();
            if (type == ExrPixelType.Half) want = want.Select(ExrTestImages.ToHalf).ToArray();
            if (lossyFloat)
            {
                // PXR24 keeps 24 bits of a float: relative error below 2^-15.
                for (int i = 0; i < want.Length; i++)
                    Assert.That(got[i], Is.EqualTo(want[i]).Within(Math.Abs(want[i]) * 4e-5 + 1e-30), $"channel {Rgba[c]} pixel {i}");
            }
            else Assert.That(got, Is.EqualTo(want), $"channel {Rgba[c]}");
        }
    }

    [TestCaseSource(nameof(OiioWrites))]
    public void WeReadOiioFilesExactly(string comp, string type, bool tiled, int channels)
    {
        OiioTool.RequireOrIgnore();
        string n = OiioName(comp, type, tiled, channels);
        string path = _dir!.File(n + ".exr");
        var info = ExrReader.ReadInfo(path);
        Assert.That(info.Storage, Is.EqualTo(tiled ? ExrStorage.Tiled : ExrStorage.Scanline));
        Assert.That(info.DataWindow, Is.EqualTo(new ExrBox(3, 5, 72, 54)));
        Assert.That(info.DisplayWindow, Is.EqualTo(new ExrBox(0, 0, 79, 63)));
        Assert.That(info.Compression.ToString().ToLowerInvariant(), Is.EqualTo(comp));
        if (tiled) Assert.That((info.TileWidth, info.TileHeight), Is.EqualTo((16, 24)));

        var ours = ExrReader.Read(path);
        Assert.That((ours.Width, ours.Height, ours.Channels), Is.EqualTo((70, 50, channels)));
        var raw = RawExr.Read(_dir.File(n + ".f.exr"));
        Assert.That((raw.MinX, raw.MinY, raw.Width, raw.Height), Is.EqualTo((3, 5, 70, 50)));
        // Where OpenEXRCore 3.1 cannot (DWA) or does not correctly (B44) decode, the reader goes through
        // the C++ library's RGBA interface, which is exact for half but rounds float samples to half.
        bool viaHalf = type == "float" && comp is "b44" or "b44a" or "dwaa" or "dwab";
        for (int c = 0; c < channels; c++)
        {
            var got = ours.Plane(c).ToArray();
            var want = raw.Channels[Rgba[c]];
            string what = $"channel {Rgba[c]} ({comp}, {type}, tiled={tiled})";
            if (type == "uint")
                // oiiotool normalizes uint32 to [0,1]; the reader returns the integer value.
                for (int i = 0; i < got.Length; i++)
                    Assert.That(got[i], Is.EqualTo(want[i] * 4294967295.0).Within(want[i] * 4294967295.0 * 1e-6 + 1), what);
            else if (viaHalf)
                for (int i = 0; i < got.Length; i++)
                    Assert.That(got[i], Is.EqualTo(ExrTestImages.ToHalf(want[i])).Within(Math.Abs(want[i]) * 1e-3 + 1e-7), what);
            else
                Assert.That(got, Is.EqualTo(want), what);
        }
    }

    [Test]
    public void MipmappedTextureGivesLevelZero()
    {
        OiioTool.RequireOrIgnore();
        string tex = _dir!.File("tex.exr");
        OiioTool.Run(_dir.File("hdr4.exr"), "-d", "half", "--compression", "piz", "-otex", tex);
        Assert.That(ExrReader.ReadInfo(tex).IsTiled);
        var ours = ExrReader.Read(tex);
        string flat = _dir.File("tex.f.exr");
        OiioTool.Run(tex, "--unmip", "-d", "float", "--compression", "none", "--scanline", "-o", flat);
        var raw = RawExr.Read(flat);
        Assert.That((ours.Width, ours.Height), Is.EqualTo((raw.Width, raw.Height)));
        for (int c = 0; c < 4; c++) Assert.That(ours.Plane(c).ToArray(), Is.EqualTo(raw.Channels[Rgba[c]]), Rgba[c]);
    }

    internal static ImageF Smooth(int w, int h, int channels, float scale)
    {
        var img = new ImageF(w, h, channels);
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    img[c, y, x] = c == 3 ? (float)(x + y) / (w + h) : (float)Math.Round(scale * (0.5 + 0.45 * Math.Sin(x * 0.13 + c) * Math.Cos(y * 0.09)), scale > 100 ? 0 : 6);
        return img;
    }
}
