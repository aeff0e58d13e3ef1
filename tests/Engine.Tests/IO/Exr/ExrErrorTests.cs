using HdrOfx.Engine.IO;
using HdrOfx.Engine.IO.Exr;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.IO.Exr;

public class ExrErrorTests
{
    private static string MakeValid(TempDir dir, string name = "ok.exr", ExrCompression comp = ExrCompression.Zip)
    {
        string p = dir.File(name);
        ExrWriter.Write(p, ExrTestImages.Make(40, 30, 3), ExrPixelType.Half, comp);
        return p;
    }

    private static void AssertFails(string path, string expectFragment)
    {
        var e = Assert.Throws<ImageIOException>(() => ExrReader.Read(path))!;
        Assert.That(e.Message, Does.Contain(path), "message names the path");
        Assert.That(e.Message, Does.Contain(expectFragment).IgnoreCase);
        Assert.That(e.Message, Does.Not.Contain("\n"), "one line");
        Assert.Throws<ImageIOException>(() => ExrReader.ReadInfo(path));
    }

    [Test]
    public void MissingFile()
    {
        using var dir = ExrTestImages.NewTempDir();
        AssertFails(dir.File("nope.exr"), "does not exist");
    }

    [Test]
    public void Directory()
    {
        using var dir = ExrTestImages.NewTempDir();
        AssertFails(dir.Path, "directory");
    }

    [Test]
    public void EmptyAndNonExrFiles()
    {
        using var dir = ExrTestImages.NewTempDir();
        File.WriteAllBytes(dir.File("empty.exr"), []);
        AssertFails(dir.File("empty.exr"), "not an OpenEXR file");
        File.WriteAllText(dir.File("text.exr"), "this is not an image at all, just some text\n");
        AssertFails(dir.File("text.exr"), "not an OpenEXR file");
        var png = new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13 };
        File.WriteAllBytes(dir.File("png.exr"), png);
        AssertFails(dir.File("png.exr"), "bad magic");
    }

    [TestCase(ExrCompression.None)]
    [TestCase(ExrCompression.Zip)]
    [TestCase(ExrCompression.Piz)]
    public void TruncatedFiles(ExrCompression comp)
    {
        using var dir = ExrTestImages.NewTempDir();
        byte[] full = File.ReadAllBytes(MakeValid(dir, comp: comp));
        foreach (int keep in new[] { 8, 20, 100, full.Length / 2, full.Length - 1 })
        {
            string p = dir.File($"trunc{keep}.exr");
            File.WriteAllBytes(p, full[..keep]);
            var e = Assert.Throws<ImageIOException>(() => ExrReader.Read(p), $"kept {keep} of {full.Length} bytes")!;
            Assert.That(e.Message, Does.Contain(p));
        }
    }

    [Test]
    public void CorruptChunkData()
    {
        using var dir = ExrTestImages.NewTempDir();
        byte[] b = File.ReadAllBytes(MakeValid(dir, comp: ExrCompression.Zip));
        // Overwrite the middle of the pixel data (well past the header) with garbage.
        for (int i = b.Length / 2; i < b.Length / 2 + 64; i++) b[i] = 0xA5;
        string p = dir.File("corrupt.exr");
        File.WriteAllBytes(p, b);
        var e = Assert.Throws<ImageIOException>(() => ExrReader.Read(p))!;
        Assert.That(e.Message, Does.Contain(p).And.Contain("exr_"));
    }

    [Test]
    public void AbsurdDataWindowIsRejectedBeforeAllocating()
    {
        using var dir = ExrTestImages.NewTempDir();
        byte[] b = File.ReadAllBytes(MakeValid(dir, comp: ExrCompression.None));
        int at = ExrFuzzer.FindAttributeValue(b, "dataWindow");
        Assert.That(at, Is.GreaterThan(0));
        // 2^20 x 2^10 pixels: legal for the library's side limit, but over 2^28 pixels.
        BitConverter.TryWriteBytes(b.AsSpan(at + 8), (1 << 20) - 1);
        BitConverter.TryWriteBytes(b.AsSpan(at + 12), (1 << 10) - 1);
        string p = dir.File("huge.exr");
        File.WriteAllBytes(p, b);
        long before = GC.GetTotalAllocatedBytes();
        var e = Assert.Throws<ImageIOException>(() => ExrReader.Read(p))!;
        Assert.That(GC.GetTotalAllocatedBytes() - before, Is.LessThan(64L << 20));
        Assert.That(e.Message, Does.Contain(p));
    }

    [Test]
    public void NoColourChannels()
    {
        OiioTool.RequireOrIgnore();
        using var dir = ExrTestImages.NewTempDir();
        string src = MakeValid(dir);
        string p = dir.File("xy.exr");
        OiioTool.Run(src, "--ch", "R,G", "--chnames", "X,Z", "-o", p);
        var e = Assert.Throws<ImageIOException>(() => ExrReader.Read(p))!;
        Assert.That(e.Message, Does.Contain("no R,G,B or Y channels").And.Contain("X,Z"));
        Assert.That(ExrReader.ReadInfo(p).Channels.Select(c => c.Name), Is.EqualTo(new[] { "X", "Z" }));
    }

    [Test]
    public void LuminanceOnlyGivesOnePlane()
    {
        using var dir = ExrTestImages.NewTempDir();
        var y = ExrTestImages.Make(20, 10, 1);
        string p = dir.File("y.exr");
        ExrWriter.Write(p, y, ExrPixelType.Float, ExrCompression.Zip);
        var back = ExrReader.Read(p);
        Assert.That(back.Channels, Is.EqualTo(1));
        Assert.That(back.Data, Is.EqualTo(y.Data));
    }

    [Test]
    public void LibraryIsLoadedAndReportsVersion()
    {
        Assert.That(ExrReader.LibraryVersion, Does.Match(@"^\d+\.\d+\.\d+$"));
    }
}
