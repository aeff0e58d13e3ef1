using System.Text.RegularExpressions;
using HdrOfx.Interop.Native;
using HdrOfx.Plugin.Tests.Host;
using NUnit.Framework;
using static HdrOfx.Plugin.Tests.TestSupport;

namespace HdrOfx.Plugin.Tests;

/// <summary>
/// Converted frames are reused only inside a batch (non-interactive) sequence render, give exactly the uncached result,
/// and never outlive a change: the end of the sequence, an InstanceChanged, or any interactive render.
/// </summary>
public class SequenceCacheTests
{
    private static readonly Regex Counts = new(@"frames converted (\d+), reused (\d+)");

    /// <summary>The synthetic clip, brightened by <paramref name="gain"/>() at fetch time (an upstream grade the test can change).</summary>
    private static FrameSource Source(SyntheticClip clip, Func<float> gain)
    {
        var src = clip.Source();
        var frame = src.Frame;
        src.Frame = f =>
        {
            var d = (float[])frame(f).Clone();
            float g = gain();
            for (int i = 0; i < d.Length; i++) if (i % 4 != 3) d[i] *= g;
            return d;
        };
        return src;
    }

    private static (int Converted, int Reused) LastCounts(HostInstance inst)
    {
        var m = OfxTestHost.MessagesFor(inst.Handle).Select(x => Counts.Match(x.Text)).Last(x => x.Success);
        return (int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value));
    }

    [Test]
    public void A_batch_sequence_converts_each_frame_once_and_matches_uncached_renders()
    {
        var clip = new SyntheticClip { Frames = 7, Width = 48, Height = 32 };
        var inst = Create(Source(clip, () => 1f), new RefSettings());
        var uncached = Enumerable.Range(1, 5).Select(t => Render(inst, t)).ToArray();
        Assert.That(LastCounts(inst), Is.EqualTo((3, 0)), "outside a sequence every render converts all it uses");
        Assert.That(Hdr.BeginSequence(inst, 1, 5, interactive: false), Is.EqualTo(Ofx.OK));
        for (int t = 1; t <= 5; t++)
        {
            Assert.That(Render(inst, t), Is.EqualTo(uncached[t - 1]), $"frame {t}");
            Assert.That(LastCounts(inst), Is.EqualTo(t == 1 ? (3, 0) : (1, 2)), $"conversions at frame {t}");
        }
        Assert.That(Hdr.EndSequence(inst, 1, 5, interactive: false), Is.EqualTo(Ofx.OK));
        Render(inst, 3);
        Assert.That(LastCounts(inst), Is.EqualTo((3, 0)), "the end of the sequence empties the cache");
        Hdr.Destroy(inst);
        AssertHostHealthy();
    }

    [Test]
    public void An_interactive_sequence_always_converts_afresh()
    {
        float gain = 1f;
        var clip = new SyntheticClip { Frames = 5, Width = 48, Height = 32 };
        var inst = Create(Source(clip, () => gain), new RefSettings());
        Assert.That(Hdr.BeginSequence(inst, 1, 3, interactive: true), Is.EqualTo(Ofx.OK));
        var a = Render(inst, 2);
        Assert.That(LastCounts(inst), Is.EqualTo((3, 0)));
        gain = 1.5f; // the user grades upstream while the viewer's sequence is open
        var b = Render(inst, 2);
        Assert.That(LastCounts(inst), Is.EqualTo((3, 0)));
        Assert.That(b, Is.Not.EqualTo(a), "the upstream change is seen");
        Assert.That(Hdr.EndSequence(inst, 1, 3, interactive: true), Is.EqualTo(Ofx.OK));
        Hdr.Destroy(inst);
        AssertHostHealthy();
    }

    [Test]
    public void InstanceChanged_drops_what_was_converted()
    {
        float gain = 1f;
        var clip = new SyntheticClip { Frames = 5, Width = 48, Height = 32 };
        var inst = Create(Source(clip, () => gain), new RefSettings());
        gain = 1.25f;
        var fresh = Render(inst, 2); // the reference result for the changed source, uncached
        gain = 1f;
        Assert.That(Hdr.BeginSequence(inst, 1, 3, interactive: false), Is.EqualTo(Ofx.OK));
        var old = Render(inst, 2);
        gain = 1.25f;
        Assert.That(Hdr.InstanceChanged(inst, HdrParams.OutputExposure, 2), Is.EqualTo(Ofx.OK));
        var after = Render(inst, 2);
        Assert.That(LastCounts(inst), Is.EqualTo((3, 0)));
        Assert.That(after, Is.EqualTo(fresh));
        Assert.That(after, Is.Not.EqualTo(old));
        Assert.That(Hdr.EndSequence(inst, 1, 3, interactive: false), Is.EqualTo(Ofx.OK));
        Hdr.Destroy(inst);
        AssertHostHealthy();
    }

    [Test]
    public void Eight_threads_in_a_batch_sequence_match_the_serial_result()
    {
        var clip = new SyntheticClip { Frames = 10, Width = 64, Height = 48 };
        var inst = Create(Source(clip, () => 1f), new RefSettings());
        var serial = Enumerable.Range(1, 8).Select(t => Render(inst, t)).ToArray();
        Assert.That(Hdr.BeginSequence(inst, 1, 8, interactive: false), Is.EqualTo(Ofx.OK));
        for (int round = 0; round < 2; round++) // the second round reads frames the first one stored
        {
            var (statuses, parallel) = RenderConcurrently(inst, 8);
            Assert.That(statuses, Is.All.EqualTo(Ofx.OK));
            for (int i = 0; i < 8; i++) Assert.That(parallel[i], Is.EqualTo(serial[i]), $"round {round}, frame {i + 1}");
        }
        Assert.That(Hdr.EndSequence(inst, 1, 8, interactive: false), Is.EqualTo(Ofx.OK));
        Hdr.Destroy(inst);
        AssertHostHealthy();
    }
}
