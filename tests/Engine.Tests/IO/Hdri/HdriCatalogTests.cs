using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using HdrOfx.Engine.IO.Exr;
using HdrOfx.Engine.IO.Hdri;
using HdrOfx.Engine.Tests.IO.Exr;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.IO.Hdri;

[NonParallelizable]
public class HdriCatalogTests
{
    [Test]
    public void CacheRootFollowsEnvironment()
    {
        string home = "/home/u";
        Assert.That(HdriCatalog.ResolveCacheRoot(n => n == "HDROFX_CACHE" ? "/data/c" : "/x", home), Is.EqualTo("/data/c"));
        Assert.That(HdriCatalog.ResolveCacheRoot(n => n == "XDG_CACHE_HOME" ? "/xdg" : null, home), Is.EqualTo("/xdg/hdrofx"));
        Assert.That(HdriCatalog.ResolveCacheRoot(_ => null, home), Is.EqualTo("/home/u/.cache/hdrofx"));
        Assert.That(HdriCatalog.ResolveCacheRoot(n => n == "HDROFX_CACHE" ? " " : null, home), Is.EqualTo("/home/u/.cache/hdrofx"));
    }

    [Test]
    public void ModuleWrappingIsDecoded()
    {
        byte[] exr = [0x76, 0x2f, 0x31, 0x01, 2, 0, 0, 0, 42];
        string js = "export default 'data:application/exr;base64," + Convert.ToBase64String(exr) + "'\n";
        Assert.That(HdriCatalog.DecodeModule(js, "x.js"), Is.EqualTo(exr));
        Assert.Throws<HdriFetchException>(() => HdriCatalog.DecodeModule("module.exports = 1", "x.js"));
        Assert.Throws<HdriFetchException>(() => HdriCatalog.DecodeModule("export default 'data:application/exr;base64,AAAAAAAAAAA='", "x.js"));
    }

    [Test]
    public void NamesAreTheEighteenSorted()
    {
        Assert.That(HdriCatalog.Names, Has.Count.EqualTo(18));
        Assert.That(HdriCatalog.Names, Is.Ordered.Using((IComparer<string>)StringComparer.Ordinal));
        Assert.Throws<ArgumentException>(() => HdriCatalog.PathOf("../etc/passwd"));
    }

    /// <summary>A stand-in for npm that drops a prepared package archive and counts its runs.</summary>
    private sealed class FakeNpm : IDisposable
    {
        public TempDir Dir { get; } = ExrTestImages.NewTempDir();
        public string Script => Dir.File("npm");
        public string Counter => Dir.File("runs");
        public int Runs => File.Exists(Counter) ? File.ReadAllLines(Counter).Length : 0;

        public FakeNpm(string body)
        {
            File.WriteAllText(Script, "#!/bin/sh\n" + $"echo run >> '{Counter}'\n" + body);
            File.SetUnixFileMode(Script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        public static FakeNpm WithPackage(IEnumerable<string> names)
        {
            var npm = new FakeNpm("");
            string tgz = npm.Dir.File("pkg.tgz");
            string exr = npm.Dir.File("small.exr");
            ExrWriter.Write(exr, ExrTestImages.Make(16, 8, 3), ExrPixelType.Half, ExrCompression.Zip);
            string js = "export default 'data:application/exr;base64," + Convert.ToBase64String(File.ReadAllBytes(exr)) + "'\n";
            using (var fs = File.Create(tgz))
            using (var gz = new GZipStream(fs, CompressionLevel.Fastest))
            using (var tar = new TarWriter(gz, TarEntryFormat.Pax))
            {
                foreach (var n in names)
                {
                    var e = new PaxTarEntry(TarEntryType.RegularFile, $"package/hdri/{n}.exr.js") { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(js)) };
                    tar.WriteEntry(e);
                    var d = new PaxTarEntry(TarEntryType.RegularFile, $"package/hdri/{n}.exr.d.ts") { DataStream = new MemoryStream("declare const x: string;"u8.ToArray()) };
                    tar.WriteEntry(d);
                }
            }
            File.AppendAllText(npm.Script, $"sleep 0.3\ncp '{tgz}' ./pmndrs-assets-1.7.0.tgz\n");
            return npm;
        }

        public void Dispose() => Dir.Dispose();
    }

    [Test]
    public void FetchesOnceIsIdempotentAndSafeUnderRaces()
    {
        using var npm = FakeNpm.WithPackage(HdriCatalog.Names);
        using var cache = ExrTestImages.NewTempDir();
        // Four racing callers: one runs npm, the others wait on the lock and find the files.
        var tasks = Enumerable.Range(0, 4).Select(_ => Task.Run(() => HdriCatalog.EnsureAll(cache.Path, npm.Script, null))).ToArray();
        Task.WaitAll(tasks);
        Assert.That(npm.Runs, Is.EqualTo(1));
        foreach (var t in tasks)
        {
            var list = t.Result;
            Assert.That(list.Select(e => e.Name), Is.EqualTo(HdriCatalog.Names));
            Assert.That(list.All(e => e.Width == 16 && e.Height == 8 && File.Exists(e.Path)));
        }
        HdriCatalog.EnsureAll(cache.Path, npm.Script, null);
        Assert.That(npm.Runs, Is.EqualTo(1), "nothing fetched when cached");
        // A lost file is fetched again; nothing else is left behind in the cache.
        File.Delete(Path.Combine(cache.Path, "hdri", "lab.exr"));
        HdriCatalog.EnsureAll(cache.Path, npm.Script, null);
        Assert.That(npm.Runs, Is.EqualTo(2));
        var leftovers = Directory.GetFileSystemEntries(Path.Combine(cache.Path, "hdri")).Select(Path.GetFileName)
            .Where(n => n != ".lock" && !n!.EndsWith(".exr", StringComparison.Ordinal));
        Assert.That(leftovers, Is.Empty);
    }

    [Test]
    public void PackageWithoutAPanoramaIsAnError()
    {
        using var npm = FakeNpm.WithPackage(HdriCatalog.Names.Where(n => n != "venice"));
        using var cache = ExrTestImages.NewTempDir();
        var e = Assert.Throws<HdriFetchException>(() => HdriCatalog.EnsureAll(cache.Path, npm.Script, null))!;
        Assert.That(e.Message, Does.Contain("venice"));
    }

    [Test]
    public void MissingNpmGivesAClearError()
    {
        using var cache = ExrTestImages.NewTempDir();
        var e = Assert.Throws<HdriFetchException>(() => HdriCatalog.EnsureAll(cache.Path, "/nonexistent/bin/npm", null))!;
        Assert.That(e.Message, Does.Contain("npm").And.Contain("could not be run"));
    }

    [Test]
    public void OfflineNpmGivesAClearError()
    {
        using var npm = new FakeNpm("echo 'npm ERR! code ENOTFOUND registry unreachable' >&2\nexit 1\n");
        using var cache = ExrTestImages.NewTempDir();
        var e = Assert.Throws<HdriFetchException>(() => HdriCatalog.EnsureAll(cache.Path, npm.Script, null))!;
        Assert.That(e.Message, Does.Contain("offline").And.Contain("ENOTFOUND"));
    }

    /// <summary>The real package: all 18 decode; several equal oiiotool's decode exactly (DWAB).</summary>
    [Test, Category("Network")]
    public void RealPanoramasDecodeAndMatchOiio()
    {
        IReadOnlyList<HdriEntry> list;
        try { list = HdriCatalog.EnsureAll(); }
        catch (HdriFetchException e) when (e.Message.Contains("could not be run"))
        {
            Prerequisite.Missing(e.Message);
            return;
        }
        Assert.That(list.Select(e => e.Name), Is.EqualTo(HdriCatalog.Names));
        foreach (var entry in list)
        {
            Assert.That((entry.Width, entry.Height), Is.EqualTo((512, 256)), entry.Name);
            var info = ExrReader.ReadInfo(entry.Path);
            Assert.That(info.Compression, Is.EqualTo(ExrCompression.Dwab), entry.Name);
            var img = HdriCatalog.Load(entry.Name);
            Assert.That((img.Width, img.Height, img.Channels), Is.EqualTo((512, 256, 3)), entry.Name);
            Assert.That(img.Data.All(float.IsFinite), entry.Name);
            Assert.That(img.Data.Max(), Is.GreaterThan(1f), $"{entry.Name} should hold HDR values");
        }
        if (!OiioTool.Available) return;
        using var dir = ExrTestImages.NewTempDir();
        string[] check = ["apartment", "city", "night", "studio", "sunset", "workshop"];
        OiioTool.DecodeAllToFloat(check.Select(n => (HdriCatalog.PathOf(n), dir.File(n + ".f.exr"))));
        string[] rgb = ["R", "G", "B"];
        foreach (var n in check)
        {
            var ours = HdriCatalog.Load(n);
            var raw = RawExr.Read(dir.File(n + ".f.exr"));
            for (int c = 0; c < 3; c++)
                Assert.That(ours.Plane(c).ToArray(), Is.EqualTo(raw.Channels[rgb[c]]), $"{n} {rgb[c]}");
        }
    }
}
