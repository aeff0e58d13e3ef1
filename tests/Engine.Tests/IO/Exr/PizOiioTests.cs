using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.IO.Exr;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.IO.Exr;

/// <summary>
/// The managed PIZ encoder's files decoded by oiiotool (the OpenEXR C++ library, an independent decoder), for every kind
/// of content of <see cref="PizEncoderTests"/>, at sizes with whole and partial 32-line chunks and odd sides. One oiiotool
/// run decodes them all in the fixture setup.
/// </summary>
[NonParallelizable]
public class PizOiioTests
{
    private static readonly (int W, int H, int Channels)[] Shapes = [(1, 1, 3), (37, 23, 4), (130, 70, 3), (1920, 40, 1)];
    private TempDir? _dir;
    private readonly Dictionary<string, ImageF> _sources = new();

    private static IEnumerable<TestCaseData> Cases()
    {
        foreach (string kind in PizEncoderTests.Contents)
            foreach (var (w, h, ch) in Shapes)
                if (kind != "incompressible" || w * h >= 64)
                    yield return new TestCaseData(kind, w, h, ch);
    }

    private static string Name(string kind, int w, int h, int ch) => $"{kind}-{w}x{h}x{ch}";

    [OneTimeSetUp]
    public void Setup()
    {
        if (!OiioTool.Available) return;
        _dir = ExrTestImages.NewTempDir();
        var decode = new List<(string, string)>();
        int seed = 50;
        foreach (var tc in Cases())
        {
            var (kind, w, h, ch) = ((string)tc.Arguments[0]!, (int)tc.Arguments[1]!, (int)tc.Arguments[2]!, (int)tc.Arguments[3]!);
            string n = Name(kind, w, h, ch);
            var src = PizEncoderTests.Content(kind, w, h, ch, ++seed);
            _sources[n] = src;
            ExrWriter.Write(_dir.File(n + ".exr"), src, ExrPixelType.Half, ExrCompression.Piz);
            decode.Add((_dir.File(n + ".exr"), _dir.File(n + ".f.exr")));
        }
        OiioTool.DecodeAllToFloat(decode);
    }

    [OneTimeTearDown]
    public void TearDown() => _dir?.Dispose();

    [TestCaseSource(nameof(Cases))]
    public void Oiiotool_decodes_managed_piz_to_the_source_halves(string kind, int w, int h, int channels)
    {
        OiioTool.RequireOrIgnore();
        string n = Name(kind, w, h, channels);
        var raw = RawExr.Read(_dir!.File(n + ".f.exr"));
        Assert.That((raw.Width, raw.Height), Is.EqualTo((w, h)));
        string[] names = channels == 1 ? ["Y"] : channels == 3 ? ["R", "G", "B"] : ["R", "G", "B", "A"];
        var src = _sources[n];
        for (int c = 0; c < channels; c++)
        {
            var want = src.Plane(c).ToArray().Select(HalfConversion.ToHalfScalar).ToArray();
            var got = raw.Channels[names[c]].Select(HalfConversion.ToHalfScalar).ToArray();
            Assert.That(got, Is.EqualTo(want), $"channel {names[c]}");
        }
    }
}
