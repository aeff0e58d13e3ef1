using System.Runtime.InteropServices;

namespace HdrOfx.Interop.Native;

// The suite structs of OpenFX 1.5, field for field in header order. They are blittable: every field
// is a function pointer. Variadic functions (paramGetValue & co., message, setPersistentMessage)
// are typed as `nint` because C# cannot call a C variadic function portably; call them through
// native-shim (see OfxShim).

/// <summary>ofxProperty.h <c>OfxPropertySuiteV1</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct OfxPropertySuiteV1
{
    public delegate* unmanaged[Cdecl]<OfxPropertySetHandle, byte*, int, void*, int> PropSetPointer;
    public delegate* unmanaged[Cdecl]<OfxPropertySetHandle, byte*, int, byte*, int> PropSetString;
    public delegate* unmanaged[Cdecl]<OfxPropertySetHandle, byte*, int, double, int> PropSetDouble;
    public delegate* unmanaged[Cdecl]<OfxPropertySetHandle, byte*, int, int, int> PropSetInt;
    public delegate* unmanaged[Cdecl]<OfxPropertySetHandle, byte*, int, void**, int> PropSetPointerN;
    public delegate* unmanaged[Cdecl]<OfxPropertySetHandle, byte*, int, byte**, int> PropSetStringN;
    public delegate* unmanaged[Cdecl]<OfxPropertySetHandle, byte*, int, double*, int> PropSetDoubleN;
    public delegate* unmanaged[Cdecl]<OfxPropertySetHandle, byte*, int, int*, int> PropSetIntN;
    public delegate* unmanaged[Cdecl]<OfxPropertySetHandle, byte*, int, void**, int> PropGetPointer;
    public delegate* unmanaged[Cdecl]<OfxPropertySetHandle, byte*, int, byte**, int> PropGetString;
    public delegate* unmanaged[Cdecl]<OfxPropertySetHandle, byte*, int, double*, int> PropGetDouble;
    public delegate* unmanaged[Cdecl]<OfxPropertySetHandle, byte*, int, int*, int> PropGetInt;
    public delegate* unmanaged[Cdecl]<OfxPropertySetHandle, byte*, int, void**, int> PropGetPointerN;
    public delegate* unmanaged[Cdecl]<OfxPropertySetHandle, byte*, int, byte**, int> PropGetStringN;
    public delegate* unmanaged[Cdecl]<OfxPropertySetHandle, byte*, int, double*, int> PropGetDoubleN;
    public delegate* unmanaged[Cdecl]<OfxPropertySetHandle, byte*, int, int*, int> PropGetIntN;
    public delegate* unmanaged[Cdecl]<OfxPropertySetHandle, byte*, int> PropReset;
    public delegate* unmanaged[Cdecl]<OfxPropertySetHandle, byte*, int*, int> PropGetDimension;
}

/// <summary>ofxImageEffect.h <c>OfxImageEffectSuiteV1</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct OfxImageEffectSuiteV1
{
    public delegate* unmanaged[Cdecl]<OfxImageEffectHandle, OfxPropertySetHandle*, int> GetPropertySet;
    public delegate* unmanaged[Cdecl]<OfxImageEffectHandle, OfxParamSetHandle*, int> GetParamSet;
    public delegate* unmanaged[Cdecl]<OfxImageEffectHandle, byte*, OfxPropertySetHandle*, int> ClipDefine;
    public delegate* unmanaged[Cdecl]<OfxImageEffectHandle, byte*, OfxImageClipHandle*, OfxPropertySetHandle*, int> ClipGetHandle;
    public delegate* unmanaged[Cdecl]<OfxImageClipHandle, OfxPropertySetHandle*, int> ClipGetPropertySet;
    public delegate* unmanaged[Cdecl]<OfxImageClipHandle, double, OfxRectD*, OfxPropertySetHandle*, int> ClipGetImage;
    public delegate* unmanaged[Cdecl]<OfxPropertySetHandle, int> ClipReleaseImage;
    public delegate* unmanaged[Cdecl]<OfxImageClipHandle, double, OfxRectD*, int> ClipGetRegionOfDefinition;
    public delegate* unmanaged[Cdecl]<OfxImageEffectHandle, int> Abort;
    public delegate* unmanaged[Cdecl]<OfxImageEffectHandle, nuint, OfxImageMemoryHandle*, int> ImageMemoryAlloc;
    public delegate* unmanaged[Cdecl]<OfxImageMemoryHandle, int> ImageMemoryFree;
    public delegate* unmanaged[Cdecl]<OfxImageMemoryHandle, void**, int> ImageMemoryLock;
    public delegate* unmanaged[Cdecl]<OfxImageMemoryHandle, int> ImageMemoryUnlock;
}

/// <summary>ofxParam.h <c>OfxParameterSuiteV1</c>. The six variadic members are raw pointers (see OfxShim).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct OfxParameterSuiteV1
{
    public delegate* unmanaged[Cdecl]<OfxParamSetHandle, byte*, byte*, OfxPropertySetHandle*, int> ParamDefine;
    public delegate* unmanaged[Cdecl]<OfxParamSetHandle, byte*, OfxParamHandle*, OfxPropertySetHandle*, int> ParamGetHandle;
    public delegate* unmanaged[Cdecl]<OfxParamSetHandle, OfxPropertySetHandle*, int> ParamSetGetPropertySet;
    public delegate* unmanaged[Cdecl]<OfxParamHandle, OfxPropertySetHandle*, int> ParamGetPropertySet;
    /// <summary>Variadic: <c>OfxStatus (*)(OfxParamHandle, ...)</c>.</summary>
    public nint ParamGetValue;
    /// <summary>Variadic: <c>OfxStatus (*)(OfxParamHandle, OfxTime, ...)</c>.</summary>
    public nint ParamGetValueAtTime;
    /// <summary>Variadic: <c>OfxStatus (*)(OfxParamHandle, OfxTime, ...)</c>.</summary>
    public nint ParamGetDerivative;
    /// <summary>Variadic: <c>OfxStatus (*)(OfxParamHandle, OfxTime time1, OfxTime time2, ...)</c>.</summary>
    public nint ParamGetIntegral;
    /// <summary>Variadic: <c>OfxStatus (*)(OfxParamHandle, ...)</c>.</summary>
    public nint ParamSetValue;
    /// <summary>Variadic: <c>OfxStatus (*)(OfxParamHandle, OfxTime, ...)</c>.</summary>
    public nint ParamSetValueAtTime;
    public delegate* unmanaged[Cdecl]<OfxParamHandle, uint*, int> ParamGetNumKeys;
    public delegate* unmanaged[Cdecl]<OfxParamHandle, uint, double*, int> ParamGetKeyTime;
    public delegate* unmanaged[Cdecl]<OfxParamHandle, double, int, int*, int> ParamGetKeyIndex;
    public delegate* unmanaged[Cdecl]<OfxParamHandle, double, int> ParamDeleteKey;
    public delegate* unmanaged[Cdecl]<OfxParamHandle, int> ParamDeleteAllKeys;
    public delegate* unmanaged[Cdecl]<OfxParamHandle, OfxParamHandle, double, OfxRangeD*, int> ParamCopy;
    public delegate* unmanaged[Cdecl]<OfxParamSetHandle, byte*, int> ParamEditBegin;
    public delegate* unmanaged[Cdecl]<OfxParamSetHandle, int> ParamEditEnd;
}

/// <summary>ofxMemory.h <c>OfxMemorySuiteV1</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct OfxMemorySuiteV1
{
    public delegate* unmanaged[Cdecl]<void*, nuint, void**, int> MemoryAlloc;
    public delegate* unmanaged[Cdecl]<void*, int> MemoryFree;
}

/// <summary>ofxMultiThread.h <c>OfxMultiThreadSuiteV1</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct OfxMultiThreadSuiteV1
{
    /// <summary><c>OfxStatus (*multiThread)(OfxThreadFunctionV1 func, unsigned nThreads, void *customArg)</c>.</summary>
    public delegate* unmanaged[Cdecl]<delegate* unmanaged[Cdecl]<uint, uint, void*, void>, uint, void*, int> MultiThread;
    public delegate* unmanaged[Cdecl]<uint*, int> MultiThreadNumCPUs;
    public delegate* unmanaged[Cdecl]<uint*, int> MultiThreadIndex;
    /// <summary>Returns a C int (true/false), not a status.</summary>
    public delegate* unmanaged[Cdecl]<int> MultiThreadIsSpawnedThread;
    public delegate* unmanaged[Cdecl]<OfxMutexHandle*, int, int> MutexCreate;
    public delegate* unmanaged[Cdecl]<OfxMutexHandle, int> MutexDestroy;
    public delegate* unmanaged[Cdecl]<OfxMutexHandle, int> MutexLock;
    public delegate* unmanaged[Cdecl]<OfxMutexHandle, int> MutexUnLock;
    public delegate* unmanaged[Cdecl]<OfxMutexHandle, int> MutexTryLock;
}

/// <summary>ofxMessage.h <c>OfxMessageSuiteV1</c>: one variadic member.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct OfxMessageSuiteV1
{
    /// <summary>Variadic: <c>OfxStatus (*)(void *handle, const char *messageType, const char *messageId, const char *format, ...)</c>.</summary>
    public nint Message;
}

/// <summary>ofxMessage.h <c>OfxMessageSuiteV2</c> (a V1 prefix plus persistent messages).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct OfxMessageSuiteV2
{
    /// <summary>Variadic, as in V1.</summary>
    public nint Message;
    /// <summary>Variadic: <c>OfxStatus (*)(void *handle, const char *messageType, const char *messageId, const char *format, ...)</c>. Resolve may leave it NULL.</summary>
    public nint SetPersistentMessage;
    public delegate* unmanaged[Cdecl]<void*, int> ClearPersistentMessage;
}

/// <summary>ofxProgress.h <c>OfxProgressSuiteV1</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct OfxProgressSuiteV1
{
    public delegate* unmanaged[Cdecl]<void*, byte*, int> ProgressStart;
    public delegate* unmanaged[Cdecl]<void*, double, int> ProgressUpdate;
    public delegate* unmanaged[Cdecl]<void*, int> ProgressEnd;
}

/// <summary>ofxProgress.h <c>OfxProgressSuiteV2</c>: progressStart gains a message id.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct OfxProgressSuiteV2
{
    public delegate* unmanaged[Cdecl]<void*, byte*, byte*, int> ProgressStart;
    public delegate* unmanaged[Cdecl]<void*, double, int> ProgressUpdate;
    public delegate* unmanaged[Cdecl]<void*, int> ProgressEnd;
}

/// <summary>ofxTimeLine.h <c>OfxTimeLineSuiteV1</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct OfxTimeLineSuiteV1
{
    public delegate* unmanaged[Cdecl]<void*, double*, int> GetTime;
    public delegate* unmanaged[Cdecl]<void*, double, int> GotoTime;
    public delegate* unmanaged[Cdecl]<void*, double*, double*, int> GetTimeBounds;
}

/// <summary>ofxGPURender.h <c>OfxImageEffectOpenGLRenderSuiteV1</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct OfxImageEffectOpenGLRenderSuiteV1
{
    public delegate* unmanaged[Cdecl]<OfxImageClipHandle, double, byte*, OfxRectD*, OfxPropertySetHandle*, int> ClipLoadTexture;
    public delegate* unmanaged[Cdecl]<OfxPropertySetHandle, int> ClipFreeTexture;
    public delegate* unmanaged[Cdecl]<int> FlushResources;
}
