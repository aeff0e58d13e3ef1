using HdrOfx.Engine.Models;
using HdrOfx.Engine.Models.Ldm;
using HdrOfx.Engine.Models.Zica;
using HdrOfx.Engine.Reconstruction;
using HdrOfx.Engine.Tensors;
using HdrOfx.Engine.Tensors.Autograd;
using HdrOfx.Plugin.Tests.Host;
using NUnit.Framework;
using static HdrOfx.Plugin.Tests.TestSupport;

namespace HdrOfx.Plugin.Tests;

/// <summary>
/// Method "HDR-V-Diff (neural)" in the in-repo test host, with three small models built here (TCAM with a non-zero head,
/// HDR-LDM, and ZiCA with non-zero output convolutions, so that the prior shows) in a scratch models folder, against the
/// engine's <see cref="HdrVDiffReconstruction"/> on the same frames with the λ that the keyframes give at each frame.
/// </summary>
[TestFixture]
public class HdrVDiffModeTests
{
    private const int Steps = 2;

    [Test]
    public void Hdr_v_diff_with_keyframed_prior_strength_renders_what_the_engine_reconstructs()
    {
        using var models = new PluginModels();
        var model = SaveModels(models.Folder);
        var engine = new HdrVDiffReconstruction(model);
        var tcam = new TcamReconstruction(model.Tcam);
        var src = new SyntheticClip { Width = 40, Height = 36, Frames = 5 }.Source();
        var s = new RefSettings { Method = "", DiffusionSteps = Steps };
        var inst = Create(src, s);
        try
        {
            inst.Param(HdrParams.Method).SetValue(Array.IndexOf(HdrParams.MethodNames, HdrVDiffReconstruction.MethodName));
            // Prior Strength: 0 up to frame 1, a ramp to 1 at frame 3, 1 after.
            var prior = inst.Param(HdrParams.PriorStrength);
            prior.SetKey(1, 0.0);
            prior.SetKey(3, 1.0);
            double Lambda(int t) => t <= 1 ? 0 : t >= 3 ? 1 : (t - 1) / 2.0;
            for (int t = 0; t <= src.Last; t++)
            {
                var got = Render(inst, t);
                AssertClose(got, Reference.Render(src, s with { PriorStrength = Lambda(t) }, t, method: engine), $"frame {t}, λ = {Lambda(t)}");
                AssertClose(Reference.Render(src, s, t, method: tcam), Reference.Render(src, s with { PriorStrength = 0 }, t, method: engine), "the engine: λ = 0 is tcam");
                // The plug-in's own `tcam` render (same binary, same code generation): λ = 0 must equal it to the bit.
                inst.Param(HdrParams.MethodOverride).SetString("tcam");
                var tcamOnly = Render(inst, t);
                inst.Param(HdrParams.MethodOverride).SetString("");
                if (Lambda(t) == 0) Assert.That(got, Is.EqualTo(tcamOnly), $"frame {t}: λ = 0 renders the tcam result to the bit");
                else Assert.That(got, Is.Not.EqualTo(tcamOnly), $"frame {t}: λ = {Lambda(t)} adds the prior");
            }
        }
        finally
        {
            Hdr.Destroy(inst);
        }
        AssertHostHealthy();
    }

    /// <summary>Writes the three models (fp32) where the plug-in reads them and returns the same models loaded back.</summary>
    internal static HdrVDiff SaveModels(string folder)
    {
        var tcam = new TcamNet(TcamConfig.Tiny, new Rng(21));
        var ldm = new HdrLdm(LdmConfig.Tiny, new Rng(22));
        var zica = HdrVDiff.NewModule(ZicaConfig.Tiny, tcam, ldm, new Rng(23));
        var rng = new Rng(24);
        using (GradMode.NoGrad())
        {
            foreach (var (name, p) in tcam.NamedParameters())
                if (name.StartsWith("decoder.head.", StringComparison.Ordinal)) p.Fill(0.01f);
            foreach (var (name, p) in zica.NamedParameters())
                if (name.Contains(".out.", StringComparison.Ordinal)) rng.FillNormal(p.Span, 0f, 0.2f);
        }
        string tcamPath = Path.Combine(folder, TcamWeights.FileName), ldmPath = Path.Combine(folder, LdmWeights.FileName);
        TcamWeights.Save(tcam, tcamPath, DType.F32);
        LdmWeights.Save(ldm, LdmConfig.Tiny, ldmPath, DType.F32);
        ZicaWeights.Save(zica, tcam.Config, ldm.Config, Path.Combine(folder, ZicaWeights.FileName), DType.F32);
        var loadedTcam = TcamWeights.Load(tcamPath);
        var loadedLdm = LdmWeights.Load(ldmPath);
        return new HdrVDiff(loadedTcam, loadedLdm, ZicaWeights.Load(Path.Combine(folder, ZicaWeights.FileName), loadedTcam, loadedLdm));
    }
}
