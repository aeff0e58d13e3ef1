using System.Diagnostics;
using HdrOfx.Engine.IO;
using HdrOfx.Engine.IO.Exr;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.IO.Exr;

/// <summary>
/// Mutated EXRs must either decode or throw <see cref="ImageIOException"/>: never another exception, a
/// crash or a hang. Seeds: our writer (scanline, lossless codecs, half and float) and oiiotool (tiled,
/// B44, DWAA/DWAB, half and float).
/// </summary>
[NonParallelizable]
public class ExrFuzzTests
{
    private TempDir? _dir;
    private readonly List<(string Name, byte[] Bytes)> _seeds = new();

    [OneTimeSetUp]
    public void Seeds()
    {
        _dir = ExrTestImages.NewTempDir();
        var rgba = ExrTestImages.Make(40, 30, 4, seed: 5);
        var rgb = ExrOiioCrossTests.Smooth(40, 30, 3, 4);
        foreach (var t in new[] { ExrPixelType.Half, ExrPixelType.Float })
            foreach (var c in new[] { ExrCompression.None, ExrCompression.Rle, ExrCompression.Zips, ExrCompression.Zip, ExrCompression.Piz, ExrCompression.Pxr24 })
            {
                string p = _dir.File($"ours-{t}-{c}.exr");
                ExrWriter.Write(p, c == ExrCompression.Pxr24 ? rgb : rgba, t, c);
                _seeds.Add((Path.GetFileName(p), File.ReadAllBytes(p)));
            }
        if (OiioTool.Available)
        {
            string src = _dir.File("src.exr");
            ExrWriter.Write(src, rgb, ExrPixelType.Float, ExrCompression.None);
            var specs = new (string Name, string[] Args)[]
            {
                ("tiled-half-zip", ["-d", "half", "--compression", "zip", "--tile", "16", "16"]),
                ("tiled-float-piz", ["-d", "float", "--compression", "piz", "--tile", "16", "16"]),
                ("tiled-half-rle", ["-d", "half", "--compression", "rle", "--tile", "8", "8"]),
                ("tiled-float-none", ["-d", "float", "--compression", "none", "--tile", "16", "8"]),
                ("tiled-half-pxr24", ["-d", "half", "--compression", "pxr24", "--tile", "16", "16"]),
                ("scan-half-b44", ["-d", "half", "--compression", "b44", "--scanline"]),
                ("tiled-half-b44a", ["-d", "half", "--compression", "b44a", "--tile", "16", "16"]),
                ("scan-half-dwaa", ["-d", "half", "--compression", "dwaa", "--scanline"]),
                ("tiled-half-dwab", ["-d", "half", "--compression", "dwab", "--tile", "16", "16"]),
                ("scan-float-dwab", ["-d", "float", "--compression", "dwab", "--scanline"]),
                ("scan-half-piz-origin", ["-d", "half", "--compression", "piz", "--scanline", "--origin", "+7-3"]),
            };
            var args = new List<string>();
            foreach (var (name, a) in specs) args.AddRange([src, .. a, "-o", _dir.File(name + ".exr"), "--pop"]);
            args.AddRange([src, "-d", "half", "--compression", "zip", "-otex", _dir.File("mip-half-zip.exr")]);
            try { OiioTool.Run([.. args]); }
            catch (InvalidOperationException e) { TestContext.Out.WriteLine("oiiotool seeds partly failed: " + e.Message); }
            foreach (var name in specs.Select(s => s.Name).Append("mip-half-zip"))
                if (File.Exists(_dir.File(name + ".exr"))) _seeds.Add((name, File.ReadAllBytes(_dir.File(name + ".exr"))));
        }
        // Every seed must decode before mutation.
        foreach (var (name, bytes) in _seeds)
        {
            string p = _dir.File("check-" + name);
            File.WriteAllBytes(p, bytes);
            Assert.DoesNotThrow(() => ExrReader.Read(p), name);
        }
    }

    [OneTimeTearDown]
    public void TearDown() => _dir?.Dispose();

    [Test]
    public void SixThousandMutationsDecodeOrThrowImageIOException() => RunCampaign(6000, baseSeed: 20261122, perCaseTimeout: TimeSpan.FromSeconds(20));

    [Test, Explicit("long fuzz campaign: 50,000 cases, several minutes")]
    public void FiftyThousandMutations()
    {
        int n = int.TryParse(Environment.GetEnvironmentVariable("HDROFX_FUZZ_CASES"), out var v) ? v : 50_000;
        RunCampaign(n, baseSeed: 777, perCaseTimeout: TimeSpan.FromSeconds(30));
    }

    private void RunCampaign(int cases, int baseSeed, TimeSpan perCaseTimeout)
    {
        Assert.That(_seeds, Is.Not.Empty);
        var sw = Stopwatch.StartNew();
        int decoded = 0, rejected = 0;
        var failures = new List<string>();
        var byKind = ExrFuzzer.Kinds.ToDictionary(k => k, _ => (Decoded: 0, Rejected: 0));
        string path = _dir!.File("case.exr");
        double slowest = 0;
        for (int i = 0; i < cases && failures.Count < 10; i++)
        {
            var rng = new Random(baseSeed + i);
            var (seedName, seed) = _seeds[i % _seeds.Count];
            var kind = ExrFuzzer.Kinds[(i / _seeds.Count) % ExrFuzzer.Kinds.Length];
            byte[] bytes = ExrFuzzer.Mutate(seed, kind, rng);
            File.WriteAllBytes(path, bytes);
            var t0 = sw.Elapsed;
            var task = Task.Run(() =>
            {
                try { ExrReader.Read(path); return (string?)null; }
                catch (ImageIOException) { return "rejected"; }
                catch (Exception e) { return $"{e.GetType().Name}: {e.Message}"; }
            });
            if (!task.Wait(perCaseTimeout))
            {
                string keep = _dir.File($"hang-{i}.exr");
                File.Copy(path, keep, true);
                failures.Add($"case {i} ({seedName}, {kind}): no result within {perCaseTimeout.TotalSeconds} s");
                break; // the hung thread cannot be stopped; do not pile up more
            }
            slowest = Math.Max(slowest, (sw.Elapsed - t0).TotalMilliseconds);
            var r = task.Result;
            var (d, j) = byKind[kind];
            if (r is null) { decoded++; byKind[kind] = (d + 1, j); }
            else if (r == "rejected") { rejected++; byKind[kind] = (d, j + 1); }
            else failures.Add($"case {i} ({seedName}, {kind}): {r}");
        }
        TestContext.Out.WriteLine($"EXR fuzz: {decoded + rejected + failures.Count} cases over {_seeds.Count} seeds in {sw.Elapsed.TotalSeconds:F1} s: " +
            $"{decoded} decoded, {rejected} rejected with ImageIOException, {failures.Count} failures; slowest case {slowest:F0} ms; OpenEXRCore {ExrReader.LibraryVersion}");
        foreach (var (k, (d, j)) in byKind) TestContext.Out.WriteLine($"  {k}: {d} decoded, {j} rejected");
        Assert.That(failures, Is.Empty);
        Assert.That(decoded + rejected, Is.EqualTo(cases));
    }
}
