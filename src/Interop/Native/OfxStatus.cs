namespace HdrOfx.Interop.Native;

/// <summary>OfxStatus return codes (ofxCore.h, ofxImageEffect.h, ofxGPURender.h).</summary>
public static class OfxStatus
{
    public const int OK = 0;
    public const int Failed = 1;
    public const int ErrFatal = 2;
    public const int ErrUnknown = 3;
    public const int ErrMissingHostFeature = 4;
    public const int ErrUnsupported = 5;
    public const int ErrExists = 6;
    public const int ErrFormat = 7;
    public const int ErrMemory = 8;
    public const int ErrBadHandle = 9;
    public const int ErrBadIndex = 10;
    public const int ErrValue = 11;
    public const int ReplyYes = 12;
    public const int ReplyNo = 13;
    public const int ReplyDefault = 14;
    /// <summary>kOfxStatErrImageFormat (ofxImageEffect.h).</summary>
    public const int ErrImageFormat = 1000;
    /// <summary>kOfxStatGPUOutOfMemory, also kOfxStatGLOutOfMemory (ofxGPURender.h).</summary>
    public const int GPUOutOfMemory = 1001;
    /// <summary>kOfxStatGPURenderFailed, also kOfxStatGLRenderFailed (ofxGPURender.h).</summary>
    public const int GPURenderFailed = 1002;

    public static string Name(int status) => status switch
    {
        OK => "kOfxStatOK",
        Failed => "kOfxStatFailed",
        ErrFatal => "kOfxStatErrFatal",
        ErrUnknown => "kOfxStatErrUnknown",
        ErrMissingHostFeature => "kOfxStatErrMissingHostFeature",
        ErrUnsupported => "kOfxStatErrUnsupported",
        ErrExists => "kOfxStatErrExists",
        ErrFormat => "kOfxStatErrFormat",
        ErrMemory => "kOfxStatErrMemory",
        ErrBadHandle => "kOfxStatErrBadHandle",
        ErrBadIndex => "kOfxStatErrBadIndex",
        ErrValue => "kOfxStatErrValue",
        ReplyYes => "kOfxStatReplyYes",
        ReplyNo => "kOfxStatReplyNo",
        ReplyDefault => "kOfxStatReplyDefault",
        ErrImageFormat => "kOfxStatErrImageFormat",
        GPUOutOfMemory => "kOfxStatGPUOutOfMemory",
        GPURenderFailed => "kOfxStatGPURenderFailed",
        _ => $"OfxStatus({status})",
    };
}
