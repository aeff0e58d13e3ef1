using System.Text.RegularExpressions;
using HdrOfx.Interop.Native;
using HdrOfx.Plugin.Tests.Host;
using NUnit.Framework;
using static HdrOfx.Plugin.Tests.TestSupport;

namespace HdrOfx.Plugin.Tests;

/// <summary>
/// Converted frames are reused inside a batch (non-interactive) sequence render, and outside one only while the host's
/// image identifier is unchanged; they give exactly the uncached result and never outlive a change: the end of the
/// sequence, an upstream edit (new identifiers), an InstanceChanged, or the Reuse Converted Frames switch.
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

    /// <summary>An upstream grade: <see cref="Set"/> changes it as a host would (new image identifiers).</summary>
    private sealed class Grade
    {
        public float Gain = 1f;
        public FrameSource Source = null!;

        public void Set(float g)
        {
            Gain = g;
            Source.Revision++;
        }
    }

    /// <summary>Frames 1..count rendered by an instance that can reuse nothing (no sequence, no identifiers).</summary>
    private static float[][] Uncached(SyntheticClip clip, int count, float gain = 1f)
    {
        var (plain, grade) = Graded(clip, identifiers: false);
        grade.Gain = gain;
        var frames = Enumerable.Range(1, count).Select(t => Render(plain, t)).ToArray();
        Hdr.Destroy(plain);
        return frames;
    }

    /// <summary>Renders frames 1..n in order: each equals the uncached result, and after the first each converts one new frame.</summary>
    private static void RenderInOrder(HostInstance inst, float[][] uncached)
    {
        for (int t = 1; t <= uncached.Length; t++)
        {
            Assert.That(Render(inst, t), Is.EqualTo(uncached[t - 1]), $"frame {t}");
            Assert.That(LastCounts(inst), Is.EqualTo(t == 1 ? (3, 0) : (1, 2)), $"conversions at frame {t}");
        }
    }

    private static (HostInstance, Grade) Graded(SyntheticClip clip, bool identifiers)
    {
        var grade = new Grade();
        grade.Source = Source(clip, () => grade.Gain);
        var inst = Create(grade.Source, new RefSettings());
        inst.ImageIdentifiers = identifiers;
        return (inst, grade);
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
        var (inst, _) = Graded(clip, identifiers: false);
        var uncached = Enumerable.Range(1, 5).Select(t => Render(inst, t)).ToArray();
        Assert.That(LastCounts(inst), Is.EqualTo((3, 0)), "outside a sequence, without identifiers, every render converts all it uses");
        Assert.That(Hdr.BeginSequence(inst, 1, 5, interactive: false), Is.EqualTo(Ofx.OK));
        RenderInOrder(inst, uncached);
        Assert.That(Hdr.EndSequence(inst, 1, 5, interactive: false), Is.EqualTo(Ofx.OK));
        Render(inst, 3);
        Assert.That(LastCounts(inst), Is.EqualTo((3, 0)), "the end of the sequence empties the cache");
        Hdr.Destroy(inst);
        AssertHostHealthy();
    }

    [Test]
    public void Without_identifiers_an_interactive_sequence_always_converts_afresh()
    {
        var clip = new SyntheticClip { Frames = 5, Width = 48, Height = 32 };
        var (inst, grade) = Graded(clip, identifiers: false);
        Assert.That(Hdr.BeginSequence(inst, 1, 3, interactive: true), Is.EqualTo(Ofx.OK));
        var a = Render(inst, 2);
        Assert.That(LastCounts(inst), Is.EqualTo((3, 0)));
        grade.Gain = 1.5f; // the user grades upstream while the viewer's sequence is open
        var b = Render(inst, 2);
        Assert.That(LastCounts(inst), Is.EqualTo((3, 0)));
        Assert.That(b, Is.Not.EqualTo(a), "the upstream change is seen");
        Assert.That(Hdr.EndSequence(inst, 1, 3, interactive: true), Is.EqualTo(Ofx.OK));
        Hdr.Destroy(inst);
        AssertHostHealthy();
    }

    [Test]
    public void Viewer_renders_reuse_frames_by_identifier_and_match_uncached_renders()
    {
        var clip = new SyntheticClip { Frames = 7, Width = 48, Height = 32 };
        var uncached = Uncached(clip, 5);
        var (inst, _) = Graded(clip, identifiers: true);
        Assert.That(Hdr.BeginSequence(inst, 1, 5, interactive: true), Is.EqualTo(Ofx.OK));
        RenderInOrder(inst, uncached);
        Assert.That(Hdr.EndSequence(inst, 1, 5, interactive: true), Is.EqualTo(Ofx.OK));
        Render(inst, 4);
        Assert.That(LastCounts(inst), Is.EqualTo((0, 3)), "renders outside any sequence reuse by identifier too");
        Hdr.Destroy(inst);
        AssertHostHealthy();
    }

    [Test]
    public void An_upstream_edit_changes_the_identifiers_and_is_seen_at_once()
    {
        var clip = new SyntheticClip { Frames = 5, Width = 48, Height = 32 };
        var expected = Uncached(clip, 2, gain: 1.5f)[1];
        var (inst, grade) = Graded(clip, identifiers: true);
        var before = Render(inst, 2);
        Render(inst, 2);
        Assert.That(LastCounts(inst), Is.EqualTo((0, 3)));
        grade.Set(1.5f); // the host sees the edit: new identifiers for every frame
        var after = Render(inst, 2);
        Assert.That(LastCounts(inst), Is.EqualTo((3, 0)));
        Assert.That(after, Is.EqualTo(expected));
        Assert.That(after, Is.Not.EqualTo(before));
        Hdr.Destroy(inst);
        AssertHostHealthy();
    }

    [Test]
    public void A_host_with_a_new_identifier_per_fetch_still_gets_batch_reuse_and_no_stale_viewer_frames()
    {
        var clip = new SyntheticClip { Frames = 6, Width = 48, Height = 32 };
        var uncached = Uncached(clip, 4);
        var (inst, grade) = Graded(clip, identifiers: true);
        inst.PerFetchIdentifiers = true;
        Render(inst, 2);
        Render(inst, 2);
        Assert.That(LastCounts(inst), Is.EqualTo((3, 0)), "identifiers that never repeat: no viewer reuse");
        grade.Gain = 1.5f; // an upstream edit such a host does not announce
        grade.Gain = 1f;   // ... and undone, so the batch below must see gain 1 whatever was kept
        Assert.That(Hdr.BeginSequence(inst, 1, 4, interactive: false), Is.EqualTo(Ofx.OK));
        RenderInOrder(inst, uncached); // batch reuse by frame
        Assert.That(Hdr.EndSequence(inst, 1, 4, interactive: false), Is.EqualTo(Ofx.OK));
        Hdr.Destroy(inst);
        AssertHostHealthy();
    }

    [Test]
    public void A_batch_sequence_starts_without_frames_kept_by_the_viewer()
    {
        var clip = new SyntheticClip { Frames = 5, Width = 48, Height = 32 };
        var expected = Uncached(clip, 2, gain: 1.5f)[1];
        var (inst, grade) = Graded(clip, identifiers: true);
        Render(inst, 2); // kept under content identifiers
        grade.Gain = 1.5f; // an edit the host fails to announce (same identifiers)
        Assert.That(Hdr.BeginSequence(inst, 1, 3, interactive: false), Is.EqualTo(Ofx.OK));
        Assert.That(Render(inst, 2), Is.EqualTo(expected), "the batch converted afresh");
        Assert.That(LastCounts(inst), Is.EqualTo((3, 0)));
        Assert.That(Hdr.EndSequence(inst, 1, 3, interactive: false), Is.EqualTo(Ofx.OK));
        Hdr.Destroy(inst);
        AssertHostHealthy();
    }

    [Test]
    public void Reuse_switched_off_converts_every_frame_even_in_a_batch_sequence()
    {
        var clip = new SyntheticClip { Frames = 5, Width = 48, Height = 32 };
        var (inst, _) = Graded(clip, identifiers: true);
        inst.Param(HdrParams.ReuseFrames).SetValue(0);
        Assert.That(Hdr.BeginSequence(inst, 1, 3, interactive: false), Is.EqualTo(Ofx.OK));
        for (int t = 1; t <= 3; t++)
        {
            Render(inst, t);
            Assert.That(LastCounts(inst), Is.EqualTo((3, 0)), $"frame {t}");
        }
        Assert.That(Hdr.EndSequence(inst, 1, 3, interactive: false), Is.EqualTo(Ofx.OK));
        Hdr.Destroy(inst);
        AssertHostHealthy();
    }

    [Test]
    public void InstanceChanged_drops_what_was_converted()
    {
        var clip = new SyntheticClip { Frames = 5, Width = 48, Height = 32 };
        var (inst, grade) = Graded(clip, identifiers: false); // a change the host does not signal through identifiers
        ref float gain = ref grade.Gain;
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
