namespace HdrOfx.Plugin;

/// <summary>
/// Parameter names (script names, saved in projects: never rename), labels, hints and choice
/// options, declared once as openfx-misc does (kParamX / kParamXLabel / kParamXHint).
/// Choice options are appended only at the end, so saved indices stay valid.
/// </summary>
public static class HdrParams
{
    public const string PageExposure = "pageExposure";
    public const string PageReconstruction = "pageReconstruction";
    public const string PageOutput = "pageOutput";
    public const string GroupExposure = "groupExposure";
    public const string GroupReconstruction = "groupReconstruction";
    public const string GroupOutput = "groupOutput";

    public const string InputMode = "inputMode";
    public const string InputModeLabel = "Input Mode";
    public const string InputModeHint = "Alternating exposures: the footage cycles through 2 or 3 exposures, one per frame. " +
        "Single exposure: ordinary footage at the exposure of Slot 0 EV, reconstructed by HDR-LDM (neural; needs " +
        "Resources/models/hdr-ldm.safetensors in the bundle), which recovers clipped highlights.";
    public static readonly string[] InputModeOptions = ["Alternating exposures", "Single exposure"];
    public const int InputModeAlternating = 0;
    public const int InputModeSingle = 1;

    public const string Pattern = "pattern";
    public const string PatternLabel = "Pattern";
    public const string PatternHint = "How many exposures the camera cycles through.";
    public static readonly string[] PatternOptions = ["2 exposures", "3 exposures"];

    public static readonly string[] Ev = ["ev0", "ev1", "ev2"];
    public static readonly string[] EvLabel = ["Slot 0 EV", "Slot 1 EV", "Slot 2 EV"];
    public const string EvHint = "Exposure of this pattern slot in stops relative to the output reference (EV 0 maps to 1.0). " +
        "Keyframe it when the camera's exposure changes; each fetched frame uses the value at its own time.";
    public static readonly double[] EvDefault = [-2.0, 0.0, 2.0];
    public const double EvMin = -20, EvMax = 20, EvDisplayMin = -6, EvDisplayMax = 6;

    public const string Phase = "phase";
    public const string PhaseLabel = "Phase";
    public const string PhaseHint = "Timeline frame n holds pattern slot (n + phase) mod pattern length.";
    public const int PhaseMax = 2;

    public const string InputTransfer = "inputTransfer";
    public const string InputTransferLabel = "Input Transfer";
    public const string InputTransferHint = "Encoding of the source footage; it is linearized with the inverse of this curve.";
    /// <summary>In the order of <see cref="Engine.Imaging.TransferFunction"/>.</summary>
    public static readonly string[] InputTransferOptions = ["sRGB", "Rec.709", "Gamma 2.2", "Linear"];

    public const string Method = "method";
    public const string MethodLabel = "Method";
    public const string MethodHint = "Reconstruction method. Classical: exposure-invariant optical flow and a ghost-aware merge. " +
        "TCAM (neural): a learned residual over the classical merge (needs Resources/models/tcam.safetensors in the bundle). " +
        "HDR-V-Diff (neural): TCAM plus a diffusion prior (HDR-LDM) fused by ZiCA (needs tcam, hdr-ldm and zica .safetensors in Resources/models).";
    public static readonly string[] MethodOptions = ["Classical", "TCAM (neural)", "HDR-V-Diff (neural)"];
    public static readonly string[] MethodNames = ["classical", "tcam", "hdr-v-diff"];
    /// <summary>
    /// HDR-V-Diff since plug-in 1.2: it beats TCAM (+0.38 dB) and Classical (+1.94 dB) on the validation clips, flicker at
    /// or below Classical on each (docs/results.md); 1.1 defaulted to TCAM, 1.0 to Classical.
    /// </summary>
    public const int MethodDefault = 2;

    public const string PriorStrength = "priorStrength";
    public const string PriorStrengthLabel = "Prior Strength";
    public const string PriorStrengthHint = "HDR-V-Diff: how much of the diffusion prior ZiCA adds (λ of Eq. 6). 0 gives the TCAM result " +
        "(and skips the diffusion model), 1 is what it was trained with. Keyframable.";

    /// <summary>Hidden: a registered method name that overrides <see cref="Method"/> (tests, experiments).</summary>
    public const string MethodOverride = "methodOverride";

    public const string LdmSteps = "ldmSteps";
    public const string LdmStepsLabel = "Diffusion Steps";
    public const string LdmStepsHint = "Single exposure and HDR-V-Diff: DDIM steps of HDR-LDM (1 to 50); fewer is faster; 1 (the default) scores best with the shipped weights, 10 is the papers' setting. " +
        "The noise is fixed by pixel position, so a still scene renders identically frame after frame.";

    public const string HighlightRecovery = "highlightRecovery";
    public const string HighlightRecoveryLabel = "Highlight Recovery";
    public const string HighlightRecoveryHint = "Single exposure: how much of HDR-LDM's estimate replaces clipped pixels (0 = the footage as recorded, 1 = full).";

    public const string Radius = "temporalRadius";
    public const string RadiusLabel = "Temporal Radius";
    public const string RadiusHint = "Frames fetched on each side of the current one. 0 = automatic (1 for 2 exposures, 2 for 3).";
    public const int RadiusMax = Engine.Reconstruction.FrameWindow.MaxRadius;

    public const string ReuseFrames = "reuseConvertedFrames";
    public const string ReuseFramesLabel = "Reuse Converted Frames";
    public const string ReuseFramesHint = "Keep each source frame's linearized copy for the next renders that need it (each render " +
        "fetches 2r + 1 frames, so a render in order converts one new frame instead of all). In a timeline render this is " +
        "always safe; in the viewer it relies on the host's image identifiers, which change when an upstream frame changes. " +
        "Turn it off if a host ever shows a stale frame.";

    public const string OutputExposure = "outputExposure";
    public const string OutputExposureLabel = "Output Exposure";
    public const string OutputExposureHint = "Scales the scene-linear result by 2^stops before encoding.";
    public const double OutputExposureMin = -20, OutputExposureMax = 20, OutputExposureDisplayMin = -4, OutputExposureDisplayMax = 4;

    public const string OutputEncoding = "outputEncoding";
    public const string OutputEncodingLabel = "Output Encoding";
    public const string OutputEncodingHint = "Scene linear (1.0 = reference white), PQ (SMPTE ST 2084, 1.0 = 203 nits) or HLG (BT.2100, 1.0 = 75% signal, BT.2408).";
    public static readonly string[] OutputEncodingOptions = ["Scene linear", "PQ (ST 2084)", "HLG (BT.2100)"];

    public const string Diagnostic = "diagnostic";
    public const string DiagnosticLabel = "Diagnostic View";
    public const string DiagnosticHint = "Show the saturation mask (where the reference is clipped or too dark) or the alignment confidence instead of the image.";
    public static readonly string[] DiagnosticOptions = ["Off", "Saturation mask", "Alignment confidence"];
}
