using HdrOfx.Engine.Classical;
using HdrOfx.Engine.Reconstruction;
using HdrOfx.Interop.Native;
using HdrOfx.Interop.Support;
using P = HdrOfx.Plugin.HdrParams;

namespace HdrOfx.Plugin;

/// <summary>
/// "HDR Reconstruct": descriptor-level behaviour (identity, labels, clips, parameters).
/// The identifier and major version are fixed forever (DESIGN §7); see docs/plugin.md.
/// </summary>
public sealed class HdrReconstructPlugin : ImageEffectPlugin
{
    public const string Id = "org.hdrofx.HdrReconstruct";
    public const string Grouping = "HdrOfx";
    public const string Label = "HDR Reconstruct";

    public override string Identifier => Id;
    public override uint VersionMajor => 1;
    public override uint VersionMinor => 2;

    public override void OnLoad()
    {
        // The methods this plug-in offers, registered explicitly (NativeAOT: no discovery by reflection).
        ClassicalMethods.Register();
        Engine.Models.TcamMethods.Register();
        Engine.Models.Ldm.LdmMethods.Register();
        Engine.Models.Zica.HdrVDiffMethods.Register();
#if HDROFX_TEST_METHODS
        Testing.TestMethods.RegisterIfRequested();
#endif
        HdrReconstructEffect.Timings = Environment.GetEnvironmentVariable("HDROFX_TIMINGS") == "1";
    }

    /// <summary>The bundle directory (kOfxPluginPropFilePath), where Resources/models will be found (DESIGN §2.3).</summary>
    public static string BundlePath { get; private set; } = "";

    public override void Describe(EffectDescriptor effect)
    {
#if HDROFX_TEST_METHODS
        if (Testing.TestMethods.DescribeFailureRequested) throw new OfxUserException($"describe failed on request ({Testing.TestMethods.FailDescribeEnvVar}=1)");
#endif
        var p = effect.Properties;
        BundlePath = p.GetStringOr(OfxProps.PluginFilePath, "");
        if (BundlePath.Length > 0) Engine.Models.TcamWeights.Directory = Path.Combine(BundlePath, "Contents", "Resources", "models");
        effect.Labels(Label, "HDR Recon", Label);
        p.SetString(OfxImageEffectProps.PluginGrouping, Grouping);
        p.TrySetString(OfxProps.PluginDescription,
            "Rebuilds scene-linear HDR from footage shot with alternating exposures (2 or 3 per cycle).");
        p.SetStrings(OfxImageEffectProps.SupportedContexts, [OfxValues.ContextFilter, OfxValues.ContextGeneral]);
        p.SetStrings(OfxImageEffectProps.SupportedPixelDepths, [OfxValues.BitDepthFloat, OfxValues.BitDepthShort, OfxValues.BitDepthByte]);
        p.SetInt(OfxImageEffectProps.SingleInstance, 0);
        p.SetInt(OfxImageEffectProps.HostFrameThreading, 0);
        p.SetString(OfxImageEffectProps.RenderThreadSafety, OfxValues.RenderFullySafe);
        p.SetInt(OfxImageEffectProps.SupportsMultiResolution, 1);
        // No tiles: alignment needs the whole frame. Hosts then give full images (Resolve never tiles).
        p.SetInt(OfxImageEffectProps.SupportsTiles, 0);
        p.SetInt(OfxImageEffectProps.TemporalClipAccess, 1);
        p.SetInt(OfxImageEffectProps.SupportsMultipleClipDepths, 1);
        p.SetInt(OfxImageEffectProps.SupportsMultipleClipPARs, 0);
        p.TrySetInt(OfxImageEffectProps.FieldRenderTwiceAlways, 0);
    }

    public override void DescribeInContext(EffectDescriptor effect, string context)
    {
        effect.DefineClip(OfxValues.SimpleSourceClipName)
            .Components(OfxValues.ComponentRGBA, OfxValues.ComponentRGB)
            .TemporalAccess(true)
            .SupportsTiles(false)
            .Optional(false);
        effect.DefineClip(OfxValues.OutputClipName)
            .Components(OfxValues.ComponentRGBA)
            .SupportsTiles(false);

        var ps = effect.Params;
        // Groups for hosts that show groups (Resolve, Natron), pages for those that show pages (Nuke ignores both).
        ps.DefineGroup(P.GroupExposure, "Exposure pattern");
        ps.DefineGroup(P.GroupReconstruction, "Reconstruction");
        ps.DefineGroup(P.GroupOutput, "Output");

        ps.DefineChoice(P.InputMode, P.InputModeLabel, P.InputModeHint, P.InputModeOptions, P.InputModeAlternating).Parent(P.GroupExposure);
        ps.DefineChoice(P.Pattern, P.PatternLabel, P.PatternHint, P.PatternOptions, 0).Parent(P.GroupExposure);
        for (int i = 0; i < 3; i++)
            ps.DefineDouble(P.Ev[i], P.EvLabel[i], P.EvHint, P.EvDefault[i], P.EvMin, P.EvMax, P.EvDisplayMin, P.EvDisplayMax)
                .Increment(0.1).Digits(2).Parent(P.GroupExposure);
        ps.DefineInt(P.Phase, P.PhaseLabel, P.PhaseHint, 0, 0, P.PhaseMax, 0, P.PhaseMax).Parent(P.GroupExposure);
        ps.DefineChoice(P.InputTransfer, P.InputTransferLabel, P.InputTransferHint, P.InputTransferOptions, 0).Parent(P.GroupExposure);

        ps.DefineChoice(P.Method, P.MethodLabel, P.MethodHint, P.MethodOptions, P.MethodDefault).Parent(P.GroupReconstruction);
        ps.DefineString(P.MethodOverride, "Method Override", "Advanced: name of a registered reconstruction method; empty uses Method.", "")
            .Secret().Parent(P.GroupReconstruction);
        ps.DefineInt(P.LdmSteps, P.LdmStepsLabel, P.LdmStepsHint, Engine.Models.Ldm.DdimSampler.DefaultSteps, Engine.Models.Ldm.DdimSampler.MinSteps,
            Engine.Models.Ldm.DdimSampler.MaxSteps, Engine.Models.Ldm.DdimSampler.MinSteps, Engine.Models.Ldm.DdimSampler.MaxSteps).Parent(P.GroupReconstruction);
        ps.DefineDouble(P.HighlightRecovery, P.HighlightRecoveryLabel, P.HighlightRecoveryHint, 1, 0, 1, 0, 1).Increment(0.05).Digits(2).Parent(P.GroupReconstruction);
        ps.DefineInt(P.Radius, P.RadiusLabel, P.RadiusHint, 0, 0, P.RadiusMax, 0, P.RadiusMax).Parent(P.GroupReconstruction);
        ps.DefineBoolean(P.ReuseFrames, P.ReuseFramesLabel, P.ReuseFramesHint, true).Parent(P.GroupReconstruction);
        ps.DefineDouble(P.PriorStrength, P.PriorStrengthLabel, P.PriorStrengthHint, 1, 0, 1, 0, 1).Increment(0.05).Digits(2).Parent(P.GroupReconstruction);

        ps.DefineDouble(P.OutputExposure, P.OutputExposureLabel, P.OutputExposureHint, 0, P.OutputExposureMin, P.OutputExposureMax,
                P.OutputExposureDisplayMin, P.OutputExposureDisplayMax)
            .Increment(0.1).Digits(2).Parent(P.GroupOutput);
        ps.DefineChoice(P.OutputEncoding, P.OutputEncodingLabel, P.OutputEncodingHint, P.OutputEncodingOptions, 0).Parent(P.GroupOutput);
        ps.DefineChoice(P.Diagnostic, P.DiagnosticLabel, P.DiagnosticHint, P.DiagnosticOptions, 0).Parent(P.GroupOutput);

        ps.DefinePage(P.PageExposure, "Exposure", [P.InputMode, P.Pattern, P.Ev[0], P.Ev[1], P.Ev[2], P.Phase, P.InputTransfer]);
        ps.DefinePage(P.PageReconstruction, "Reconstruction", [P.Method, P.LdmSteps, P.HighlightRecovery, P.PriorStrength, P.Radius, P.ReuseFrames]);
        ps.DefinePage(P.PageOutput, "Output", [P.OutputExposure, P.OutputEncoding, P.Diagnostic]);
    }

    public override ImageEffect CreateInstance(string context) => new HdrReconstructEffect();
}
