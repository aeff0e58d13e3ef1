using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.Synthesis;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Synthesis;

public class SyntheticBenchmarkTests
{
    private static IReadOnlyList<BenchmarkClipSpec> Specs => SyntheticBenchmark.Specs;

    [Test]
    public void SpecSatisfiesTheRequiredCounts()
    {
        Assert.That(Specs, Has.Count.GreaterThanOrEqualTo(12));
        Assert.That(Specs.Select(s => s.BackgroundIndex).Distinct().Count(), Is.GreaterThanOrEqualTo(6));
        Assert.That(Specs.Select(s => s.Name).Distinct().Count(), Is.EqualTo(Specs.Count));
        Assert.That(Specs.Select(s => s.Options.Seed).Distinct().Count(), Is.EqualTo(Specs.Count));
        foreach (var s in Specs)
        {
            var o = s.Options;
            Assert.DoesNotThrow(o.Validate);
            Assert.That(o.Width, Is.GreaterThanOrEqualTo(512), s.Name);
            Assert.That(o.Height, Is.GreaterThanOrEqualTo(256), s.Name);
            Assert.That(o.Frames, Is.GreaterThanOrEqualTo(12), s.Name);
            Assert.That(o.Noise && o.Foreground && o.ForegroundCount >= 1, s.Name);
            Assert.That(o.Crf, Is.AnyOf(CrfKind.Gamma22, CrfKind.Srgb), s.Name);
            Assert.That(s.Transfer, Is.EqualTo(o.Crf == CrfKind.Gamma22 ? "gamma2.2" : "srgb"), s.Name);
            Assert.DoesNotThrow(() => TransferFunctions.Parse(s.Transfer));
            Assert.That(s.ForegroundIndex, Is.Not.EqualTo(s.BackgroundIndex), s.Name);
            Assert.That(Math.Max(s.BackgroundIndex, s.ForegroundIndex), Is.LessThan(SyntheticBenchmark.RequiredPanoramas));
            Assert.That(o.PanSpeed + o.ForegroundSpeed + o.ShakeAmplitude, Is.LessThanOrEqualTo(8), "moderate motion");
            Assert.That(o.BitDepth, Is.InRange(8, 12));
            Assert.That(ExposurePattern.Parse(s.EvList, s.Phase).Evs, Is.EqualTo(o.PatternEvs()));
        }
        var patterns = Specs.Select(s => s.Options.Pattern).ToHashSet();
        Assert.That(patterns, Is.EquivalentTo(new[] { SynthPattern.TwoGap2, SynthPattern.TwoGap3, SynthPattern.Three }));
        Assert.That(Specs.Select(s => s.Options.Crf).Distinct().Count(), Is.EqualTo(2));
        Assert.That(Specs.First(s => s.Options.Pattern == SynthPattern.TwoGap3).EvList, Is.EqualTo("-1.5,1.5"));
    }

    [Test]
    public void SpecsAreStable()
    {
        // The definition is fixed: a change here means the benchmark changed (bump SyntheticBenchmark.Version).
        Assert.That(SyntheticBenchmark.Version, Is.EqualTo("synth-bench/1"));
        Assert.That(Specs[0].Name, Is.EqualTo("bench00-2x2stop-gamma22-8bit"));
        Assert.That(Specs[7].Name, Is.EqualTo("bench07-2x3stop-srgb-12bit"));
        Assert.That(Specs[5].Options.Seed, Is.EqualTo(20260005UL));
    }

    [Test]
    public void GeneratesAClipWithModerateMotion()
    {
        var panos = Enumerable.Range(0, SyntheticBenchmark.RequiredPanoramas).Select(i => ProceduralHdr.Panorama(512, 256, 100 + i)).ToArray();
        var names = panos.Select((_, i) => $"pano{i:00}").ToArray();
        var spec = Specs[2];
        var clip = SyntheticBenchmark.Generate(spec, panos, names);
        Assert.That((clip.Width, clip.Height, clip.FrameCount), Is.EqualTo((512, 256, 12)));
        Assert.That(clip.Manifest.BackgroundName, Is.EqualTo(names[spec.BackgroundIndex]));
        Assert.That(clip.Manifest.ForegroundName, Is.EqualTo(names[spec.ForegroundIndex]));
        Assert.That(clip.Manifest.TransferName, Is.EqualTo(spec.Transfer));
        Assert.That(clip.FlowPairs, Has.Count.EqualTo(42), "3 exposures: radius 2");
        var (flow, valid) = clip.GroundTruthFlowAndValidity(6, 7);
        double max = 0;
        for (int i = 0; i < flow.PlaneSize; i++)
            if (valid.Data[i] > 0) max = Math.Max(max, Math.Sqrt(flow.Data[i] * flow.Data[i] + flow.Data[flow.PlaneSize + i] * flow.Data[flow.PlaneSize + i]));
        Assert.That(max, Is.InRange(0.5, 10), "a few px per frame");
        Assert.Throws<ArgumentException>(() => SyntheticBenchmark.Generate(spec, panos.Take(5).ToArray()));
    }
}
