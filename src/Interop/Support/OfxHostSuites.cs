using HdrOfx.Interop.Native;

namespace HdrOfx.Interop.Support;

/// <summary>
/// The host's suites, fetched once in setHost (a plug-in binary talks to exactly one host).
/// Required: property, image effect, parameter. Optional (null when the host lacks them): memory,
/// multithread, message (V2, else V1), progress, timeline.
/// </summary>
public static unsafe class OfxHostSuites
{
    public static OfxHost* Host { get; private set; }
    public static OfxPropertySuiteV1* Property { get; private set; }
    public static OfxImageEffectSuiteV1* ImageEffect { get; private set; }
    public static OfxParameterSuiteV1* Parameter { get; private set; }
    public static OfxMemorySuiteV1* Memory { get; private set; }
    public static OfxMultiThreadSuiteV1* MultiThread { get; private set; }
    /// <summary>V2 layout; when only V1 was offered, <see cref="MessageVersion"/> is 1 and only Message may be read.</summary>
    public static OfxMessageSuiteV2* Message { get; private set; }
    public static int MessageVersion { get; private set; }
    public static OfxProgressSuiteV1* Progress { get; private set; }
    public static OfxTimeLineSuiteV1* TimeLine { get; private set; }

    /// <summary>The host's property set, for host capabilities (kOfxImageEffectPropSupportsMultipleClipDepths, ...).</summary>
    public static PropertySet HostProperties => Host == null ? default : new PropertySet(Host->Host);

    /// <summary>Remembers the host pointer. The spec forbids calling any OFX function in setHost, so fetching waits for Load.</summary>
    public static void SetHost(OfxHost* host) => Host = host;

    /// <summary>Fetches every suite; true when the required ones are present. Called on kOfxActionLoad.</summary>
    public static bool FetchSuites()
    {
        if (Host == null || Host->FetchSuite == null) return false;
        Property = (OfxPropertySuiteV1*)Fetch(OfxSuiteNames.Property, 1);
        ImageEffect = (OfxImageEffectSuiteV1*)Fetch(OfxSuiteNames.ImageEffect, 1);
        Parameter = (OfxParameterSuiteV1*)Fetch(OfxSuiteNames.Parameter, 1);
        Memory = (OfxMemorySuiteV1*)Fetch(OfxSuiteNames.Memory, 1);
        MultiThread = (OfxMultiThreadSuiteV1*)Fetch(OfxSuiteNames.MultiThread, 1);
        var m2 = Fetch(OfxSuiteNames.Message, 2);
        if (m2 != null) { Message = (OfxMessageSuiteV2*)m2; MessageVersion = 2; }
        else
        {
            var m1 = Fetch(OfxSuiteNames.Message, 1);
            Message = (OfxMessageSuiteV2*)m1; // only the first member is read for V1
            MessageVersion = m1 == null ? 0 : 1;
        }
        Progress = (OfxProgressSuiteV1*)Fetch(OfxSuiteNames.Progress, 1);
        TimeLine = (OfxTimeLineSuiteV1*)Fetch(OfxSuiteNames.TimeLine, 1);
        return Property != null && ImageEffect != null && Parameter != null;
    }

    public static void* Fetch(string name, int version)
    {
        if (Host == null || Host->FetchSuite == null) return null;
        return Host->FetchSuite(Host->Host, OfxStrings.Intern(name), version);
    }

    internal static OfxPropertySuiteV1* RequireProperty =>
        Property != null ? Property : throw new OfxException(OfxStatus.ErrMissingHostFeature, "the host has no property suite (or Load was not called)");

    internal static OfxImageEffectSuiteV1* RequireImageEffect =>
        ImageEffect != null ? ImageEffect : throw new OfxException(OfxStatus.ErrMissingHostFeature, "the host has no image effect suite");

    internal static OfxParameterSuiteV1* RequireParameter =>
        Parameter != null ? Parameter : throw new OfxException(OfxStatus.ErrMissingHostFeature, "the host has no parameter suite");
}
