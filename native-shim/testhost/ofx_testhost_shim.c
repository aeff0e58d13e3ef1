/*
 * The variadic half of the in-repo OFX test host (tests/Plugin.Tests). A real host implements
 * paramGetValue & co. and message/setPersistentMessage as C variadic functions; C# cannot, so
 * these do the va_arg work and call fixed-signature callbacks that the C# host registers.
 * This library is for tests only; it is not part of the plug-in.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#if defined(_WIN32)
#define TH_API __declspec(dllexport)
#else
#define TH_API __attribute__((visibility("default")))
#endif

typedef int th_status;

/* kind: 0 = int-valued (integer, choice, boolean), 1 = double, 2 = string; count = components. */
typedef th_status (*th_kind_cb)(void *param, int *kind, int *count);
/* mode: 0 = value, 1 = value at time, 2 = derivative, 3 = integral (t1, t2). outs: count pointers. */
typedef th_status (*th_get_cb)(void *param, int mode, double t1, double t2, void **outs, int count);
/* has_time: 0/1. Values arrive in ints, doubles or str according to the param kind. */
typedef th_status (*th_set_cb)(void *param, int has_time, double time, const int *ints, const double *doubles, const char *str, int count);
/* persistent: 0 = message, 1 = setPersistentMessage. text is the formatted message. */
typedef th_status (*th_msg_cb)(void *handle, const char *type, const char *id, const char *text, int persistent);

static th_kind_cb g_kind;
static th_get_cb g_get;
static th_set_cb g_set;
static th_msg_cb g_msg;

TH_API void th_register(th_kind_cb kind, th_get_cb get, th_set_cb set, th_msg_cb msg)
{
    g_kind = kind; g_get = get; g_set = set; g_msg = msg;
}

#define ST_FAILED 1
#define ST_BAD_HANDLE 9

static th_status get_common(void *param, int mode, double t1, double t2, va_list ap)
{
    int kind = 0, count = 0;
    void *outs[4] = {0, 0, 0, 0};
    th_status st;
    int i;
    if (!g_kind || !g_get) return ST_FAILED;
    st = g_kind(param, &kind, &count);
    if (st != 0) return st;
    if (count < 1 || count > 4) return ST_BAD_HANDLE;
    for (i = 0; i < count; i++) outs[i] = va_arg(ap, void *);
    return g_get(param, mode, t1, t2, outs, count);
}

TH_API th_status th_paramGetValue(void *param, ...)
{
    va_list ap; th_status st;
    va_start(ap, param);
    st = get_common(param, 0, 0.0, 0.0, ap);
    va_end(ap);
    return st;
}

TH_API th_status th_paramGetValueAtTime(void *param, double time, ...)
{
    va_list ap; th_status st;
    va_start(ap, time);
    st = get_common(param, 1, time, 0.0, ap);
    va_end(ap);
    return st;
}

TH_API th_status th_paramGetDerivative(void *param, double time, ...)
{
    va_list ap; th_status st;
    va_start(ap, time);
    st = get_common(param, 2, time, 0.0, ap);
    va_end(ap);
    return st;
}

TH_API th_status th_paramGetIntegral(void *param, double t1, double t2, ...)
{
    va_list ap; th_status st;
    va_start(ap, t2);
    st = get_common(param, 3, t1, t2, ap);
    va_end(ap);
    return st;
}

static th_status set_common(void *param, int has_time, double time, va_list ap)
{
    int kind = 0, count = 0, i;
    int ints[4] = {0, 0, 0, 0};
    double doubles[4] = {0, 0, 0, 0};
    const char *str = 0;
    th_status st;
    if (!g_kind || !g_set) return ST_FAILED;
    st = g_kind(param, &kind, &count);
    if (st != 0) return st;
    if (count < 1 || count > 4) return ST_BAD_HANDLE;
    for (i = 0; i < count; i++) {
        if (kind == 0) ints[i] = va_arg(ap, int);
        else if (kind == 1) doubles[i] = va_arg(ap, double);
        else { str = va_arg(ap, const char *); break; }
    }
    return g_set(param, has_time, time, ints, doubles, str, count);
}

TH_API th_status th_paramSetValue(void *param, ...)
{
    va_list ap; th_status st;
    va_start(ap, param);
    st = set_common(param, 0, 0.0, ap);
    va_end(ap);
    return st;
}

TH_API th_status th_paramSetValueAtTime(void *param, double time, ...)
{
    va_list ap; th_status st;
    va_start(ap, time);
    st = set_common(param, 1, time, ap);
    va_end(ap);
    return st;
}

static th_status msg_common(void *handle, const char *type, const char *id, const char *format, va_list ap, int persistent)
{
    char buf[4096];
    if (!g_msg) return ST_FAILED;
    if (!format) format = "";
    vsnprintf(buf, sizeof buf, format, ap);
    return g_msg(handle, type, id, buf, persistent);
}

TH_API th_status th_message(void *handle, const char *type, const char *id, const char *format, ...)
{
    va_list ap; th_status st;
    va_start(ap, format);
    st = msg_common(handle, type, id, format, ap, 0);
    va_end(ap);
    return st;
}

TH_API th_status th_setPersistentMessage(void *handle, const char *type, const char *id, const char *format, ...)
{
    va_list ap; th_status st;
    va_start(ap, format);
    st = msg_common(handle, type, id, format, ap, 1);
    va_end(ap);
    return st;
}
