namespace HdrOfx.Interop.Native;

/// <summary>Suite names and the versions this SDK binds (fetchSuite arguments).</summary>
public static class OfxSuiteNames
{
    public const string Property = "OfxPropertySuite";
    public const string ImageEffect = "OfxImageEffectSuite";
    public const string Parameter = "OfxParameterSuite";
    public const string Memory = "OfxMemorySuite";
    public const string MultiThread = "OfxMultiThreadSuite";
    public const string Message = "OfxMessageSuite";
    public const string Progress = "OfxProgressSuite";
    public const string TimeLine = "OfxTimeLineSuite";
    public const string Interact = "OfxInteractSuite";
    /// <summary>kOfxOpenGLRenderSuite (ofxGPURender.h).</summary>
    public const string OpenGLRender = "OfxImageEffectOpenGLRenderSuite";

    /// <summary>kOfxImageEffectPluginApi and its version (ofxImageEffect.h).</summary>
    public const string ImageEffectPluginApi = "OfxImageEffectPluginAPI";
    public const int ImageEffectPluginApiVersion = 1;
}
