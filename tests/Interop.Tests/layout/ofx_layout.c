/*
 * Prints sizeof and offsetof for every OpenFX struct that src/Interop binds, as the C compiler lays out the
 * declarations of the official headers (shared/ofxhost/openfx/include, passed with -I). LayoutTests compiles and
 * runs this and compares with Marshal.OffsetOf/SizeOf of the C# structs.
 * Output: one line per item, "Struct size N" or "Struct.member offset N".
 */
#include <stddef.h>
#include <stdio.h>

#include "ofxCore.h"
#include "ofxProperty.h"
#include "ofxImageEffect.h"
#include "ofxParam.h"
#include "ofxMemory.h"
#include "ofxMultiThread.h"
#include "ofxMessage.h"
#include "ofxProgress.h"
#include "ofxTimeLine.h"
#include "ofxGPURender.h"
#include "ofxPixels.h"
#include "ofxOld.h"

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
