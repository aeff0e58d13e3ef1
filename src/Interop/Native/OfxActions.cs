namespace HdrOfx.Interop.Native;

/// <summary>Action strings passed to a plug-in's main entry (ofxCore.h, ofxImageEffect.h, ofxInteract.h).</summary>
public static class OfxActions
{
    // ofxCore.h
    public const string Load = "OfxActionLoad";
    public const string Describe = "OfxActionDescribe";
    public const string Unload = "OfxActionUnload";
    public const string PurgeCaches = "OfxActionPurgeCaches";
    public const string SyncPrivateData = "OfxActionSyncPrivateData";
    public const string CreateInstance = "OfxActionCreateInstance";
    public const string DestroyInstance = "OfxActionDestroyInstance";
    public const string InstanceChanged = "OfxActionInstanceChanged";
    public const string BeginInstanceChanged = "OfxActionBeginInstanceChanged";
    public const string EndInstanceChanged = "OfxActionEndInstanceChanged";
    public const string BeginInstanceEdit = "OfxActionBeginInstanceEdit";
    public const string EndInstanceEdit = "OfxActionEndInstanceEdit";
    /// <summary>kOfxActionDescribeInteract (ofxInteract.h): an alias of kOfxActionDescribe.</summary>
    public const string DescribeInteract = Describe;
    /// <summary>kOfxActionCreateInstanceInteract: an alias of kOfxActionCreateInstance.</summary>
    public const string CreateInstanceInteract = CreateInstance;
    /// <summary>kOfxActionDestroyInstanceInteract: an alias of kOfxActionDestroyInstance.</summary>
    public const string DestroyInstanceInteract = DestroyInstance;
    public const string Dialog = "OfxActionDialog";

    // ofxImageEffect.h
    public const string GetRegionOfDefinition = "OfxImageEffectActionGetRegionOfDefinition";
    public const string GetRegionsOfInterest = "OfxImageEffectActionGetRegionsOfInterest";
    public const string GetTimeDomain = "OfxImageEffectActionGetTimeDomain";
    public const string GetFramesNeeded = "OfxImageEffectActionGetFramesNeeded";
    public const string GetClipPreferences = "OfxImageEffectActionGetClipPreferences";
    public const string IsIdentity = "OfxImageEffectActionIsIdentity";
    public const string Render = "OfxImageEffectActionRender";
    public const string BeginSequenceRender = "OfxImageEffectActionBeginSequenceRender";
    public const string EndSequenceRender = "OfxImageEffectActionEndSequenceRender";
    public const string DescribeInContext = "OfxImageEffectActionDescribeInContext";
    public const string GetOutputColourspace = "OfxImageEffectActionGetOutputColourspace";

    // ofxInteract.h
    public const string InteractDraw = "OfxInteractActionDraw";
    public const string InteractPenMotion = "OfxInteractActionPenMotion";
    public const string InteractPenDown = "OfxInteractActionPenDown";
    public const string InteractPenUp = "OfxInteractActionPenUp";
    public const string InteractKeyDown = "OfxInteractActionKeyDown";
    public const string InteractKeyUp = "OfxInteractActionKeyUp";
    public const string InteractKeyRepeat = "OfxInteractActionKeyRepeat";
    public const string InteractGainFocus = "OfxInteractActionGainFocus";
    public const string InteractLoseFocus = "OfxInteractActionLoseFocus";
}
