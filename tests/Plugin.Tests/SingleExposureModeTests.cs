using HdrOfx.Interop.Native;
using HdrOfx.Plugin.Testing;
using HdrOfx.Plugin.Tests.Host;
using NUnit.Framework;
using static HdrOfx.Plugin.Tests.TestSupport;

namespace HdrOfx.Plugin.Tests;

/// <summary>
/// Input Mode "Single exposure": one frame per render (radius 0) at Slot 0 EV. HDR-LDM's weights are not in the
/// test bundle, so the plumbing is checked with the test merge method (over one frame: the frame / 2^EV0).
/// </summary>
[TestFixture]
public class SingleExposureModeTests
{
    [Test]
    public void Each_frame_is_rebuilt_from_itself_at_slot_0_ev()
    {
        var clip = new SyntheticClip { Evs = [-2, 0], Frames = 5 };
        var src = clip.Source();
        var s = new RefSettings { PatternLength = 1, Method = TestMethods.Merge };
        var inst = Create(src, s);
        Assert.That(Hdr.FramesNeeded(inst, 2, out var needed), Is.EqualTo(Ofx.OK));
        Assert.That(needed, Is.EqualTo(new[] { 2.0, 2.0 }));
        for (int t = 0; t < clip.Frames; t++)
            AssertClose(Render(inst, t), Reference.Render(src, s, t), $"frame {t}");
        Hdr.Destroy(inst);
        AssertHostHealthy();
    }

    [Test]
    public void An_alternating_exposure_method_is_refused_with_a_clear_message()
    {
        var clip = new SyntheticClip { Evs = [-2, 0], Frames = 3 };
        var src = clip.Source();
        var inst = Create(src, new RefSettings { PatternLength = 1, Method = "classical" });
        Assert.That(Hdr.Render(inst, 1, out var o), Is.EqualTo(Ofx.Failed));
        o.Dispose();
        Assert.That(OfxTestHost.MessagesFor(inst.Handle), Has.Some.Matches<HostMessage>(m => m.Text.Contains("needs alternating exposures")));
        Hdr.Destroy(inst);
        AssertHostHealthy();
    }
}
