using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using HdrOfx.Engine.Reconstruction;
using HdrOfx.Interop.Native;
using HdrOfx.Plugin.Tests.Host;
using NUnit.Framework;
using static HdrOfx.Plugin.Tests.TestSupport;

namespace HdrOfx.Plugin.Tests;

/// <summary>
/// The plug-in's overhead over the engine at 1920×1080 (DESIGN §8: fetch, convert and write ≤ 10 % of a
/// classical render). The plug-in times its own stages (HDROFX_TIMINGS=1) so the numbers come from
/// the NativeAOT binary itself. Results go to the test output and artifacts/bench/plugin-overhead.txt.
/// </summary>
[TestFixture, Category("Benchmark")]
public class OverheadBenchmark
{
    private static readonly Regex Timing = new(@"fetch\+convert ([\d.]+) ms \(convert ([\d.]+) ms\), reconstruct ([\d.]+) ms, write ([\d.]+) ms");

    private static (double Io, double Engine, double Wall) Measure(string method, int frames, bool batchSequence = false, bool identifiers = false)
    {
        var clip = new SyntheticClip { Width = 1920, Height = 1080, Frames = frames + 2 };
        var src = clip.Source();
        src.CacheImages = true; // like a host's frame cache: images are prepared once
        for (int f = 0; f < clip.Frames; f++) src.Frame(f); // generate outside the timing
        var inst = Create(src, new RefSettings { Method = method });
        inst.ImageIdentifiers = identifiers; // without them, renders outside a batch sequence convert every frame they use
        for (int t = 0; t <= frames + 1; t++) Render(inst, t); // warm-up: tables, page faults, the host's frame cache
        if (identifiers) Hdr.Call(OfxActions.PurgeCaches, inst.Handle, null, null); // start the timed renders without stored frames
        // A timeline render: one non-interactive sequence, frames in order (each render then converts one new frame).
        if (batchSequence) Assert.That(Hdr.BeginSequence(inst, 1, frames, interactive: false), Is.EqualTo(Ofx.OK));
        var io = new List<double>();
        var engine = new List<double>();
        var convert = new List<double>();
        var write = new List<double>();
        var wall = new List<double>();
        for (int t = 1; t <= frames; t++)
        {
            int before = OfxTestHost.MessagesFor(inst.Handle).Count;
            var sw = Stopwatch.StartNew();
            int st = Hdr.Render(inst, t, out var o);
            sw.Stop();
            o.Dispose();
            Assert.That(st, Is.EqualTo(Ofx.OK));
            var m = OfxTestHost.MessagesFor(inst.Handle).Skip(before).Select(x => Timing.Match(x.Text)).First(x => x.Success);
            TestContext.Out.WriteLine(OfxTestHost.MessagesFor(inst.Handle).Skip(before).First(x => Timing.IsMatch(x.Text)).Text);
            double P(int g) => double.Parse(m.Groups[g].Value, CultureInfo.InvariantCulture);
            io.Add(P(1) + P(4));
            engine.Add(P(3));
            convert.Add(P(2));
            write.Add(P(4));
            wall.Add(sw.Elapsed.TotalMilliseconds);
        }
        if (batchSequence) Assert.That(Hdr.EndSequence(inst, 1, frames, interactive: false), Is.EqualTo(Ofx.OK));
        Hdr.Destroy(inst);
        src.ReleaseCache();
        double Median(List<double> v) => v.Order().ElementAt(v.Count / 2);
        TestContext.Out.WriteLine(FormattableString.Invariant($"{method}: convert {Median(convert):F1} ms, write {Median(write):F1} ms (medians)"));
        return (Median(io), Median(engine), Median(wall));
    }

    [Test]
    public void Plugin_overhead_at_1080p()
    {
        var lines = new List<string>
        {
            $"machine: {Environment.ProcessorCount} logical CPUs, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, host threads offered {OfxTestHost.NumCPUs}",
        };
        var (io, eng, wall) = Measure(Testing.TestMethods.Merge, 3);
        lines.Add(FormattableString.Invariant($"1920x1080 float RGBA, 2 exposures, radius 1 (3 frames fetched): fetch+convert+write {io:F1} ms (median), test-merge engine {eng:F1} ms, host-measured render {wall:F1} ms"));
        lines.Add(FormattableString.Invariant($"overhead vs the 200 ms budget of a 5 fps classical render (DESIGN §8): {100 * io / 200:F1} %"));
        bool classical = Reconstructor.Methods.Contains("classical", StringComparer.OrdinalIgnoreCase);
        if (classical)
        {
            var (io2, eng2, wall2) = Measure("classical", 3);
            lines.Add(FormattableString.Invariant($"classical, renders that convert every frame (no batch sequence, no image identifiers): fetch+convert+write {io2:F1} ms, engine {eng2:F1} ms, render {wall2:F1} ms, overhead {100 * io2 / eng2:F1} % of the engine"));
            var (io4, eng4, wall4) = Measure("classical", 7, identifiers: true);
            lines.Add(FormattableString.Invariant($"classical, viewer renders in order with image identifiers (frames reused by identifier): fetch+convert+write {io4:F1} ms, engine {eng4:F1} ms, render {wall4:F1} ms, overhead {100 * io4 / eng4:F1} % of the engine"));
            var (io3, eng3, wall3) = Measure("classical", 7, batchSequence: true);
            lines.Add(FormattableString.Invariant($"classical in a batch sequence render (frames converted once): fetch+convert+write {io3:F1} ms, engine {eng3:F1} ms, render {wall3:F1} ms, overhead {100 * io3 / eng3:F1} % of the engine"));
        }
        else
        {
            lines.Add("classical: not registered in this build; overhead is reported against the 200 ms budget instead");
        }
        var dir = Path.Combine(BundleFixture.RepoRoot, "artifacts", "bench");
        Directory.CreateDirectory(dir);
        File.WriteAllLines(Path.Combine(dir, "plugin-overhead.txt"), lines);
        foreach (var l in lines) TestContext.Out.WriteLine(l);
        Assert.That(io, Is.GreaterThan(0));
    }
}
