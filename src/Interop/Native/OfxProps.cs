namespace HdrOfx.Interop.Native;

// Property names, copied from the official headers (shared/ofxhost/openfx/include); HeaderConformanceTests holds
// every one to them. The value of a macro is not always its name minus the "k": those cases are marked "(!)".

/// <summary>General properties (ofxCore.h, ofxProperty.h, ofxKeySyms.h not bound).</summary>
public static class OfxProps
{
    public const string Type = "OfxPropType";
    public const string Name = "OfxPropName";
    public const string Label = "OfxPropLabel";
    public const string ShortLabel = "OfxPropShortLabel";
    public const string LongLabel = "OfxPropLongLabel";
    public const string Version = "OfxPropVersion";
    public const string VersionLabel = "OfxPropVersionLabel";
    public const string APIVersion = "OfxPropAPIVersion";
    public const string Time = "OfxPropTime";
    public const string IsInteractive = "OfxPropIsInteractive";
    public const string PluginDescription = "OfxPropPluginDescription";
    public const string ChangeReason = "OfxPropChangeReason";
    public const string EffectInstance = "OfxPropEffectInstance";
    public const string HostOSHandle = "OfxPropHostOSHandle";
    public const string InstanceData = "OfxPropInstanceData";
    public const string Icon = "OfxPropIcon";
    /// <summary>kOfxPluginPropFilePath: the bundle directory.</summary>
    public const string PluginFilePath = "OfxPluginPropFilePath";
    /// <summary>kOfxPluginPropParamPageOrder.</summary>
    public const string PluginParamPageOrder = "OfxPluginPropParamPageOrder";

    // kOfxPropType values
    public const string TypeHost = "OfxTypeImageEffectHost";
    public const string TypeImageEffect = "OfxTypeImageEffect";
    public const string TypeImageEffectInstance = "OfxTypeImageEffectInstance";
    public const string TypeParameter = "OfxTypeParameter";
    public const string TypeParameterInstance = "OfxTypeParameterInstance";
    public const string TypeClip = "OfxTypeClip";
    public const string TypeImage = "OfxTypeImage";

    // kOfxPropChangeReason values
    public const string ChangeUserEdited = "OfxChangeUserEdited";
    public const string ChangePluginEdited = "OfxChangePluginEdited";
    public const string ChangeTime = "OfxChangeTime";
}

/// <summary>Image effect, host and action-argument properties (ofxImageEffect.h).</summary>
public static class OfxImageEffectProps
{
    public const string Context = "OfxImageEffectPropContext";
    public const string SupportedContexts = "OfxImageEffectPropSupportedContexts";
    public const string PluginGrouping = "OfxImageEffectPluginPropGrouping";
    public const string SingleInstance = "OfxImageEffectPluginPropSingleInstance";
    public const string RenderThreadSafety = "OfxImageEffectPluginRenderThreadSafety";
    public const string HostFrameThreading = "OfxImageEffectPluginPropHostFrameThreading";
    public const string OverlayInteractV1 = "OfxImageEffectPluginPropOverlayInteractV1";
    public const string FieldRenderTwiceAlways = "OfxImageEffectPluginPropFieldRenderTwiceAlways";
    /// <summary>kOfxImageEffectPropSupportsMultipleClipDepths (!): no "Supports" in the value.</summary>
    public const string SupportsMultipleClipDepths = "OfxImageEffectPropMultipleClipDepths";
    public const string SupportsMultipleClipPARs = "OfxImageEffectPropSupportsMultipleClipPARs";
    public const string SupportsMultiResolution = "OfxImageEffectPropSupportsMultiResolution";
    public const string SupportsTiles = "OfxImageEffectPropSupportsTiles";
    public const string TemporalClipAccess = "OfxImageEffectPropTemporalClipAccess";
    public const string SupportedPixelDepths = "OfxImageEffectPropSupportedPixelDepths";
    public const string SupportedComponents = "OfxImageEffectPropSupportedComponents";
    public const string SupportsOverlays = "OfxImageEffectPropSupportsOverlays";
    public const string ClipPreferencesSlaveParam = "OfxImageEffectPropClipPreferencesSlaveParam";
    public const string SetableFrameRate = "OfxImageEffectPropSetableFrameRate";
    public const string SetableFielding = "OfxImageEffectPropSetableFielding";
    public const string InstancePropSequentialRender = "OfxImageEffectInstancePropSequentialRender";
    public const string InstancePropEffectDuration = "OfxImageEffectInstancePropEffectDuration";
    public const string HostIsBackground = "OfxImageEffectHostPropIsBackground";
    public const string ProjectSize = "OfxImageEffectPropProjectSize";
    public const string ProjectOffset = "OfxImageEffectPropProjectOffset";
    public const string ProjectExtent = "OfxImageEffectPropProjectExtent";
    /// <summary>kOfxImageEffectPropProjectPixelAspectRatio (!): no "Project" in the value.</summary>
    public const string ProjectPixelAspectRatio = "OfxImageEffectPropPixelAspectRatio";
    public const string FrameRate = "OfxImageEffectPropFrameRate";
    public const string FrameStep = "OfxImageEffectPropFrameStep";
    public const string FrameRange = "OfxImageEffectPropFrameRange";
    public const string UnmappedFrameRate = "OfxImageEffectPropUnmappedFrameRate";
    public const string UnmappedFrameRange = "OfxImageEffectPropUnmappedFrameRange";
    public const string RenderScale = "OfxImageEffectPropRenderScale";
    public const string RenderWindow = "OfxImageEffectPropRenderWindow";
    public const string RenderQualityDraft = "OfxImageEffectPropRenderQualityDraft";
    public const string FieldToRender = "OfxImageEffectPropFieldToRender";
    public const string RegionOfDefinition = "OfxImageEffectPropRegionOfDefinition";
    public const string RegionOfInterest = "OfxImageEffectPropRegionOfInterest";
    public const string PixelDepth = "OfxImageEffectPropPixelDepth";
    public const string Components = "OfxImageEffectPropComponents";
    public const string PreMultiplication = "OfxImageEffectPropPreMultiplication";
    public const string SequentialRenderStatus = "OfxImageEffectPropSequentialRenderStatus";
    public const string InteractiveRenderStatus = "OfxImageEffectPropInteractiveRenderStatus";
    public const string InAnalysis = "OfxImageEffectPropInAnalysis";
    public const string FrameVarying = "OfxImageEffectFrameVarying";

    // ofxGPURender.h
    public const string OpenGLRenderSupported = "OfxImageEffectPropOpenGLRenderSupported";
    public const string OpenGLEnabled = "OfxImageEffectPropOpenGLEnabled";
    public const string CudaRenderSupported = "OfxImageEffectPropCudaRenderSupported";
    public const string CudaEnabled = "OfxImageEffectPropCudaEnabled";
    public const string CudaStreamSupported = "OfxImageEffectPropCudaStreamSupported";
    public const string CudaStream = "OfxImageEffectPropCudaStream";
    public const string MetalRenderSupported = "OfxImageEffectPropMetalRenderSupported";
    public const string OpenCLRenderSupported = "OfxImageEffectPropOpenCLRenderSupported";
}

/// <summary>Clip properties and the per-clip argument prefixes (ofxImageEffect.h).</summary>
public static class OfxClipProps
{
    public const string Connected = "OfxImageClipPropConnected";
    public const string Optional = "OfxImageClipPropOptional";
    public const string IsMask = "OfxImageClipPropIsMask";
    public const string FieldExtraction = "OfxImageClipPropFieldExtraction";
    public const string FieldOrder = "OfxImageClipPropFieldOrder";
    public const string ContinuousSamples = "OfxImageClipPropContinuousSamples";
    public const string UnmappedPixelDepth = "OfxImageClipPropUnmappedPixelDepth";
    public const string UnmappedComponents = "OfxImageClipPropUnmappedComponents";

    // Prefixes: the clip name is appended (e.g. "OfxImageClipPropRoI_Source").
    public const string RoIPrefix = "OfxImageClipPropRoI_";
    public const string FrameRangePrefix = "OfxImageClipPropFrameRange_";
    public const string DepthPrefix = "OfxImageClipPropDepth_";
    public const string ComponentsPrefix = "OfxImageClipPropComponents_";
    public const string PARPrefix = "OfxImageClipPropPAR_";
}

/// <summary>Image properties (ofxImageEffect.h).</summary>
public static class OfxImageProps
{
    public const string Data = "OfxImagePropData";
    public const string Bounds = "OfxImagePropBounds";
    public const string RegionOfDefinition = "OfxImagePropRegionOfDefinition";
    public const string RowBytes = "OfxImagePropRowBytes";
    public const string Field = "OfxImagePropField";
    public const string UniqueIdentifier = "OfxImagePropUniqueIdentifier";
    public const string PixelAspectRatio = "OfxImagePropPixelAspectRatio";
}

/// <summary>Values of the image effect properties (ofxImageEffect.h).</summary>
public static class OfxValues
{
    public const string ContextGenerator = "OfxImageEffectContextGenerator";
    public const string ContextFilter = "OfxImageEffectContextFilter";
    public const string ContextTransition = "OfxImageEffectContextTransition";
    public const string ContextPaint = "OfxImageEffectContextPaint";
    public const string ContextGeneral = "OfxImageEffectContextGeneral";
    public const string ContextRetimer = "OfxImageEffectContextRetimer";

    public const string SimpleSourceClipName = "Source";
    public const string OutputClipName = "Output";
    public const string TransitionSourceFromClipName = "SourceFrom";
    public const string TransitionSourceToClipName = "SourceTo";

    public const string BitDepthNone = "OfxBitDepthNone";
    public const string BitDepthByte = "OfxBitDepthByte";
    public const string BitDepthShort = "OfxBitDepthShort";
    public const string BitDepthHalf = "OfxBitDepthHalf";
    public const string BitDepthFloat = "OfxBitDepthFloat";

    public const string ComponentNone = "OfxImageComponentNone";
    public const string ComponentRGBA = "OfxImageComponentRGBA";
    public const string ComponentRGB = "OfxImageComponentRGB";
    public const string ComponentAlpha = "OfxImageComponentAlpha";

    public const string Opaque = "OfxImageOpaque";
    /// <summary>kOfxImagePreMultiplied (!): the value says "Alpha".</summary>
    public const string PreMultiplied = "OfxImageAlphaPremultiplied";
    /// <summary>kOfxImageUnPreMultiplied (!).</summary>
    public const string UnPreMultiplied = "OfxImageAlphaUnPremultiplied";

    /// <summary>kOfxImageFieldNone (!): no "Image" in the value.</summary>
    public const string FieldNone = "OfxFieldNone";
    public const string FieldLower = "OfxFieldLower";
    public const string FieldUpper = "OfxFieldUpper";
    public const string FieldBoth = "OfxFieldBoth";
    public const string FieldSingle = "OfxFieldSingle";
    public const string FieldDoubled = "OfxFieldDoubled";

    public const string RenderUnsafe = "OfxImageEffectRenderUnsafe";
    public const string RenderInstanceSafe = "OfxImageEffectRenderInstanceSafe";
    public const string RenderFullySafe = "OfxImageEffectRenderFullySafe";

}

/// <summary>Parameter types and properties (ofxParam.h).</summary>
public static class OfxParamProps
{
    public const string TypeInteger = "OfxParamTypeInteger";
    public const string TypeDouble = "OfxParamTypeDouble";
    public const string TypeBoolean = "OfxParamTypeBoolean";
    public const string TypeChoice = "OfxParamTypeChoice";
    public const string TypeStrChoice = "OfxParamTypeStrChoice";
    public const string TypeRGBA = "OfxParamTypeRGBA";
    public const string TypeRGB = "OfxParamTypeRGB";
    public const string TypeDouble2D = "OfxParamTypeDouble2D";
    public const string TypeInteger2D = "OfxParamTypeInteger2D";
    public const string TypeDouble3D = "OfxParamTypeDouble3D";
    public const string TypeInteger3D = "OfxParamTypeInteger3D";
    public const string TypeString = "OfxParamTypeString";
    public const string TypeCustom = "OfxParamTypeCustom";
    public const string TypeBytes = "OfxParamTypeBytes";
    public const string TypeGroup = "OfxParamTypeGroup";
    public const string TypePage = "OfxParamTypePage";
    public const string TypePushButton = "OfxParamTypePushButton";

    public const string Type = "OfxParamPropType";
    public const string ScriptName = "OfxParamPropScriptName";
    public const string Hint = "OfxParamPropHint";
    public const string Default = "OfxParamPropDefault";
    public const string Animates = "OfxParamPropAnimates";
    public const string IsAnimating = "OfxParamPropIsAnimating";
    public const string IsAutoKeying = "OfxParamPropIsAutoKeying";
    /// <summary>kOfxParamPropPersistant (!): spelled so in the header.</summary>
    public const string Persistant = "OfxParamPropPersistant";
    public const string EvaluateOnChange = "OfxParamPropEvaluateOnChange";
    public const string PluginMayWrite = "OfxParamPropPluginMayWrite";
    public const string CacheInvalidation = "OfxParamPropCacheInvalidation";
    public const string CanUndo = "OfxParamPropCanUndo";
    public const string Enabled = "OfxParamPropEnabled";
    public const string Secret = "OfxParamPropSecret";
    public const string Parent = "OfxParamPropParent";
    public const string GroupOpen = "OfxParamPropGroupOpen";
    public const string PageChild = "OfxParamPropPageChild";
    public const string ChoiceOption = "OfxParamPropChoiceOption";
    public const string ChoiceOrder = "OfxParamPropChoiceOrder";
    public const string Min = "OfxParamPropMin";
    public const string Max = "OfxParamPropMax";
    public const string DisplayMin = "OfxParamPropDisplayMin";
    public const string DisplayMax = "OfxParamPropDisplayMax";
    public const string Increment = "OfxParamPropIncrement";
    public const string Digits = "OfxParamPropDigits";
    public const string DoubleType = "OfxParamPropDoubleType";
    public const string StringMode = "OfxParamPropStringMode";
    public const string DataPtr = "OfxParamPropDataPtr";
    public const string InteractV1 = "OfxParamPropInteractV1";
    public const string HostMaxParameters = "OfxParamHostPropMaxParameters";
    public const string HostMaxPages = "OfxParamHostPropMaxPages";
    public const string HostSupportsCustomAnimation = "OfxParamHostPropSupportsCustomAnimation";

    public const string DoubleTypePlain = "OfxParamDoubleTypePlain";
    public const string DoubleTypeScale = "OfxParamDoubleTypeScale";
    public const string DoubleTypeAngle = "OfxParamDoubleTypeAngle";
    public const string DoubleTypeTime = "OfxParamDoubleTypeTime";
    public const string DoubleTypeAbsoluteTime = "OfxParamDoubleTypeAbsoluteTime";

    public const string InvalidateValueChange = "OfxParamInvalidateValueChange";
    public const string InvalidateValueChangeToEnd = "OfxParamInvalidateValueChangeToEnd";
    public const string InvalidateAll = "OfxParamInvalidateAll";

    public const string StringIsSingleLine = "OfxParamStringIsSingleLine";
    public const string StringIsMultiLine = "OfxParamStringIsMultiLine";
    public const string StringIsFilePath = "OfxParamStringIsFilePath";
    public const string StringIsDirectoryPath = "OfxParamStringIsDirectoryPath";
    public const string StringIsLabel = "OfxParamStringIsLabel";
    public const string StringIsRichTextFormat = "OfxParamStringIsRichTextFormat";

    /// <summary>kOfxParamPageSkipRow / kOfxParamPageSkipColumn: page child placeholders.</summary>
    public const string PageSkipRow = "OfxParamPageSkipRow";
    public const string PageSkipColumn = "OfxParamPageSkipColumn";
}

/// <summary>Message types (ofxMessage.h).</summary>
public static class OfxMessageTypes
{
    public const string Fatal = "OfxMessageFatal";
    public const string Error = "OfxMessageError";
    public const string Warning = "OfxMessageWarning";
    public const string Message = "OfxMessageMessage";
    public const string Log = "OfxMessageLog";
    public const string Question = "OfxMessageQuestion";
}
