using HdrOfx.Engine.Models.Ldm;
using HdrOfx.Engine.Tensors;
using HdrOfx.Interop.Native;
using HdrOfx.Plugin.Testing;
using HdrOfx.Plugin.Tests.Host;
using NUnit.Framework;
using static HdrOfx.Plugin.Tests.TestSupport;

namespace HdrOfx.Plugin.Tests;

/// <summary>
/// Input Mode "Single exposure": one frame per render (radius 0) at Slot 0 EV. The plumbing is checked with the test
/// merge method (over one frame: the frame / 2^EV0); the real method, `hdr-ldm`, against the engine's
/// <see cref="HdrLdmReconstruction"/> on the same frames: with the shipped weights (whatever the bundle holds), and with
/// a small model built here whose estimate shows in the output and depends on the step count, so that Diffusion Steps
/// and Highlight Recovery are seen to reach the model whatever the shipped weights do.
/// </summary>
[TestFixture]
public class SingleExposureModeTests
{
    private const double Ev = -1;

    /// <summary>64x64 frames at EV −1: the bright square (6, 5, 4 at EV 0) clips, the gradient around it (at most 0.77) does not.</summary>
    private static FrameSource LdmClip() => new SyntheticClip { Width = 64, Height = 64, Evs = [Ev], Frames = 2 }.Source();

    private static readonly RefSettings Ldm = new() { PatternLength = 1, Method = HdrLdmReconstruction.MethodName, EvAt = (_, _) => Ev };

    private static HostInstance CreateLdm(FrameSource src, RefSettings s)
    {
        var inst = Create(src, s);
        inst.Param(HdrParams.Ev[0]).SetValue(Ev);
        return inst;
    }

    /// <summary>Renders time t with <paramref name="method"/> in the Method Override and returns the output (RGBA).</summary>
    private static float[] RenderWith(HostInstance inst, string method, int t)
    {
        inst.Param(HdrParams.MethodOverride).SetString(method);
        return Render(inst, t);
    }

    [Test]
    public void Hdr_ldm_with_the_shipped_weights_renders_what_the_engine_reconstructs()
    {
        ShippedLdmWeights();
        var src = LdmClip();
        var inst = CreateLdm(src, Ldm);
        try
        {
            for (int t = 0; t <= src.Last; t++)
            {
                // An empty Method Override: the plug-in's own choice in this input mode, which must be hdr-ldm.
                var got = RenderWith(inst, "", t);
                AssertClose(got, Reference.Render(src, Ldm, t), $"frame {t}");
                // The blend keeps the measured pixels where α = 0: there the output is `single`'s, to the bit.
                var single = RenderWith(inst, "single", t);
                inst.Param(HdrParams.Diagnostic).SetValue(1);
                var alpha = RenderWith(inst, "", t);
                inst.Param(HdrParams.Diagnostic).SetValue(0);
                int kept = 0, clipped = 0, raised = 0;
                for (int p = 0; p < got.Length / 4; p++)
                {
                    if (alpha[p * 4] > 0f)
                    {
                        clipped++;
                        for (int c = 0; c < 3; c++) raised += got[p * 4 + c] != single[p * 4 + c] ? 1 : 0;
                        continue;
                    }
                    kept++;
                    for (int c = 0; c < 3; c++)
                        Assert.That(got[p * 4 + c], Is.EqualTo(single[p * 4 + c]), $"frame {t}, pixel {p}, channel {c}: α = 0 but not the measured value");
                }
                Assert.That((kept, clipped), Is.EqualTo((64 * 64 - 8 * 8, 8 * 8)), $"frame {t}: pixels with α = 0 and α > 0 (the 8x8 square)");
                // Not asserted: untrained weights (an identity decoder) never raise a clipped pixel; trained ones should.
                TestContext.Out.WriteLine($"frame {t}: the shipped weights changed {raised} of {3 * clipped} clipped samples");
            }
        }
        finally
        {
            Hdr.Destroy(inst);
        }
        AssertHostHealthy();
    }

    [Test]
    public void Diffusion_steps_and_highlight_recovery_reach_the_model()
    {
        using var models = new PluginModels();
        string path = Path.Combine(models.Folder, LdmWeights.FileName);
        SaveVisibleModel(path);
        var engine = new HdrLdmReconstruction(LdmWeights.Load(path));
        var src = LdmClip();
        const int t = 1;
        RefSettings S(int steps, double k, int diagnostic = 0) => Ldm with { DiffusionSteps = steps, HighlightRecovery = k, Diagnostic = diagnostic };
        // The comparisons below can only see a parameter that changes the engine's answer.
        var ref1 = Reference.Render(src, S(1, 1), t, method: engine);
        Assert.That(ref1, Is.Not.EqualTo(Reference.Render(src, S(4, 1), t, method: engine)), "the test model's estimate depends on the step count");
        Assert.That(ref1, Is.Not.EqualTo(Reference.Render(src, S(1, 0.5), t, method: engine)), "the test model's estimate shows in the output");
        var inst = CreateLdm(src, Ldm);
        try
        {
            foreach (var s in new[] { S(1, 1), S(4, 1), S(1, 0.5), S(3, 0.25), S(2, 0.5, diagnostic: 1) })
            {
                Apply(inst, s);
                AssertClose(Render(inst, t), Reference.Render(src, s, t, method: engine),
                    $"Diffusion Steps {s.DiffusionSteps}, Highlight Recovery {s.HighlightRecovery}, Diagnostic {s.Diagnostic}");
            }
            // k = 0: the footage as recorded, frame / 2^EV, to the bit what `single` renders in the same plug-in.
            Apply(inst, S(4, 0));
            var none = Render(inst, t);
            Assert.That(none, Is.EqualTo(RenderWith(inst, "single", t)), "Highlight Recovery 0 renders the frame / 2^EV");
            AssertClose(none, Reference.Render(src, Ldm with { Method = "single" }, t), "Highlight Recovery 0 against the engine's single");
        }
        finally
        {
            Hdr.Destroy(inst);
        }
        AssertHostHealthy();
    }

    /// <summary>
    /// A tiny untrained HDR-LDM whose decoder's last convolution (zero at the start, so that an untrained decoder returns its
    /// condition and the method `single`'s pixels) holds small, mostly positive weights: its estimate depends on the sampled
    /// latent, hence on the step count, and rises above clipped pixels, where the blend shows it.
    /// </summary>
    private static void SaveVisibleModel(string path)
    {
        var model = new HdrLdm(LdmConfig.Tiny, new Rng(3));
        var rng = new Random(5);
        int set = 0;
        foreach (var (name, p) in model.NamedParameters())
        {
            if (!name.StartsWith("autoencoder.decoder.7.", StringComparison.Ordinal)) continue;
            var v = p.Span;
            for (int i = 0; i < v.Length; i++) v[i] = (float)(rng.NextDouble() - 0.3) * 0.1f;
            set++;
        }
        Assert.That(set, Is.EqualTo(2), "the decoder's last convolution (weight and bias) was found");
        LdmWeights.Save(model, LdmConfig.Tiny, path, DType.F16);
    }
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
