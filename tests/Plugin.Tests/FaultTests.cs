using HdrOfx.Engine.Models;
using HdrOfx.Engine.Models.Ldm;
using HdrOfx.Engine.Models.Zica;
using HdrOfx.Interop.Native;
using HdrOfx.Plugin.Testing;
using HdrOfx.Plugin.Tests.Host;
using NUnit.Framework;
using static HdrOfx.Plugin.Tests.TestSupport;

namespace HdrOfx.Plugin.Tests;

/// <summary>
/// Every injected fault must leave the host alive, return an error status, tell the user through the
/// message suite, release every image, and leave the instance able to render again.
/// </summary>
[TestFixture]
public class FaultTests
{
    private SyntheticClip _clip = null!;
    private FrameSource _src = null!;
    private HostInstance _inst = null!;

    [SetUp]
    public void SetUp()
    {
        _clip = new SyntheticClip { Frames = 6 };
        _src = _clip.Source();
        _inst = Create(_src, new RefSettings());
    }

    [TearDown]
    public void TearDown()
    {
        OfxTestHost.SetPersistentMessagesAvailable(true);
        Hdr.Destroy(_inst);
    }

    private void ExpectFailure(int expectedStatus, string messagePart, string? messageType = OfxMessageTypes.Error)
    {
        int before = OfxTestHost.MessagesFor(_inst.Handle).Count;
        int st = Hdr.Render(_inst, 2, out var o);
        o.Dispose();
        Assert.That(st, Is.EqualTo(expectedStatus), "status");
        var msgs = OfxTestHost.MessagesFor(_inst.Handle).Skip(before).Where(m => m.Type != "clear").ToList();
        Assert.That(msgs.Where(m => messageType == null || m.Type == messageType).Select(m => m.Text),
            Has.Some.Contains(messagePart), $"messages: {string.Join(" | ", msgs.Select(m => $"{m.Type}: {m.Text}"))}");
        AssertHostHealthy();
        // The host is alive and the instance recovers once the fault is gone.
        _inst.Faults.FailGetImage = null;
        _inst.Faults.NullImage = null;
        _inst.Faults.SourceDepthLie = null;
        _inst.Faults.FailParam = null;
        _inst.Faults.AbortAfterCalls = 0;
        Apply(_inst, new RefSettings());
        _inst.Param(HdrParams.InputMode).SetValue(0);
        _inst.Param(HdrParams.Ev[0]).SetValue(new RefSettings().EvAt(0, 0));
        AssertClose(Render(_inst, 2), Reference.Render(_src, new RefSettings(), 2), "after recovery");
    }

    [Test]
    public void ClipGetImage_fails_for_the_reference() =>
        Do(() => _inst.Faults.FailGetImage = (c, t) => c == "Source" && t == 2, Ofx.Failed, "could not fetch the source frame at 2");

    [Test]
    public void ClipGetImage_returns_NULL_for_the_reference() =>
        Do(() => _inst.Faults.NullImage = (c, t) => c == "Source" && t == 2, Ofx.Failed, "could not fetch the source frame at 2");

    [Test]
    public void Output_image_missing() =>
        Do(() => _inst.Faults.NullImage = (c, t) => c == "Output", Ofx.Failed, "clipGetImage(Output");

    [Test]
    public void Abort_stops_the_render() =>
        Do(() => _inst.Faults.AbortAfterCalls = 1, Ofx.Failed, "aborted", OfxMessageTypes.Log);

    [TestCase(OfxValues.BitDepthHalf)]
    [TestCase("OfxBitDepthNonsense")]
    public void Wrong_pixel_depth(string depth) =>
        Do(() => _inst.Faults.SourceDepthLie = depth, Ofx.ErrImageFormat, "unsupported pixel depth");

    [TestCase("ev0")]
    [TestCase("outputExposure")]
    public void Parameter_fetch_fails(string param) =>
        Do(() => _inst.Faults.FailParam = param, Ofx.ErrBadHandle, $"paramGetValueAtTime({param}");

    [Test]
    public void Exception_inside_the_engine() =>
        Do(() => _inst.Param(HdrParams.MethodOverride).SetString(TestMethods.Throw), Ofx.Failed, "injected engine failure");

    [Test]
    public void A_non_finite_result_fails_the_render_and_is_not_written()
    {
        _inst.Param(HdrParams.MethodOverride).SetString(TestMethods.NonFinite);
        int st = Hdr.Render(_inst, 2, out var o);
        unsafe
        {
            using (o) Assert.That(*(uint*)o.Data, Is.EqualTo(0x7f7f7f7fu), "the output image keeps the host's fill: nothing was written");
        }
        Assert.That(st, Is.EqualTo(Ofx.Failed));
        Assert.That(Errors(_inst).Select(m => m.Text), Has.Some.Contains("2 non-finite values"));
        Do(() => { }, Ofx.Failed, "non-finite");
    }

    [TestCase(HdrParams.OutputEncoding, 3, "Output Encoding: option 3 does not exist")]
    [TestCase(HdrParams.Diagnostic, -1, "Diagnostic View: option -1 does not exist")]
    [TestCase(HdrParams.Pattern, 2, "Pattern: option 2 does not exist")]
    [TestCase(HdrParams.Phase, 3, "Phase is 3")]
    [TestCase(HdrParams.Radius, -1, "Temporal Radius is -1")]
    public void An_out_of_range_value_is_refused_not_clamped(string param, int value, string message) =>
        Do(() => _inst.Param(param).SetValue(value), Ofx.Failed, message);

    [TestCase(double.NaN, "Slot 0 EV is NaN at frame 2")]
    [TestCase(1e300, "Slot 0 EV is 1E+300")]
    [TestCase(-20.5, "Slot 0 EV is -20.5")]
    public void A_bad_EV_is_refused(double ev, string message) =>
        Do(() => _inst.Param(HdrParams.Ev[0]).SetValue(ev), Ofx.Failed, message);

    [Test]
    public void Unknown_method() =>
        Do(() => _inst.Param(HdrParams.MethodOverride).SetString("no-such-method"), Ofx.Failed, "not available in this build");

    [Test]
    public void Single_exposure_mode_without_weights_names_the_file()
    {
        // The bundle may ship hdr-ldm.safetensors: the plug-in is pointed at an empty models folder instead.
        using var models = new PluginModels();
        Do(() =>
        {
            _inst.Param(HdrParams.MethodOverride).SetString("");
            _inst.Param(HdrParams.InputMode).SetValue(HdrParams.InputModeSingle);
        }, Ofx.Failed, $"HDR-LDM weights '{Path.Combine(models.Folder, LdmWeights.FileName)}' not found");
    }

    [Test]
    public void Hdr_v_diff_without_weights_names_the_file()
    {
        // A models folder with the other two shipped files but no zica.safetensors: the render fails naming it.
        using var models = new PluginModels();
        foreach (var file in new[] { TcamWeights.FileName, LdmWeights.FileName })
            File.Copy(Path.Combine(BundleFixture.BuiltModels, file), Path.Combine(models.Folder, file));
        Do(() =>
        {
            _inst.Param(HdrParams.MethodOverride).SetString("");
            _inst.Param(HdrParams.Method).SetValue(Array.IndexOf(HdrParams.MethodNames, "hdr-v-diff"));
        }, Ofx.Failed, Path.Combine(models.Folder, ZicaWeights.FileName));
    }

    [Test]
    public void Errors_reach_the_user_without_persistent_messages_as_in_Resolve()
    {
        OfxTestHost.SetPersistentMessagesAvailable(false);
        int before = OfxTestHost.MessagesFor(_inst.Handle).Count;
        _inst.Faults.FailGetImage = (c, t) => c == "Source" && t == 2;
        Assert.That(Hdr.Render(_inst, 2, out var o), Is.EqualTo(Ofx.Failed));
        o.Dispose();
        var msgs = OfxTestHost.MessagesFor(_inst.Handle).Skip(before).ToList();
        Assert.That(msgs, Has.Some.Matches<HostMessage>(m => !m.Persistent && m.Type == OfxMessageTypes.Error && m.Text.Contains("could not fetch")));
        _inst.Faults.FailGetImage = null;
        AssertClose(Render(_inst, 2), Reference.Render(_src, new RefSettings(), 2), "render without persistent messages");
        AssertHostHealthy();
    }

    [Test]
    public void A_failing_neighbour_is_treated_as_missing_with_a_warning()
    {
        _inst.Faults.FailGetImage = (c, t) => c == "Source" && t == 3;
        var got = Render(_inst, 2);
        AssertClose(got, Reference.Render(_src, new RefSettings(), 2, f => f == 3), "frame 2 without neighbour 3");
        Assert.That(OfxTestHost.MessagesFor(_inst.Handle), Has.Some.Matches<HostMessage>(m => m.Type == OfxMessageTypes.Warning && m.Text.Contains("3")));
        _inst.Faults.NullImage = (c, t) => c == "Source" && t == 1;
        _inst.Faults.FailGetImage = null;
        AssertClose(Render(_inst, 2), Reference.Render(_src, new RefSettings(), 2, f => f == 1), "frame 2 without neighbour 1");
        AssertHostHealthy();
    }

    [Test]
    public void Time_outside_the_reported_range_is_still_asked_of_the_host()
    {
        // The host reports a range without frame 2 but can deliver it (as an offset clip may): render succeeds.
        _inst.Clips["Source"].Props.Dbl(OfxImageEffectProps.FrameRange, 3, 5);
        try
        {
            AssertClose(Render(_inst, 2), Reference.Render(_src, new RefSettings(), 2), "frame 2 with an untrusted range");
        }
        finally
        {
            _inst.SetSource(_src);
        }
        AssertHostHealthy();
    }

    [Test]
    public void Time_outside_the_clip()
    {
        int st = Hdr.Render(_inst, 2, out var o);
        o.Dispose();
        Assert.That(st, Is.EqualTo(Ofx.OK));
        _src.Last = 1; // the clip got shorter: frame 2 is now outside it
        _inst.SetSource(_src);
        st = Hdr.Render(_inst, 2, out o);
        o.Dispose();
        Assert.That(st, Is.EqualTo(Ofx.Failed));
        Assert.That(Errors(_inst).Select(m => m.Text), Has.Some.Contains("could not fetch the source frame at 2"));
        _src.Last = 5;
        _inst.SetSource(_src);
        AssertHostHealthy();
    }

    [Test]
    public void Source_without_a_region_of_definition_leaves_RoD_and_RoI_to_the_host()
    {
        _inst.Faults.FailRoD = true;
        Assert.That(Hdr.RegionOfDefinition(_inst, 2, out _), Is.EqualTo(Ofx.ReplyDefault));
        Assert.That(Hdr.RegionsOfInterest(_inst, 2, [0, 0, 8, 8], out _), Is.EqualTo(Ofx.ReplyDefault));
        _inst.Faults.FailRoD = false;
        Assert.That(Hdr.RegionOfDefinition(_inst, 2, out var rod), Is.EqualTo(Ofx.OK));
        Assert.That(rod, Is.EqualTo(new double[] { 0, 0, _clip.Width, _clip.Height }));
        AssertHostHealthy();
    }

    [Test]
    public void A_neighbour_with_other_bounds_is_left_out()
    {
        // Frame 3 arrives at half scale (other bounds): it must be skipped, not misread.
        var real = _src.Frame;
        _inst.RenderScale = 1.0;
        var small = new FrameSource { Width = _clip.Width / 2, Height = _clip.Height / 2, First = 0, Last = 5, Frame = real };
        _inst.Faults.NullImage = null;
        var src2 = new FrameSource
        {
            Width = _clip.Width, Height = _clip.Height, First = 0, Last = 5,
            Frame = f => real(f),
        };
        _inst.SetSource(src2);
        _inst.FrameOverrides[3] = small;
        try
        {
            AssertClose(Render(_inst, 2), Reference.Render(_src, new RefSettings(), 2, f => f == 3), "frame 2 without neighbour 3");
            Assert.That(OfxTestHost.MessagesFor(_inst.Handle), Has.Some.Matches<HostMessage>(m => m.Type == OfxMessageTypes.Warning && m.Text.Contains("bounds")));
        }
        finally
        {
            _inst.FrameOverrides.Clear();
            _inst.SetSource(_src);
        }
        AssertHostHealthy();
    }

    private void Do(Action inject, int status, string message, string? type = OfxMessageTypes.Error)
    {
        inject();
        ExpectFailure(status, message, type);
    }
}
