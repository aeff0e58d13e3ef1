using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.Reconstruction;
using NUnit.Framework;

namespace HdrOfx.Engine.Tests.Reconstruction;

[TestFixture]
public class FrameWindowTests
{
    [Test]
    public void The_window_runs_from_t_minus_r_to_t_plus_r()
    {
        var w = new FrameWindow(10, 2);
        Assert.That(w.Count, Is.EqualTo(5));
        Assert.That(w.RefIndex, Is.EqualTo(2));
        Assert.That(Enumerable.Range(0, w.Count).Select(w.FrameAt), Is.EqualTo(new[] { 8, 9, 10, 11, 12 }));
    }

    [Test]
    public void Radius_defaults_by_pattern_and_is_limited()
    {
        Assert.That(FrameWindow.ResolveRadius(0, 2), Is.EqualTo(1));
        Assert.That(FrameWindow.ResolveRadius(-1, 3), Is.EqualTo(2));
        Assert.That(FrameWindow.ResolveRadius(FrameWindow.MaxRadius, 2), Is.EqualTo(FrameWindow.MaxRadius));
        var e = Assert.Throws<ArgumentException>(() => FrameWindow.ResolveRadius(FrameWindow.MaxRadius + 1, 2));
        Assert.That(e!.Message, Is.EqualTo($"temporal radius {FrameWindow.MaxRadius + 1} is larger than {FrameWindow.MaxRadius}"));
    }

    [TestCase(0, 0, 2, 0)]
    [TestCase(5, 1, 2, 0)]
    [TestCase(-1, 0, 2, 1)]
    [TestCase(-4, 2, 3, 1)]
    [TestCase(7, 2, 3, 0)]
    public void Slot_is_frame_plus_phase_mod_length_for_any_sign(int frame, int phase, int length, int slot)
    {
        Assert.That(ExposurePattern.Slot(frame, phase, length), Is.EqualTo(slot));
        Assert.That(new ExposurePattern(Enumerable.Repeat(0.0, length).ToArray(), phase).SlotOf(frame), Is.EqualTo(slot));
    }
}
