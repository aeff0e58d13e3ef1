/* See hdrofx_shim.h for why this exists. Every function checks its arguments and returns
 * kOfxStatErrBadHandle (9) for a NULL function, kOfxStatErrValue (11) for a bad count. */
#include "hdrofx_shim.h"
#include <stddef.h>

#define ST_FAILED 1
#define ST_BAD_HANDLE 9
#define ST_VALUE 11

typedef hdrofx_status (*get_fn)(hdrofx_param, ...);
typedef hdrofx_status (*get_t_fn)(hdrofx_param, double, ...);
typedef hdrofx_status (*get_tt_fn)(hdrofx_param, double, double, ...);
typedef hdrofx_status (*msg_fn)(void *, const char *, const char *, const char *, ...);

int hdrofx_shim_version(void) { return 1; }

hdrofx_status hdrofx_param_get_value(const void *fn, hdrofx_param p, int n, void *const *o)
{
    get_fn f = (get_fn)fn;
    if (!f) return ST_BAD_HANDLE;
    switch (n) {
    case 1: return f(p, o[0]);
    case 2: return f(p, o[0], o[1]);
    case 3: return f(p, o[0], o[1], o[2]);
    case 4: return f(p, o[0], o[1], o[2], o[3]);
    default: return ST_VALUE;
    }
}

hdrofx_status hdrofx_param_get_value_at_time(const void *fn, hdrofx_param p, double t, int n, void *const *o)
{
    get_t_fn f = (get_t_fn)fn;
    if (!f) return ST_BAD_HANDLE;
    switch (n) {
    case 1: return f(p, t, o[0]);
    case 2: return f(p, t, o[0], o[1]);
    case 3: return f(p, t, o[0], o[1], o[2]);
    case 4: return f(p, t, o[0], o[1], o[2], o[3]);
    default: return ST_VALUE;
    }
}

hdrofx_status hdrofx_param_get_derivative(const void *fn, hdrofx_param p, double t, int n, void *const *o)
{
    return hdrofx_param_get_value_at_time(fn, p, t, n, o); /* same shape: (param, time, outs...) */
}

hdrofx_status hdrofx_param_get_integral(const void *fn, hdrofx_param p, double t1, double t2, int n, void *const *o)
{
    get_tt_fn f = (get_tt_fn)fn;
    if (!f) return ST_BAD_HANDLE;
    switch (n) {
    case 1: return f(p, t1, t2, o[0]);
    case 2: return f(p, t1, t2, o[0], o[1]);
    case 3: return f(p, t1, t2, o[0], o[1], o[2]);
    case 4: return f(p, t1, t2, o[0], o[1], o[2], o[3]);
    default: return ST_VALUE;
    }
}

hdrofx_status hdrofx_param_set_value_int(const void *fn, hdrofx_param p, int n, const int *v)
{
    get_fn f = (get_fn)fn;
    if (!f) return ST_BAD_HANDLE;
    switch (n) {
    case 1: return f(p, v[0]);
    case 2: return f(p, v[0], v[1]);
    case 3: return f(p, v[0], v[1], v[2]);
    default: return ST_VALUE;
    }
}

hdrofx_status hdrofx_param_set_value_double(const void *fn, hdrofx_param p, int n, const double *v)
{
    get_fn f = (get_fn)fn;
    if (!f) return ST_BAD_HANDLE;
    switch (n) {
    case 1: return f(p, v[0]);
    case 2: return f(p, v[0], v[1]);
    case 3: return f(p, v[0], v[1], v[2]);
    case 4: return f(p, v[0], v[1], v[2], v[3]);
    default: return ST_VALUE;
    }
}

hdrofx_status hdrofx_param_set_value_string(const void *fn, hdrofx_param p, const char *s)
{
    get_fn f = (get_fn)fn;
    if (!f) return ST_BAD_HANDLE;
    return f(p, s);
}

hdrofx_status hdrofx_param_set_value_at_time_int(const void *fn, hdrofx_param p, double t, int n, const int *v)
{
    get_t_fn f = (get_t_fn)fn;
    if (!f) return ST_BAD_HANDLE;
    switch (n) {
    case 1: return f(p, t, v[0]);
    case 2: return f(p, t, v[0], v[1]);
    case 3: return f(p, t, v[0], v[1], v[2]);
    default: return ST_VALUE;
    }
}

hdrofx_status hdrofx_param_set_value_at_time_double(const void *fn, hdrofx_param p, double t, int n, const double *v)
{
    get_t_fn f = (get_t_fn)fn;
    if (!f) return ST_BAD_HANDLE;
    switch (n) {
    case 1: return f(p, t, v[0]);
    case 2: return f(p, t, v[0], v[1]);
    case 3: return f(p, t, v[0], v[1], v[2]);
    case 4: return f(p, t, v[0], v[1], v[2], v[3]);
    default: return ST_VALUE;
    }
}

hdrofx_status hdrofx_param_set_value_at_time_string(const void *fn, hdrofx_param p, double t, const char *s)
{
    get_t_fn f = (get_t_fn)fn;
    if (!f) return ST_BAD_HANDLE;
    return f(p, t, s);
}

hdrofx_status hdrofx_message(const void *fn, void *h, const char *type, const char *id, const char *text)
{
    msg_fn f = (msg_fn)fn;
    if (!f) return ST_BAD_HANDLE;
    return f(h, type, id, "%s", text ? text : "");
}

hdrofx_status hdrofx_set_persistent_message(const void *fn, void *h, const char *type, const char *id, const char *text)
{
    msg_fn f = (msg_fn)fn;
    if (!f) return ST_FAILED;
    return f(h, type, id, "%s", text ? text : "");
}
