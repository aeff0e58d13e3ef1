/*
 * Prints sizeof and offsetof for every OpenFX 1.5 struct that src/Interop binds, as the C compiler
 * lays them out. The declarations are restated by hand from the official headers (ofxCore.h,
 * ofxProperty.h, ofxImageEffect.h, ofxParam.h, ofxMemory.h, ofxMultiThread.h, ofxMessage.h,
 * ofxProgress.h, ofxTimeLine.h, ofxGPURender.h): same member order, same C types, same names.
 * LayoutTests compiles and runs this and compares with Marshal.OffsetOf/SizeOf of the C# structs.
 * Output: one line per item, "Struct size N" or "Struct.member offset N".
 */
#include <stddef.h>
#include <stdio.h>

typedef int OfxStatus;
typedef double OfxTime;
typedef struct OfxPropertySetStruct *OfxPropertySetHandle;
typedef struct OfxImageEffectStruct *OfxImageEffectHandle;
typedef struct OfxImageClipStruct *OfxImageClipHandle;
typedef struct OfxParamStruct *OfxParamHandle;
typedef struct OfxParamSetStruct *OfxParamSetHandle;
typedef struct OfxImageMemoryStruct *OfxImageMemoryHandle;
typedef struct OfxMutex *OfxMutexHandle;

typedef struct OfxPointI { int x, y; } OfxPointI;
typedef struct OfxPointD { double x, y; } OfxPointD;
typedef struct OfxRangeI { int min, max; } OfxRangeI;
typedef struct OfxRangeD { double min, max; } OfxRangeD;
typedef struct OfxRectI { int x1, y1, x2, y2; } OfxRectI;
typedef struct OfxRectD { double x1, y1, x2, y2; } OfxRectD;
typedef struct OfxRGBAColourB { unsigned char r, g, b, a; } OfxRGBAColourB;
typedef struct OfxRGBAColourS { unsigned short r, g, b, a; } OfxRGBAColourS;
typedef struct OfxRGBAColourF { float r, g, b, a; } OfxRGBAColourF;
typedef struct OfxRGBAColourD { double r, g, b, a; } OfxRGBAColourD;
typedef struct OfxRGBColourB { unsigned char r, g, b; } OfxRGBColourB;
typedef struct OfxRGBColourS { unsigned short r, g, b; } OfxRGBColourS;
typedef struct OfxRGBColourF { float r, g, b; } OfxRGBColourF;
typedef struct OfxRGBColourD { double r, g, b; } OfxRGBColourD;
typedef struct OfxYUVAColourB { unsigned char y, u, v, a; } OfxYUVAColourB;
typedef struct OfxYUVAColourS { unsigned short y, u, v, a; } OfxYUVAColourS;
typedef struct OfxYUVAColourF { float y, u, v, a; } OfxYUVAColourF;

typedef struct OfxHost {
  OfxPropertySetHandle host;
  const void *(*fetchSuite)(OfxPropertySetHandle host, const char *suiteName, int suiteVersion);
} OfxHost;

typedef OfxStatus(OfxPluginEntryPoint)(const char *action, const void *handle, OfxPropertySetHandle inArgs, OfxPropertySetHandle outArgs);

typedef struct OfxPlugin {
  const char *pluginApi;
  int apiVersion;
  const char *pluginIdentifier;
  unsigned int pluginVersionMajor;
  unsigned int pluginVersionMinor;
  void (*setHost)(OfxHost *host);
  OfxPluginEntryPoint *mainEntry;
} OfxPlugin;

typedef struct OfxPropertySuiteV1 {
  OfxStatus (*propSetPointer)(OfxPropertySetHandle, const char *, int, void *);
  OfxStatus (*propSetString)(OfxPropertySetHandle, const char *, int, const char *);
  OfxStatus (*propSetDouble)(OfxPropertySetHandle, const char *, int, double);
  OfxStatus (*propSetInt)(OfxPropertySetHandle, const char *, int, int);
  OfxStatus (*propSetPointerN)(OfxPropertySetHandle, const char *, int, void *const *);
  OfxStatus (*propSetStringN)(OfxPropertySetHandle, const char *, int, const char *const *);
  OfxStatus (*propSetDoubleN)(OfxPropertySetHandle, const char *, int, const double *);
  OfxStatus (*propSetIntN)(OfxPropertySetHandle, const char *, int, const int *);
  OfxStatus (*propGetPointer)(OfxPropertySetHandle, const char *, int, void **);
  OfxStatus (*propGetString)(OfxPropertySetHandle, const char *, int, char **);
  OfxStatus (*propGetDouble)(OfxPropertySetHandle, const char *, int, double *);
  OfxStatus (*propGetInt)(OfxPropertySetHandle, const char *, int, int *);
  OfxStatus (*propGetPointerN)(OfxPropertySetHandle, const char *, int, void **);
  OfxStatus (*propGetStringN)(OfxPropertySetHandle, const char *, int, char **);
  OfxStatus (*propGetDoubleN)(OfxPropertySetHandle, const char *, int, double *);
  OfxStatus (*propGetIntN)(OfxPropertySetHandle, const char *, int, int *);
  OfxStatus (*propReset)(OfxPropertySetHandle, const char *);
  OfxStatus (*propGetDimension)(OfxPropertySetHandle, const char *, int *);
} OfxPropertySuiteV1;

typedef struct OfxImageEffectSuiteV1 {
  OfxStatus (*getPropertySet)(OfxImageEffectHandle, OfxPropertySetHandle *);
  OfxStatus (*getParamSet)(OfxImageEffectHandle, OfxParamSetHandle *);
  OfxStatus (*clipDefine)(OfxImageEffectHandle, const char *, OfxPropertySetHandle *);
  OfxStatus (*clipGetHandle)(OfxImageEffectHandle, const char *, OfxImageClipHandle *, OfxPropertySetHandle *);
  OfxStatus (*clipGetPropertySet)(OfxImageClipHandle, OfxPropertySetHandle *);
  OfxStatus (*clipGetImage)(OfxImageClipHandle, OfxTime, const OfxRectD *, OfxPropertySetHandle *);
  OfxStatus (*clipReleaseImage)(OfxPropertySetHandle);
  OfxStatus (*clipGetRegionOfDefinition)(OfxImageClipHandle, OfxTime, OfxRectD *);
  int (*abort)(OfxImageEffectHandle);
  OfxStatus (*imageMemoryAlloc)(OfxImageEffectHandle, size_t, OfxImageMemoryHandle *);
  OfxStatus (*imageMemoryFree)(OfxImageMemoryHandle);
  OfxStatus (*imageMemoryLock)(OfxImageMemoryHandle, void **);
  OfxStatus (*imageMemoryUnlock)(OfxImageMemoryHandle);
} OfxImageEffectSuiteV1;

typedef struct OfxParameterSuiteV1 {
  OfxStatus (*paramDefine)(OfxParamSetHandle, const char *, const char *, OfxPropertySetHandle *);
  OfxStatus (*paramGetHandle)(OfxParamSetHandle, const char *, OfxParamHandle *, OfxPropertySetHandle *);
  OfxStatus (*paramSetGetPropertySet)(OfxParamSetHandle, OfxPropertySetHandle *);
  OfxStatus (*paramGetPropertySet)(OfxParamHandle, OfxPropertySetHandle *);
  OfxStatus (*paramGetValue)(OfxParamHandle, ...);
  OfxStatus (*paramGetValueAtTime)(OfxParamHandle, OfxTime, ...);
  OfxStatus (*paramGetDerivative)(OfxParamHandle, OfxTime, ...);
  OfxStatus (*paramGetIntegral)(OfxParamHandle, OfxTime, OfxTime, ...);
  OfxStatus (*paramSetValue)(OfxParamHandle, ...);
  OfxStatus (*paramSetValueAtTime)(OfxParamHandle, OfxTime, ...);
  OfxStatus (*paramGetNumKeys)(OfxParamHandle, unsigned int *);
  OfxStatus (*paramGetKeyTime)(OfxParamHandle, unsigned int, OfxTime *);
  OfxStatus (*paramGetKeyIndex)(OfxParamHandle, OfxTime, int, int *);
  OfxStatus (*paramDeleteKey)(OfxParamHandle, OfxTime);
  OfxStatus (*paramDeleteAllKeys)(OfxParamHandle);
  OfxStatus (*paramCopy)(OfxParamHandle, OfxParamHandle, OfxTime, const OfxRangeD *);
  OfxStatus (*paramEditBegin)(OfxParamSetHandle, const char *);
  OfxStatus (*paramEditEnd)(OfxParamSetHandle);
} OfxParameterSuiteV1;

typedef struct OfxMemorySuiteV1 {
  OfxStatus (*memoryAlloc)(void *, size_t, void **);
  OfxStatus (*memoryFree)(void *);
} OfxMemorySuiteV1;

typedef void(OfxThreadFunctionV1)(unsigned int, unsigned int, void *);
typedef struct OfxMultiThreadSuiteV1 {
  OfxStatus (*multiThread)(OfxThreadFunctionV1 func, unsigned int nThreads, void *customArg);
  OfxStatus (*multiThreadNumCPUs)(unsigned int *);
  OfxStatus (*multiThreadIndex)(unsigned int *);
  int (*multiThreadIsSpawnedThread)(void);
  OfxStatus (*mutexCreate)(OfxMutexHandle *, int);
  OfxStatus (*mutexDestroy)(const OfxMutexHandle);
  OfxStatus (*mutexLock)(const OfxMutexHandle);
  OfxStatus (*mutexUnLock)(const OfxMutexHandle);
  OfxStatus (*mutexTryLock)(const OfxMutexHandle);
} OfxMultiThreadSuiteV1;

typedef struct OfxMessageSuiteV1 {
  OfxStatus (*message)(void *, const char *, const char *, const char *, ...);
} OfxMessageSuiteV1;

typedef struct OfxMessageSuiteV2 {
  OfxStatus (*message)(void *, const char *, const char *, const char *, ...);
  OfxStatus (*setPersistentMessage)(void *, const char *, const char *, const char *, ...);
  OfxStatus (*clearPersistentMessage)(void *);
} OfxMessageSuiteV2;

typedef struct OfxProgressSuiteV1 {
  OfxStatus (*progressStart)(void *, const char *);
  OfxStatus (*progressUpdate)(void *, double);
  OfxStatus (*progressEnd)(void *);
} OfxProgressSuiteV1;

typedef struct OfxProgressSuiteV2 {
  OfxStatus (*progressStart)(void *, const char *, const char *);
  OfxStatus (*progressUpdate)(void *, double);
  OfxStatus (*progressEnd)(void *);
} OfxProgressSuiteV2;

typedef struct OfxTimeLineSuiteV1 {
  OfxStatus (*getTime)(void *, double *);
  OfxStatus (*gotoTime)(void *, double);
  OfxStatus (*getTimeBounds)(void *, double *, double *);
} OfxTimeLineSuiteV1;

typedef struct OfxImageEffectOpenGLRenderSuiteV1 {
  OfxStatus (*clipLoadTexture)(OfxImageClipHandle, OfxTime, const char *, const OfxRectD *, OfxPropertySetHandle *);
  OfxStatus (*clipFreeTexture)(OfxPropertySetHandle);
  OfxStatus (*flushResources)(void);
} OfxImageEffectOpenGLRenderSuiteV1;

#define S(T) printf(#T " size %zu\n", sizeof(T));
#define F(T, m) printf(#T "." #m " offset %zu\n", offsetof(T, m));

int main(void)
{
  S(OfxPointI) F(OfxPointI, x) F(OfxPointI, y)
  S(OfxPointD) F(OfxPointD, x) F(OfxPointD, y)
  S(OfxRangeI) F(OfxRangeI, min) F(OfxRangeI, max)
  S(OfxRangeD) F(OfxRangeD, min) F(OfxRangeD, max)
  S(OfxRectI) F(OfxRectI, x1) F(OfxRectI, y1) F(OfxRectI, x2) F(OfxRectI, y2)
  S(OfxRectD) F(OfxRectD, x1) F(OfxRectD, y1) F(OfxRectD, x2) F(OfxRectD, y2)
  S(OfxRGBAColourB) F(OfxRGBAColourB, r) F(OfxRGBAColourB, g) F(OfxRGBAColourB, b) F(OfxRGBAColourB, a)
  S(OfxRGBAColourS) F(OfxRGBAColourS, r) F(OfxRGBAColourS, g) F(OfxRGBAColourS, b) F(OfxRGBAColourS, a)
  S(OfxRGBAColourF) F(OfxRGBAColourF, r) F(OfxRGBAColourF, g) F(OfxRGBAColourF, b) F(OfxRGBAColourF, a)
  S(OfxRGBAColourD) F(OfxRGBAColourD, r) F(OfxRGBAColourD, g) F(OfxRGBAColourD, b) F(OfxRGBAColourD, a)
  S(OfxRGBColourB) F(OfxRGBColourB, r) F(OfxRGBColourB, g) F(OfxRGBColourB, b)
  S(OfxRGBColourS) F(OfxRGBColourS, r) F(OfxRGBColourS, g) F(OfxRGBColourS, b)
  S(OfxRGBColourF) F(OfxRGBColourF, r) F(OfxRGBColourF, g) F(OfxRGBColourF, b)
  S(OfxRGBColourD) F(OfxRGBColourD, r) F(OfxRGBColourD, g) F(OfxRGBColourD, b)
  S(OfxYUVAColourB) F(OfxYUVAColourB, y) F(OfxYUVAColourB, u) F(OfxYUVAColourB, v) F(OfxYUVAColourB, a)
  S(OfxYUVAColourS) F(OfxYUVAColourS, y) F(OfxYUVAColourS, u) F(OfxYUVAColourS, v) F(OfxYUVAColourS, a)
  S(OfxYUVAColourF) F(OfxYUVAColourF, y) F(OfxYUVAColourF, u) F(OfxYUVAColourF, v) F(OfxYUVAColourF, a)
  S(OfxHost) F(OfxHost, host) F(OfxHost, fetchSuite)
  S(OfxPlugin) F(OfxPlugin, pluginApi) F(OfxPlugin, apiVersion) F(OfxPlugin, pluginIdentifier) F(OfxPlugin, pluginVersionMajor)
    F(OfxPlugin, pluginVersionMinor) F(OfxPlugin, setHost) F(OfxPlugin, mainEntry)
  S(OfxPropertySuiteV1) F(OfxPropertySuiteV1, propSetPointer) F(OfxPropertySuiteV1, propSetString) F(OfxPropertySuiteV1, propSetDouble)
    F(OfxPropertySuiteV1, propSetInt) F(OfxPropertySuiteV1, propSetPointerN) F(OfxPropertySuiteV1, propSetStringN)
    F(OfxPropertySuiteV1, propSetDoubleN) F(OfxPropertySuiteV1, propSetIntN) F(OfxPropertySuiteV1, propGetPointer)
    F(OfxPropertySuiteV1, propGetString) F(OfxPropertySuiteV1, propGetDouble) F(OfxPropertySuiteV1, propGetInt)
    F(OfxPropertySuiteV1, propGetPointerN) F(OfxPropertySuiteV1, propGetStringN) F(OfxPropertySuiteV1, propGetDoubleN)
    F(OfxPropertySuiteV1, propGetIntN) F(OfxPropertySuiteV1, propReset) F(OfxPropertySuiteV1, propGetDimension)
  S(OfxImageEffectSuiteV1) F(OfxImageEffectSuiteV1, getPropertySet) F(OfxImageEffectSuiteV1, getParamSet) F(OfxImageEffectSuiteV1, clipDefine)
    F(OfxImageEffectSuiteV1, clipGetHandle) F(OfxImageEffectSuiteV1, clipGetPropertySet) F(OfxImageEffectSuiteV1, clipGetImage)
    F(OfxImageEffectSuiteV1, clipReleaseImage) F(OfxImageEffectSuiteV1, clipGetRegionOfDefinition) F(OfxImageEffectSuiteV1, abort)
    F(OfxImageEffectSuiteV1, imageMemoryAlloc) F(OfxImageEffectSuiteV1, imageMemoryFree) F(OfxImageEffectSuiteV1, imageMemoryLock)
    F(OfxImageEffectSuiteV1, imageMemoryUnlock)
  S(OfxParameterSuiteV1) F(OfxParameterSuiteV1, paramDefine) F(OfxParameterSuiteV1, paramGetHandle) F(OfxParameterSuiteV1, paramSetGetPropertySet)
    F(OfxParameterSuiteV1, paramGetPropertySet) F(OfxParameterSuiteV1, paramGetValue) F(OfxParameterSuiteV1, paramGetValueAtTime)
    F(OfxParameterSuiteV1, paramGetDerivative) F(OfxParameterSuiteV1, paramGetIntegral) F(OfxParameterSuiteV1, paramSetValue)
    F(OfxParameterSuiteV1, paramSetValueAtTime) F(OfxParameterSuiteV1, paramGetNumKeys) F(OfxParameterSuiteV1, paramGetKeyTime)
    F(OfxParameterSuiteV1, paramGetKeyIndex) F(OfxParameterSuiteV1, paramDeleteKey) F(OfxParameterSuiteV1, paramDeleteAllKeys)
    F(OfxParameterSuiteV1, paramCopy) F(OfxParameterSuiteV1, paramEditBegin) F(OfxParameterSuiteV1, paramEditEnd)
  S(OfxMemorySuiteV1) F(OfxMemorySuiteV1, memoryAlloc) F(OfxMemorySuiteV1, memoryFree)
  S(OfxMultiThreadSuiteV1) F(OfxMultiThreadSuiteV1, multiThread) F(OfxMultiThreadSuiteV1, multiThreadNumCPUs)
    F(OfxMultiThreadSuiteV1, multiThreadIndex) F(OfxMultiThreadSuiteV1, multiThreadIsSpawnedThread) F(OfxMultiThreadSuiteV1, mutexCreate)
    F(OfxMultiThreadSuiteV1, mutexDestroy) F(OfxMultiThreadSuiteV1, mutexLock) F(OfxMultiThreadSuiteV1, mutexUnLock)
    F(OfxMultiThreadSuiteV1, mutexTryLock)
  S(OfxMessageSuiteV1) F(OfxMessageSuiteV1, message)
  S(OfxMessageSuiteV2) F(OfxMessageSuiteV2, message) F(OfxMessageSuiteV2, setPersistentMessage) F(OfxMessageSuiteV2, clearPersistentMessage)
  S(OfxProgressSuiteV1) F(OfxProgressSuiteV1, progressStart) F(OfxProgressSuiteV1, progressUpdate) F(OfxProgressSuiteV1, progressEnd)
  S(OfxProgressSuiteV2) F(OfxProgressSuiteV2, progressStart) F(OfxProgressSuiteV2, progressUpdate) F(OfxProgressSuiteV2, progressEnd)
  S(OfxTimeLineSuiteV1) F(OfxTimeLineSuiteV1, getTime) F(OfxTimeLineSuiteV1, gotoTime) F(OfxTimeLineSuiteV1, getTimeBounds)
  S(OfxImageEffectOpenGLRenderSuiteV1) F(OfxImageEffectOpenGLRenderSuiteV1, clipLoadTexture)
    F(OfxImageEffectOpenGLRenderSuiteV1, clipFreeTexture) F(OfxImageEffectOpenGLRenderSuiteV1, flushResources)
  return 0;
}
