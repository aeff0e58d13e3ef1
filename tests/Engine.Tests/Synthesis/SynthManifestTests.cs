using HdrOfx.Engine.Synthesis;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Synthesis;

public class SynthManifestTests
{
    [Test]
    public void JsonRoundTripsAndRebuildsTheFlow()
    {
        var o = new SynthOptions
        {
            Seed = 123456789012345UL, Frames = 4, Width = 96, Height = 64, Crf = CrfKind.InverseSigmoid,
            Pattern = SynthPattern.Three, Phase = 2, ForegroundCount = 2, MotionBlur = true, BlurSamples = 3, Flow = true,
        };
        var clip = ClipSynthesizer.Generate(o, ProceduralHdr.Panorama(128, 64, 3), ProceduralHdr.Panorama(128, 64, 4), "bg.exr", "fg.exr");
        string json = clip.Manifest.ToJson();
        var back = SynthManifest.FromJson(json);
        Assert.That(back.ToJson(), Is.EqualTo(json));
        Assert.That(back.Version, Is.EqualTo(SynthManifest.CurrentVersion));
        Assert.That(back.Seed, Is.EqualTo(o.Seed));
        Assert.That(back.Options with { }, Is.EqualTo(o), "options are a value-equal record");
        Assert.That(back.BackgroundName, Is.EqualTo("bg.exr"));
        Assert.That(back.ForegroundName, Is.EqualTo("fg.exr"));
        Assert.That(back.Crf, Is.EqualTo(clip.Crf));
        Assert.That(back.Crf.N, Is.InRange(0.4, 0.9));
        Assert.That(back.TransferName, Is.Null);
        Assert.That(back.Frames.Select(f => f.Ev), Is.EqualTo(clip.Evs));
        Assert.That(back.Frames.Select(f => f.Slot), Is.EqualTo(new[] { 2, 0, 1, 2 }));
        Assert.That(back.Normalization.Scale, Is.EqualTo(clip.Manifest.Normalization.Scale));
        Assert.That(back.Noise.ReadSigma, Is.EqualTo(clip.Manifest.Noise.ReadSigma));
        Assert.That(back.Layers, Has.Count.EqualTo(2));
        Assert.That(json, Does.Contain("\"crf\"").And.Contain("\"inverseSigmoid\"").Or.Contain("\"InverseSigmoid\""));

        var flow = back.Motion();
        flow.ComputeFlow(1, 3, out var f, out var v);
        Assert.That(f.Data, Is.EqualTo(clip.GroundTruthFlow(1, 3).Data), "flow rebuilt from the manifest alone");
        Assert.That(v.Data, Is.EqualTo(clip.GroundTruthValidity(1, 3).Data));
        Assert.That(back.Frames[1].Camera, Is.EqualTo(clip.Motion.Camera.At(1).ToArray()));
    }

    [Test]
    public void RejectsForeignJson()
    {
        Assert.Throws<FormatException>(() => SynthManifest.FromJson("{\"version\":\"something/1\"}"));
        Assert.Throws<FormatException>(() => SynthManifest.FromJson("null"));
    }
}
