using HdrOfx.Engine.Imaging;
using HdrOfx.Engine.Reconstruction;
using HdrOfx.Interop.Native;
using HdrOfx.Plugin.Testing;
using HdrOfx.Plugin.Tests.Host;
using NUnit.Framework;
using static HdrOfx.Plugin.Tests.TestSupport;

namespace HdrOfx.Plugin.Tests;

[TestFixture]
public class RenderTests
{
    [TestCase(OfxValues.ContextFilter)]
    [TestCase(OfxValues.ContextGeneral)]
    public void Full_lifecycle_as_Resolve_and_Nuke_drive_it(string context)
    {
        var clip = new SyntheticClip();
        var src = clip.Source();
        var inst = Hdr.CreateInstance(context, src);
        Apply(inst, new RefSettings());
        Assert.That(Hdr.ClipPreferences(inst, out var prefs), Is.EqualTo(Ofx.OK));
        Assert.That(prefs.GetString(OfxClipProps.DepthPrefix + "Output"), Is.EqualTo(OfxValues.BitDepthFloat));
        Assert.That(prefs.GetString(OfxClipProps.ComponentsPrefix + "Output"), Is.EqualTo(OfxValues.ComponentRGBA));

        Assert.That(Hdr.FramesNeeded(inst, 5, out var needed), Is.EqualTo(Ofx.OK));
        Assert.That(needed, Is.EqualTo(new[] { 4.0, 6.0 }));
        inst.Param(HdrParams.Pattern).SetValue(1);
        Assert.That(Hdr.FramesNeeded(inst, 5, out needed), Is.EqualTo(Ofx.OK));
        Assert.That(needed, Is.EqualTo(new[] { 3.0, 7.0 }));
        inst.Param(HdrParams.Radius).SetValue(3);
        Assert.That(Hdr.FramesNeeded(inst, 5, out needed), Is.EqualTo(Ofx.OK));
        Assert.That(needed, Is.EqualTo(new[] { 2.0, 8.0 }));
        Apply(inst, new RefSettings());

        Assert.That(Hdr.RegionOfDefinition(inst, 5, out var rod), Is.EqualTo(Ofx.OK));
        Assert.That(rod, Is.EqualTo(new double[] { 0, 0, clip.Width, clip.Height }));
        Assert.That(Hdr.RegionsOfInterest(inst, 5, [4, 4, 10, 10], out var roi), Is.EqualTo(Ofx.OK));
        Assert.That(roi, Is.EqualTo(new double[] { 0, 0, clip.Width, clip.Height }));
        Assert.That(Hdr.IsIdentity(inst, 5, out _, out _), Is.EqualTo(Ofx.ReplyDefault));

        Assert.That(Hdr.BeginSequence(inst, 0, clip.Frames - 1), Is.EqualTo(Ofx.OK));
        for (int t = 0; t < clip.Frames; t++)
            AssertClose(Render(inst, t), Reference.Render(src, new RefSettings(), t), $"frame {t}");
        Assert.That(Hdr.EndSequence(inst, 0, clip.Frames - 1), Is.EqualTo(Ofx.OK));

        Assert.That(Hdr.InstanceChanged(inst, HdrParams.Pattern, 3), Is.EqualTo(Ofx.OK));
        Assert.That(Hdr.InstanceChanged(inst, HdrParams.Ev[0], 3), Is.EqualTo(Ofx.OK));
        Assert.That(Hdr.Destroy(inst), Is.EqualTo(Ofx.OK));
        AssertHostHealthy();
    }

    /// <summary>Plug-in output equals the engine's reconstruction of the same clip (2 and 3 exposures, phases, depths, layouts).</summary>
    [TestCase(2, 0, OfxValues.BitDepthFloat, OfxValues.ComponentRGBA)]
    [TestCase(2, 1, OfxValues.BitDepthFloat, OfxValues.ComponentRGBA)]
    [TestCase(3, 0, OfxValues.BitDepthFloat, OfxValues.ComponentRGBA)]
    [TestCase(3, 2, OfxValues.BitDepthFloat, OfxValues.ComponentRGB)]
    [TestCase(2, 0, OfxValues.BitDepthByte, OfxValues.ComponentRGBA)]
    [TestCase(3, 1, OfxValues.BitDepthShort, OfxValues.ComponentRGBA)]
    [TestCase(2, 0, OfxValues.BitDepthByte, OfxValues.ComponentRGB)]
    public void Output_equals_engine_reconstruction(int n, int phase, string depth, string comps)
    {
        var clip = new SyntheticClip { Evs = n == 3 ? [-2, 0, 2] : [-2, 0], Phase = phase, Frames = 9 };
        var src = clip.Source(depth, comps);
        var s = new RefSettings { PatternLength = n, Phase = phase };
        var inst = Create(src, s);
        for (int t = 0; t < clip.Frames; t++)
            AssertClose(Render(inst, t), Reference.Render(src, s, t), $"frame {t}");
        Hdr.Destroy(inst);
        AssertHostHealthy();
    }

    /// <summary>
    /// The Method choice (not the override) set to a shipped method renders what the engine gives with that method. The
    /// output must also differ from the other shipped method's, so a choice the plug-in ignored cannot pass.
    /// </summary>
    [TestCase("classical", 2)]
    [TestCase("classical", 3)]
    [TestCase("tcam", 2)]
    [TestCase("tcam", 3)]
    public void Output_equals_engine_with_the_shipped_method(string method, int n)
    {
        if (!Reconstructor.Methods.Contains(method, StringComparer.OrdinalIgnoreCase))
            Assert.Fail($"method '{method}' is not registered (TestSupport registers the shipped methods)");
        var clip = new SyntheticClip { Evs = n == 3 ? [-2, 0, 2] : [-2, 0], Frames = 6 };
        var src = clip.Source();
        var s = new RefSettings { PatternLength = n, Method = "" };
        var inst = Create(src, s);
        inst.Param(HdrParams.Method).SetValue(Array.IndexOf(HdrParams.MethodNames, method));
        var other = s with { Method = method == "classical" ? "tcam" : "classical" };
        double apart = 0;
        for (int t = 0; t < clip.Frames; t++)
        {
            var output = Render(inst, t);
            AssertClose(output, Reference.Render(src, s with { Method = method }, t), $"{method}, frame {t}");
            apart = Math.Max(apart, Reference.MaxRelError(output, Reference.Render(src, other, t)));
        }
        Assert.That(apart, Is.GreaterThan(1e-2), $"the render equals {other.Method}'s: the Method choice was not applied");
        Hdr.Destroy(inst);
        AssertHostHealthy();
    }

    [TestCase(OutputEncodingKind.SceneLinear, 1.5, TransferFunction.Srgb)]
    [TestCase(OutputEncodingKind.Pq, 0.0, TransferFunction.Rec709)]
    [TestCase(OutputEncodingKind.Hlg, -1.0, TransferFunction.Gamma22)]
    [TestCase(OutputEncodingKind.SceneLinear, 0.0, TransferFunction.Linear)]
    public void Exposure_encoding_and_transfer_follow_the_parameters(OutputEncodingKind enc, double stops, TransferFunction tf)
    {
        var clip = new SyntheticClip { Transfer = tf, Frames = 4 };
        var src = clip.Source();
        var s = new RefSettings { Encoding = enc, OutputExposure = stops, Transfer = tf };
        var inst = Create(src, s);
        for (int t = 0; t < clip.Frames; t++)
            AssertClose(Render(inst, t), Reference.Render(src, s, t), $"frame {t}");
        Hdr.Destroy(inst);
    }

    [TestCase(1)]
    [TestCase(2)]
    public void Diagnostic_views_show_the_engine_planes(int view)
    {
        var clip = new SyntheticClip { Frames = 4 };
        var src = clip.Source();
        var s = new RefSettings { Diagnostic = view };
        var inst = Create(src, s);
        for (int t = 0; t < clip.Frames; t++)
            AssertClose(Render(inst, t), Reference.Render(src, s, t), $"frame {t}");
        Hdr.Destroy(inst);
    }

    [Test]
    public void Keyframed_EV_changes_exactly_the_frames_that_use_it()
    {
        var clip = new SyntheticClip { Frames = 12 };
        var src = clip.Source();
        var plain = new RefSettings();
        var a = Create(src, plain);
        var b = Create(src, plain);
        // Slot 1 (odd frames, phase 0) keeps EV 0 up to frame 6, then ramps to +1 at frame 8 and stays.
        var ev1 = b.Param(HdrParams.Ev[1]);
        ev1.SetKey(6, 0.0);
        ev1.SetKey(8, 1.0);
        var keyed = plain with { EvAt = (slot, t) => slot == 1 ? (t <= 6 ? 0 : t >= 8 ? 1 : (t - 6) / 2.0) : -2 };
        for (int t = 0; t < clip.Frames; t++)
        {
            var ra = Render(a, t);
            var rb = Render(b, t);
            AssertClose(rb, Reference.Render(src, keyed, t), $"keyed frame {t}");
            // Frame t uses frames t-1..t+1; the odd ones after 6 (7, 9, 11) have a changed EV.
            bool affected = Enumerable.Range(t - 1, 3).Any(f => f >= 7 && f < clip.Frames && f % 2 == 1);
            if (affected) Assert.That(rb, Is.Not.EqualTo(ra), $"frame {t} must change");
            else Assert.That(rb, Is.EqualTo(ra), $"frame {t} must not change");
        }
        Hdr.Destroy(a);
        Hdr.Destroy(b);
    }

    [TestCase(RowLayout.Negative)]
    [TestCase(RowLayout.OddPadding)]
    public void Negative_and_odd_row_bytes_give_the_same_pixels(RowLayout layout)
    {
        var clip = new SyntheticClip { Frames = 3 };
        var src = clip.Source();
        var inst = Create(src, new RefSettings());
        inst.Layout = layout;
        AssertClose(Render(inst, 1), Reference.Render(src, new RefSettings(), 1), layout.ToString());
        Hdr.Destroy(inst);
        AssertHostHealthy();
    }

    [TestCase(OfxValues.BitDepthShort, 1 / 65535.0)]
    [TestCase(OfxValues.BitDepthByte, 1 / 255.0)]
    public void Integer_output_depths_are_quantized_not_garbled(string depth, double step)
    {
        var clip = new SyntheticClip { Frames = 3 };
        var src = clip.Source();
        var s = new RefSettings { Encoding = OutputEncodingKind.Pq };
        var inst = Create(src, s);
        int st = Hdr.Render(inst, 1, out var o, outDepth: depth);
        using (o)
        {
            Assert.That(st, Is.EqualTo(Ofx.OK));
            var exp = Reference.Render(src, s, 1).Select(v => Math.Clamp(v, 0f, 1f)).ToArray();
            var got = o.ToArray();
            for (int i = 0; i < got.Length; i++) Assert.That(got[i], Is.EqualTo(exp[i]).Within(step * 0.51 + 1e-6), $"sample {i}");
        }
        Hdr.Destroy(inst);
    }

    [Test]
    public void A_host_without_mixed_depths_gets_float_on_both_clips()
    {
        var clip = new SyntheticClip { Frames = 2 };
        var inst = Hdr.CreateInstance(OfxValues.ContextFilter, clip.Source(OfxValues.BitDepthByte));
        OfxTestHost.HostProps.Define(OfxImageEffectProps.SupportsMultipleClipDepths, PropType.Int, 0);
        try
        {
            Assert.That(Hdr.ClipPreferences(inst, out var prefs), Is.EqualTo(Ofx.OK));
            Assert.That(prefs.GetString(OfxClipProps.DepthPrefix + "Source"), Is.EqualTo(OfxValues.BitDepthFloat));
            Assert.That(prefs.GetString(OfxClipProps.DepthPrefix + "Output"), Is.EqualTo(OfxValues.BitDepthFloat));
        }
        finally
        {
            OfxTestHost.HostProps.Define(OfxImageEffectProps.SupportsMultipleClipDepths, PropType.Int, 1);
        }
        Assert.That(Hdr.ClipPreferences(inst, out var prefs2), Is.EqualTo(Ofx.OK));
        Assert.That(prefs2.GetString(OfxClipProps.DepthPrefix + "Source"), Is.EqualTo(OfxValues.BitDepthByte), "left alone when the host can mix depths");
        Hdr.Destroy(inst);
    }

    [Test]
    public void Render_window_is_respected()
    {
        var clip = new SyntheticClip { Frames = 3 };
        var src = clip.Source();
        var inst = Create(src, new RefSettings());
        var win = new OfxRectI(5, 3, 30, 20);
        int st = Hdr.Render(inst, 1, out var output, win);
        using (output)
        {
            Assert.That(st, Is.EqualTo(Ofx.OK));
            var exp = Reference.Render(src, new RefSettings(), 1);
            var got = output.ToArray();
            for (int y = 0; y < clip.Height; y++)
                for (int x = 0; x < clip.Width; x++)
                {
                    int i = (y * clip.Width + x) * 4;
                    bool inside = x >= win.X1 && x < win.X2 && y >= win.Y1 && y < win.Y2;
                    for (int c = 0; c < 4; c++)
                    {
                        if (inside) Assert.That(got[i + c], Is.EqualTo(exp[i + c]).Within(1e-5), $"({x},{y})");
                        else Assert.That(BitConverter.SingleToInt32Bits(got[i + c]), Is.EqualTo(0x7f7f7f7f), $"({x},{y}) outside the window was written");
                    }
                }
        }
        Hdr.Destroy(inst);
    }

    [Test]
    public void Render_scale_renders_the_proxy_resolution()
    {
        var clip = new SyntheticClip { Frames = 3, Width = 40, Height = 24 };
        var src = clip.Source();
        var inst = Create(src, new RefSettings());
        inst.RenderScale = 0.5;
        var got = Render(inst, 1);
        // The host hands 20x12 images (nearest samples); the reference reconstructs the same samples.
        var half = new FrameSource
        {
            Width = 20, Height = 12, First = 0, Last = 2,
            Frame = f =>
            {
                var full = src.Frame(f);
                var o = new float[20 * 12 * 4];
                for (int y = 0; y < 12; y++)
                    for (int x = 0; x < 20; x++)
                        Array.Copy(full, ((2 * y) * 40 + 2 * x) * 4, o, (y * 20 + x) * 4, 4);
                return o;
            },
        };
        AssertClose(got, Reference.Render(half, new RefSettings(), 1), "half scale");
        Hdr.Destroy(inst);
    }

    [Test]
    public void Neighbours_outside_the_clip_are_never_fetched()
    {
        var clip = new SyntheticClip { Frames = 5, Evs = [-2, 0, 2] };
        var src = clip.Source();
        var s = new RefSettings { PatternLength = 3 };
        var inst = Create(src, s);
        foreach (int t in new[] { 0, 1, 3, 4 })
            AssertClose(Render(inst, t), Reference.Render(src, s, t), $"edge frame {t}");
        var outside = inst.Fetches.Where(f => f.Clip == OfxValues.SimpleSourceClipName && (f.Time < 0 || f.Time > 4)).ToList();
        Assert.That(outside, Is.Empty);
        Hdr.Destroy(inst);
        AssertHostHealthy();
    }

    [Test]
    public void Eight_threads_on_one_instance_match_the_serial_result()
    {
        var clip = new SyntheticClip { Frames = 10, Width = 64, Height = 48 };
        var src = clip.Source();
        var inst = Create(src, new RefSettings());
        var serial = Enumerable.Range(1, 8).Select(t => Render(inst, t)).ToArray();
        var (statuses, parallel) = RenderConcurrently(inst, 8);
        Assert.That(statuses, Is.All.EqualTo(Ofx.OK));
        for (int i = 0; i < 8; i++) Assert.That(parallel[i], Is.EqualTo(serial[i]), $"frame {i + 1}");
        Assert.That(OfxTestHost.ThreadsSpawned, Is.GreaterThan(0), "the multithread suite was used");
        Hdr.Destroy(inst);
        AssertHostHealthy();
    }

    [Test]
    public void Fresh_host_threads_per_call_give_the_same_result_as_pooled_ones()
    {
        var clip = new SyntheticClip { Frames = 6, Width = 64, Height = 48 };
        var inst = Create(clip.Source(), new RefSettings());
        var pooled = Enumerable.Range(1, 4).Select(t => Render(inst, t)).ToArray();
        OfxTestHost.FreshThreadsPerCall = true;
        try
        {
            long before = OfxTestHost.ThreadsSpawned;
            var fresh = Enumerable.Range(1, 4).Select(t => Render(inst, t)).ToArray();
            Assert.That(OfxTestHost.ThreadsSpawned, Is.GreaterThan(before), "the multithread suite was used");
            for (int i = 0; i < 4; i++) Assert.That(fresh[i], Is.EqualTo(pooled[i]), $"frame {i + 1}");
        }
        finally { OfxTestHost.FreshThreadsPerCall = false; }
        Hdr.Destroy(inst);
        AssertHostHealthy();
    }

    [Test]
    public void Purge_caches_drops_the_pooled_buffers_and_renders_stay_identical()
    {
        var clip = new SyntheticClip { Frames = 4, Width = 64, Height = 48 };
        var inst = Create(clip.Source(), new RefSettings());
        var before = Render(inst, 1);
        Assert.That(Hdr.Call(OfxActions.PurgeCaches, inst.Handle, null, null), Is.EqualTo(Ofx.OK));
        Assert.That(Render(inst, 1), Is.EqualTo(before), "a render after the purge (fresh buffers) equals one before it (pooled)");
        Assert.That(Render(inst, 2), Is.EqualTo(Render(inst, 2)));
        Hdr.Destroy(inst);
        AssertHostHealthy();
    }

    private static readonly System.Text.RegularExpressions.Regex FreshBuffers = new(@"fresh buffers (\d+) bytes \(image pool\), (\d+) bytes \(tensor arena\)");

    /// <summary>
    /// `tcam` through the plug-in (its weights from the bundle, loaded once): after a warm-up, a thousand renders allocate
    /// no fresh tensor-arena buffer and at most a one-off image-pool growth inside the plug-in (its own counters, posted with HDROFX_TIMINGS=1),
    /// release every host image, and the process grows by less than 64 MB.
    /// </summary>
    [Test]
    public void A_thousand_tcam_renders_allocate_nothing_new_after_warm_up()
    {
        var clip = new SyntheticClip { Frames = 6, Width = 34, Height = 26 };
        var inst = Create(clip.Source(), new RefSettings { Method = "" });
        inst.Param(HdrParams.Method).SetValue(Array.IndexOf(HdrParams.MethodNames, "tcam"));
        for (int i = 0; i < 100; i++) Render(inst, i % 6);
        GC.Collect();
        long rss100 = RssKb();
        int before = OfxTestHost.MessagesFor(inst.Handle).Count;
        for (int i = 0; i < 1000; i++)
        {
            Render(inst, i % 6);
            Assert.That(OfxTestHost.LiveImages, Is.EqualTo(0));
        }
        GC.Collect();
        long rss1100 = RssKb();
        var fresh = OfxTestHost.MessagesFor(inst.Handle).Skip(before).Select(m => FreshBuffers.Match(m.Text)).Where(m => m.Success)
            .Select(m => (Pool: long.Parse(m.Groups[1].Value), Arena: long.Parse(m.Groups[2].Value))).ToList();
        TestContext.Out.WriteLine($"RSS after 100 tcam renders {rss100} kB, after 1100 {rss1100} kB; fresh bytes in the last 1000: image pool {fresh.Sum(f => f.Pool)}, tensor arena {fresh.Sum(f => f.Arena)}");
        Assert.That(fresh, Has.Count.EqualTo(1000), "one timings message a render");
        // The two neighbours' flows are solved as concurrent jobs: the pool grows once to the largest overlap the
        // scheduler happens to produce, which a warm-up cannot force. A leak allocates on every render.
        Assert.That(fresh.Count(f => f.Pool > 0), Is.LessThanOrEqualTo(3), "renders that allocated image-pool buffers after the warm-up");
        Assert.That(fresh.Sum(f => f.Pool), Is.LessThan(256 << 10), "image pool allocations after the warm-up");
        Assert.That(fresh.Sum(f => f.Arena), Is.EqualTo(0), "tensor arena allocations after the warm-up");
        Assert.That(rss1100 - rss100, Is.LessThan(64 * 1024), "RSS grew by more than 64 MB over 1000 renders");
        Hdr.Destroy(inst);
        AssertHostHealthy();
    }

    private static long RssKb() =>
        long.Parse(File.ReadAllLines("/proc/self/status").First(l => l.StartsWith("VmRSS:"))["VmRSS:".Length..].Trim().Split(' ')[0]);

    [Test]
    public void A_thousand_renders_keep_memory_bounded()
    {
        var clip = new SyntheticClip { Frames = 6, Width = 32, Height = 24 };
        var src = clip.Source();
        var inst = Create(src, new RefSettings());
        long memBefore = OfxTestHost.MemoryOutstanding;
        for (int i = 0; i < 100; i++) Render(inst, i % 6);
        GC.Collect();
        long rss100 = RssKb();
        for (int i = 0; i < 1000; i++)
        {
            Render(inst, i % 6);
            Assert.That(OfxTestHost.LiveImages, Is.EqualTo(0));
        }
        GC.Collect();
        long rss1100 = RssKb();
        TestContext.Out.WriteLine($"RSS after 100 renders {rss100} kB, after 1100 renders {rss1100} kB");
        Assert.That(OfxTestHost.MemoryOutstanding, Is.EqualTo(memBefore), "memory suite allocations outstanding");
        Assert.That(rss1100 - rss100, Is.LessThan(64 * 1024), "RSS grew by more than 64 MB over 1000 renders");
        Hdr.Destroy(inst);
        AssertHostHealthy();
    }
}
