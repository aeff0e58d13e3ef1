/*
 * hdrofx_shim: fixed-signature adapters for the variadic functions of the OpenFX C API.
 *
 * C# cannot call a C variadic function portably (on x86-64 SysV the caller must set %al to the
 * number of vector registers used; on Win64 variadic doubles go in both integer and float
 * registers). Each adapter takes the host's function pointer (as read from the suite struct) plus
 * a fixed argument list and makes the variadic call in C, where the compiler gets the ABI right.
 *
 * The adapters are linked statically into the NativeAOT plug-in (DirectPInvoke "hdrofxshim").
 * They depend on nothing but the C standard library; the OFX types they need are restated here
 * with the same representation as in ofxCore.h/ofxParam.h (all handles are pointers, OfxStatus is
 * int, OfxTime is double).
 */
#ifndef HDROFX_SHIM_H
#define HDROFX_SHIM_H

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define HDROFX_SHIM_API __declspec(dllexport)
#else
#define HDROFX_SHIM_API __attribute__((visibility("default")))
#endif

typedef int hdrofx_status;
typedef void *hdrofx_param;

/* paramGetValue(param, out0, ..., outN-1): every output is a pointer (int*, double*, char**). */
HDROFX_SHIM_API hdrofx_status hdrofx_param_get_value(const void *fn, hdrofx_param param, int n, void *const *outs);
/* paramGetValueAtTime(param, time, out0, ...). */
HDROFX_SHIM_API hdrofx_status hdrofx_param_get_value_at_time(const void *fn, hdrofx_param param, double time, int n, void *const *outs);
/* paramGetDerivative(param, time, out0, ...). */
HDROFX_SHIM_API hdrofx_status hdrofx_param_get_derivative(const void *fn, hdrofx_param param, double time, int n, void *const *outs);
/* paramGetIntegral(param, time1, time2, out0, ...). */
HDROFX_SHIM_API hdrofx_status hdrofx_param_get_integral(const void *fn, hdrofx_param param, double time1, double time2, int n, void *const *outs);

/* paramSetValue(param, v0, ..., vN-1) for int-valued params (integer, boolean, choice; 1-3 values). */
HDROFX_SHIM_API hdrofx_status hdrofx_param_set_value_int(const void *fn, hdrofx_param param, int n, const int *values);
/* paramSetValue(param, v0, ...) for double-valued params (double, 2D, 3D, RGB, RGBA; 1-4 values). */
HDROFX_SHIM_API hdrofx_status hdrofx_param_set_value_double(const void *fn, hdrofx_param param, int n, const double *values);
/* paramSetValue(param, str) for string params. */
HDROFX_SHIM_API hdrofx_status hdrofx_param_set_value_string(const void *fn, hdrofx_param param, const char *value);
HDROFX_SHIM_API hdrofx_status hdrofx_param_set_value_at_time_int(const void *fn, hdrofx_param param, double time, int n, const int *values);
HDROFX_SHIM_API hdrofx_status hdrofx_param_set_value_at_time_double(const void *fn, hdrofx_param param, double time, int n, const double *values);
HDROFX_SHIM_API hdrofx_status hdrofx_param_set_value_at_time_string(const void *fn, hdrofx_param param, double time, const char *value);

/* message(handle, type, id, "%s", text): the text is never used as a format string. */
HDROFX_SHIM_API hdrofx_status hdrofx_message(const void *fn, void *handle, const char *type, const char *id, const char *text);
/* setPersistentMessage(handle, type, id, "%s", text). Returns kOfxStatFailed (1) when fn is NULL. */
HDROFX_SHIM_API hdrofx_status hdrofx_set_persistent_message(const void *fn, void *handle, const char *type, const char *id, const char *text);

/* Version of this adapter set, to catch a stale static library at link time. */
HDROFX_SHIM_API int hdrofx_shim_version(void);

#ifdef __cplusplus
}
#endif
#endif
