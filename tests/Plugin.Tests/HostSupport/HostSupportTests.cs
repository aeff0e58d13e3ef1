using HdrOfx.Engine.Imaging;
using NUnit.Framework;
using static HdrOfx.Plugin.Tests.HostSupport.OfxHostRun;

namespace HdrOfx.Plugin.Tests.HostSupport;

/// <summary>
/// The bundles in an independent host built on the official HostSupport library (shared/ofxhost): strict describe,
/// renders at every depth, determinism across threads and order, keyframes, missing frames, forced failures with
/// HostSupport's own message suite, unloading (dlclose) while the process lives on, and an AddressSanitizer host.
/// </summary>
[TestFixture, NonParallelizable]
public class HostSupportTests
{
    private string _dir = null!;

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("hdrofx-hostsupport-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, true);

    private static string[] Generated(int w, int h, int first, int last, params string[] more) =>
        ["-g", "-W", $"{w}", "-H", $"{h}", "--ev", "-2,2", "-f", $"{first}", "-l", $"{last}", "-p", "ev0=-2", "-p", "ev1=2", .. more];

    private static void AssertClean(Result r, int frames)
    {
        Assert.That(r.Frames, Has.Count.EqualTo(frames), r.Log);
        Assert.That(r.Frames.Select(f => f.NonFinite), Has.All.EqualTo(0), r.Log);
        Assert.That(r.ImagesNotReleased, Is.EqualTo(0), r.Log);
        Assert.That(r.BadHandleMessages, Is.EqualTo(0), r.Log);
    }

    [Test]
    public void Lists_both_plug_ins_without_any_workaround_flag()
    {
        var r = Run("--list").Expect(0);
        Assert.That(r.StdOut.Split('\n', StringSplitOptions.TrimEntries), Does.Contain(HdrId).And.Contain(GainId), r.Log);
        Assert.That(r.StdErr, Does.Not.Contain("propSet").And.Not.Contain("describe failed"), r.Log);
    }

    [TestCase("float", "rgba")]
    [TestCase("short", "rgba")]
    [TestCase("byte", "rgb")]
    public void Renders_at_each_depth(string depth, string components)
    {
        var r = Run([.. Generated(64, 48, 0, 3, "-d", depth, "-c", components), HdrId]).Expect(0);
        AssertClean(r, 4);
        // EV −2 frames hold radiance up to 4 (1.0 clipped at exposure 2^−2); no frame is black.
        Assert.That(r.Frames.Select(f => f.Max), Has.All.GreaterThan(0.5), r.Log);
        Assert.That(r.Frames.Select(f => f.Min), Has.All.GreaterThanOrEqualTo(0), r.Log);
    }

    [TestCase("", "mapped byte RGBA")]
    [TestCase("--no-mixed-depths", "mapped float RGBA")]
    public void Clip_preferences_read_the_hosts_mixed_depth_capability(string flag, string mapped)
    {
        // kOfxImageEffectPropSupportsMultipleClipDepths ("OfxImageEffectPropMultipleClipDepths"): without it the
        // plug-in asks for float on Source as well as Output.
        string[] extra = flag.Length > 0 ? ["-d", "byte", flag] : ["-d", "byte"];
        var r = Run([.. Generated(32, 24, 0, 1, extra), HdrId]).Expect(0);
        Assert.That(r.StdErr, Does.Contain($"Source offered byte RGBA -> {mapped}, Output float RGBA"), r.Log);
        AssertClean(r, 2);
    }

    private byte[][] Outputs(string name, params string[] args)
    {
        string pattern = Path.Combine(_dir, name + ".%04d.pfm");
        Run([.. Generated(80, 45, 0, 5, "-o", pattern), .. args, HdrId]).Expect(0);
        return Enumerable.Range(0, 6).Select(t => File.ReadAllBytes(pattern.Replace("%04d", $"{t:D4}"))).ToArray();
    }

    [Test]
    public void Threads_and_render_order_do_not_change_a_bit()
    {
        var one = Outputs("j1", "-j", "1");
        var eight = Outputs("j8", "-j", "8");
        var shuffled = Outputs("random", "-j", "8", "--random-order", "--seed", "7");
        var interactive = Outputs("interactive", "-j", "2", "--interactive", "--random-order");
        for (int t = 0; t < one.Length; t++)
        {
            Assert.That(eight[t], Is.EqualTo(one[t]), $"frame {t}: -j 8");
            Assert.That(shuffled[t], Is.EqualTo(one[t]), $"frame {t}: random order");
            Assert.That(interactive[t], Is.EqualTo(one[t]), $"frame {t}: interactive");
        }
    }

    [Test]
    public void Keyframed_EVs_are_read_at_each_fetched_frame()
    {
        // test-merge averages Linear / 2^EV over the window, so every frame's EV shows in the output.
        string input = Path.Combine(_dir, "in.%04d.pfm"), output = Path.Combine(_dir, "out.%04d.pfm");
        var r = Run(Binary, [.. Generated(32, 24, 0, 4, "--dump-input", input, "-o", output, "-p", "inputTransfer=3", "-p", "methodOverride=test-merge",
            "-p", "ev0@0=-2", "-p", "ev0@4=-1", "-p", "ev1@0=2", "-p", "ev1@4=3"), HdrId], TestHooks).Expect(0);
        AssertClean(r, 5);
        double Ev(int frame) => frame % 2 == 0 ? -2 + frame / 4.0 : 2 + frame / 4.0;
        for (int t = 1; t <= 3; t++)
        {
            var got = Pfm.Read(output.Replace("%04d", $"{t:D4}"));
            var window = new[] { t - 1, t, t + 1 }.Select(f => (Pfm.Read(input.Replace("%04d", $"{f:D4}")), Ev(f))).ToList();
            for (int i = 0; i < got.Data.Length; i += 97)
            {
                double expected = window.Average(w => Linearizer.Clamp01(w.Item1.Data[i]) / Math.Pow(2, w.Item2));
                Assert.That(got.Data[i], Is.EqualTo(expected).Within(1e-4).Percent, $"frame {t}, sample {i}");
            }
        }
    }

    [Test]
    public void A_missing_frame_and_a_range_past_the_input_are_reported_not_crashed()
    {
        string input = Path.Combine(_dir, "in.%04d.pfm");
        Run([.. Generated(48, 32, 0, 5, "--dump-input", input), HdrId]).Expect(0);
        File.Delete(input.Replace("%04d", "0003"));
        var r = Run("-i", input, "--src-range", "0,5", "-f", "0", "-l", "7", "-p", "ev0=-2", "-p", "ev1=2", HdrId).Expect(1);
        Assert.That(r.Failed, Is.EqualTo(new[] { 3, 6, 7 }), r.Log);
        Assert.That(r.Frames.Select(f => f.Time), Is.EqualTo(new[] { 0, 1, 2, 4, 5 }), r.Log);
        Assert.That(r.Frames.Where(f => f.Time is 2 or 4).Select(f => f.NullFetches), Has.All.EqualTo(1), r.Log);
        Assert.That(r.StdErr, Does.Contain("neighbour frame(s) 3 could not be used").And.Contain("could not fetch the source frame at 6"), r.Log);
        Assert.That(r.ImagesNotReleased, Is.EqualTo(0), r.Log);
    }

    [Test]
    public void HostSupport_message_suite_survives_a_failed_describe()
    {
        var hooks = new Dictionary<string, string>(TestHooks) { ["HDROFX_TEST_FAIL_DESCRIBE"] = "1" };
        var list = Run(Binary, ["--stock-message-suite", "--list"], hooks).Expect(0);
        Assert.That(list.StdOut + list.StdErr, Does.Contain("describe failed on request"), list.Log);
        var render = Run(Binary, ["--stock-message-suite", .. Generated(32, 24, 0, 1), HdrId], hooks).Expect(3);
        Assert.That(render.StdOut + render.StdErr, Does.Contain("describe failed on request"), render.Log);
    }

    [Test]
    public void HostSupport_message_suite_survives_a_failed_render()
    {
        var r = Run(Binary, ["--stock-message-suite", .. Generated(32, 24, 0, 2, "-p", "methodOverride=test-throw"), HdrId], TestHooks).Expect(1);
        Assert.That(r.Failed, Is.EqualTo(new[] { 0, 1, 2 }), r.Log);
        Assert.That(r.StdErr, Does.Contain("injected engine failure"), r.Log);
        Assert.That(r.ImagesNotReleased, Is.EqualTo(0), r.Log);
    }

    [TestCase("ev0=nan", "Slot 0 EV is NaN")]
    [TestCase("ev0=1e300", "Slot 0 EV is 1E+300")]
    [TestCase("outputExposure=-inf", "Output Exposure is -Infinity")]
    [TestCase("outputEncoding=7", "Output Encoding: option 7 does not exist")]
    [TestCase("temporalRadius=9", "Temporal Radius is 9")]
    [TestCase("methodOverride=oracle", "method 'oracle' cannot reconstruct this clip")]
    public void Bad_parameter_values_fail_the_render_with_a_clear_message(string param, string message)
    {
        var r = Run([.. Generated(32, 24, 0, 1, "-p", param), HdrId]).Expect(1);
        Assert.That(r.Failed, Is.EqualTo(new[] { 0, 1 }), r.Log);
        Assert.That(r.StdErr, Does.Contain(message), r.Log);
        Assert.That(r.StdErr, Does.Not.Contain("internal error"), r.Log);
    }

    [Test]
    public void Survives_unloading_while_the_host_lives_on()
    {
        // HostSupport dlclose()s the plug-ins and the host keeps running: the runtime's threads must not run in unmapped code.
        var runs = Enumerable.Range(0, 3).Select(_ => Task.Run(() => Run([.. Generated(48, 32, 0, 2, "-j", "4"), "--linger", "5", HdrId]))).ToArray();
        foreach (var r in runs.Select(t => t.Result))
        {
            r.Expect(0);
            Assert.That(r.StdErr, Does.Contain("still alive after lingering"), r.Log);
        }
    }

    [TestCase("float", "rgba", 97, 61)]
    [TestCase("short", "rgb", 33, 17)]
    [TestCase("byte", "rgba", 9, 7)]
    public void AddressSanitizer_host_finds_no_bad_access_at_odd_sizes(string depth, string components, int w, int h)
    {
        var r = Run(AsanBinary, [.. Generated(w, h, 0, 2, "-d", depth, "-c", components, "-j", "3"), HdrId],
            new Dictionary<string, string> { ["ASAN_OPTIONS"] = "detect_leaks=0" }, 300).Expect(0);
        Assert.That(r.StdErr, Does.Not.Contain("AddressSanitizer"), r.Log);
        AssertClean(r, 3);
    }

    [Test]
    public void GainExample_renders_its_gain()
    {
        string input = Path.Combine(_dir, "in.%04d.pfm"), output = Path.Combine(_dir, "out.%04d.pfm");
        var r = Run("-g", "-W", "40", "-H", "30", "-f", "0", "-l", "1", "--dump-input", input, "-o", output, "-p", "gain=2.5", GainId).Expect(0);
        AssertClean(r, 2);
        var a = Pfm.Read(input.Replace("%04d", "0001"));
        var b = Pfm.Read(output.Replace("%04d", "0001"));
        for (int i = 0; i < a.Data.Length; i++) Assert.That(b.Data[i], Is.EqualTo(a.Data[i] * 2.5f).Within(1e-6f), $"sample {i}");
    }
}
