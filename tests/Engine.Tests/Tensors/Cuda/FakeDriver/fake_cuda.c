/* A stand-in for libcuda.so.1, libnvrtc.so and libcublas.so with the entry points the HdrOfx backend binds, written
 * from the signatures in cuda.h, nvrtc.h and cublas_api.h. It lets the tests drive CudaDriverApi through real
 * unmanaged calls on a machine without a GPU: memory is host memory, "compiling" returns the path of the emulator
 * library, modules are dlopen'ed emulators and launches run their kernels. fake_cuda_configure sets the emulator path
 * and a device memory limit (cuMemAlloc then fails with CUDA_ERROR_OUT_OF_MEMORY). Launches and GEMMs are counted. */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int CUresult;
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;
typedef void* CUcontext;
typedef void* CUstream;
typedef void* CUmodule;
typedef void* CUfunction;

#define EXPORT __attribute__((visibility("default")))

static long long live_bytes, budget = -1;
static char emulator_path[4096];

EXPORT void fake_cuda_configure(const char* emulator, long long bytes)
{
    snprintf(emulator_path, sizeof emulator_path, "%s", emulator);
    budget = bytes;
}
static int ctx_token, initialized;
static long long calls_launch, calls_gemm, calls_alloc;
static void* last_blas_stream;

EXPORT long long fake_cuda_counter(const char* which)
{
    if (!strcmp(which, "launch")) return calls_launch;
    if (!strcmp(which, "gemm")) return calls_gemm;
    if (!strcmp(which, "alloc")) return calls_alloc;
    if (!strcmp(which, "live")) return live_bytes;
    return -1;
}

EXPORT void* fake_cuda_last_blas_stream(void) { return last_blas_stream; }

/* ---------------------------------------------------------------- driver */

EXPORT CUresult cuInit(unsigned int flags)
{
    if (flags != 0) return 1;
    /* A process that cannot call fake_cuda_configure (the NativeAOT hdrofx) configures through the environment. */
    if (!emulator_path[0] && getenv("FAKE_CUDA_EMULATOR")) snprintf(emulator_path, sizeof emulator_path, "%s", getenv("FAKE_CUDA_EMULATOR"));
    if (budget < 0 && getenv("FAKE_CUDA_BYTES")) budget = atoll(getenv("FAKE_CUDA_BYTES"));
    initialized = 1;
    return 0;
}
#define NEED_INIT if (!initialized) return 3 /* CUDA_ERROR_NOT_INITIALIZED */

EXPORT CUresult cuDriverGetVersion(int* v) { *v = 13000; return 0; }
EXPORT CUresult cuDeviceGetCount(int* n) { NEED_INIT; *n = 1; return 0; }
EXPORT CUresult cuDeviceGet(CUdevice* d, int ordinal) { NEED_INIT; if (ordinal != 0) return 101; *d = 0; return 0; }
EXPORT CUresult cuDeviceGetName(char* name, int len, CUdevice d)
{
    NEED_INIT;
    if (d != 0 || len < 1) return 1;
    snprintf(name, (size_t)len, "Fake CUDA Device (CPU emulator)");
    return 0;
}
EXPORT CUresult cuDeviceTotalMem_v2(size_t* bytes, CUdevice d) { NEED_INIT; *bytes = budget > 0 ? (size_t)budget : (size_t)64 << 30; return d == 0 ? 0 : 101; }
EXPORT CUresult cuDeviceGetAttribute(int* v, int attr, CUdevice d)
{
    NEED_INIT;
    if (d != 0) return 101;
    if (attr == 75) { *v = 9; return 0; } /* CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR */
    if (attr == 76) { *v = 0; return 0; } /* _MINOR */
    return 1;
}
EXPORT CUresult cuDevicePrimaryCtxRetain(CUcontext* c, CUdevice d) { NEED_INIT; if (d != 0) return 101; *c = &ctx_token; return 0; }
EXPORT CUresult cuDevicePrimaryCtxRelease_v2(CUdevice d) { return d == 0 ? 0 : 101; }
static __thread CUcontext current;
EXPORT CUresult cuCtxSetCurrent(CUcontext c) { if (c != NULL && c != &ctx_token) return 201; current = c; return 0; }
#define NEED_CTX if (current != &ctx_token) return 201 /* CUDA_ERROR_INVALID_CONTEXT */

EXPORT CUresult cuGetErrorName(CUresult e, const char** s)
{
    switch (e)
    {
    case 0: *s = "CUDA_SUCCESS"; return 0;
    case 1: *s = "CUDA_ERROR_INVALID_VALUE"; return 0;
    case 2: *s = "CUDA_ERROR_OUT_OF_MEMORY"; return 0;
    case 201: *s = "CUDA_ERROR_INVALID_CONTEXT"; return 0;
    case 500: *s = "CUDA_ERROR_NOT_FOUND"; return 0;
    default: *s = NULL; return 1;
    }
}

/* A size header before each block, so cuMemFree knows what it frees. */
EXPORT CUresult cuMemAlloc_v2(CUdeviceptr* p, size_t bytes)
{
    NEED_CTX;
    calls_alloc++;
    if (bytes == 0) return 1;
    if (budget >= 0 && live_bytes + (long long)bytes > budget) return 2;
    if (budget < 0 && bytes > ((size_t)64 << 30)) return 2; /* more than the reported 64 GiB device */
    unsigned char* m = malloc(bytes + 16);
    if (!m) return 2;
    memset(m + 16, 0xFF, bytes);
    *(size_t*)m = bytes;
    live_bytes += (long long)bytes;
    *p = (CUdeviceptr)(uintptr_t)(m + 16);
    return 0;
}
EXPORT CUresult cuMemFree_v2(CUdeviceptr p)
{
    NEED_CTX;
    if (!p) return 1;
    unsigned char* m = (unsigned char*)(uintptr_t)p - 16;
    live_bytes -= (long long)*(size_t*)m;
    free(m);
    return 0;
}
EXPORT CUresult cuMemGetInfo_v2(size_t* freeBytes, size_t* total)
{
    NEED_CTX;
    size_t t = budget > 0 ? (size_t)budget : (size_t)64 << 30;
    *total = t;
    *freeBytes = t - (size_t)live_bytes;
    return 0;
}

static int streams;
EXPORT CUresult cuStreamCreate(CUstream* s, unsigned int flags) { NEED_CTX; if (flags > 1) return 1; *s = (CUstream)(uintptr_t)(0x5000 + ++streams); return 0; }
EXPORT CUresult cuStreamDestroy_v2(CUstream s) { NEED_CTX; return s ? 0 : 400; }
EXPORT CUresult cuStreamSynchronize(CUstream s) { NEED_CTX; (void)s; return 0; }
EXPORT CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr d, const void* h, size_t n, CUstream s) { NEED_CTX; (void)s; memcpy((void*)(uintptr_t)d, h, n); return 0; }
EXPORT CUresult cuMemcpyDtoHAsync_v2(void* h, CUdeviceptr d, size_t n, CUstream s) { NEED_CTX; (void)s; memcpy(h, (void*)(uintptr_t)d, n); return 0; }
EXPORT CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr d, CUdeviceptr src, size_t n, CUstream s) { NEED_CTX; (void)s; memmove((void*)(uintptr_t)d, (void*)(uintptr_t)src, n); return 0; }
EXPORT CUresult cuMemsetD32Async(CUdeviceptr d, unsigned int v, size_t n, CUstream s)
{
    NEED_CTX;
    (void)s;
    unsigned int* p = (unsigned int*)(uintptr_t)d;
    for (size_t i = 0; i < n; i++) p[i] = v;
    return 0;
}

typedef int (*emu_launch_fn)(const char*, unsigned, unsigned, void**);
struct module { void* lib; emu_launch_fn launch; };
struct function { struct module* m; char name[128]; };

/* The "image" is the emulator library's path (what the fake NVRTC returns as the cubin). */
EXPORT CUresult cuModuleLoadData(CUmodule* out, const void* image)
{
    NEED_CTX;
    const char* path = image;
    if (strncmp(path, "FAKECUBIN:", 10) != 0) return 200; /* CUDA_ERROR_INVALID_IMAGE */
    void* lib = dlopen(path + 10, RTLD_NOW | RTLD_LOCAL);
    if (!lib) return 200;
    struct module* m = calloc(1, sizeof *m);
    m->lib = lib;
    m->launch = (emu_launch_fn)dlsym(lib, "emu_launch");
    if (!m->launch) { free(m); return 200; }
    *out = m;
    return 0;
}
EXPORT CUresult cuModuleGetFunction(CUfunction* f, CUmodule mod, const char* name)
{
    NEED_CTX;
    if (!mod || strlen(name) >= 128) return 1;
    struct function* fn = calloc(1, sizeof *fn);
    fn->m = mod;
    strcpy(fn->name, name);
    /* a name the module lacks is CUDA_ERROR_NOT_FOUND: probe with an empty launch */
    if (fn->m->launch(name, 0, 0, NULL) == 1) { free(fn); return 500; }
    *f = fn;
    return 0;
}
EXPORT CUresult cuModuleUnload(CUmodule mod) { NEED_CTX; return mod ? 0 : 400; }
EXPORT CUresult cuLaunchKernel(CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
    unsigned shared, CUstream s, void** params, void** extra)
{
    NEED_CTX;
    (void)s;
    if (!f || gy != 1 || gz != 1 || by != 1 || bz != 1 || shared != 0 || extra != NULL || params == NULL) return 1;
    calls_launch++;
    struct function* fn = f;
    return fn->m->launch(fn->name, gx, bx, params) == 0 ? 0 : 719;
}

/* ---------------------------------------------------------------- NVRTC */

typedef int nvrtcResult;
struct program { char* src; int compiled; char arch[64]; };

EXPORT nvrtcResult nvrtcVersion(int* major, int* minor) { *major = 13; *minor = 0; return 0; }
EXPORT const char* nvrtcGetErrorString(nvrtcResult r) { return r == 0 ? "NVRTC_SUCCESS" : r == 5 ? "NVRTC_ERROR_INVALID_OPTION" : r == 6 ? "NVRTC_ERROR_COMPILATION" : "NVRTC_ERROR"; }
EXPORT nvrtcResult nvrtcCreateProgram(void** prog, const char* src, const char* name, int nh, const char* const* h, const char* const* hn)
{
    (void)name; (void)h; (void)hn;
    if (!prog || !src || nh != 0) return 3;
    struct program* p = calloc(1, sizeof *p);
    p->src = strdup(src);
    *prog = p;
    return 0;
}
EXPORT nvrtcResult nvrtcCompileProgram(void* prog, int n, const char* const* opts)
{
    struct program* p = prog;
    for (int i = 0; i < n; i++)
        if (!strncmp(opts[i], "--gpu-architecture=", 19)) snprintf(p->arch, sizeof p->arch, "%s", opts[i] + 19);
    if (strcmp(p->arch, "sm_90") != 0) return 5;
    if (!strstr(p->src, "extern \"C\" __global__ void hx_unary(")) return 6;
    p->compiled = 1;
    return 0;
}
EXPORT nvrtcResult nvrtcGetProgramLogSize(void* prog, size_t* n) { (void)prog; *n = 12; return 0; }
EXPORT nvrtcResult nvrtcGetProgramLog(void* prog, char* log) { (void)prog; memcpy(log, "fake log ok", 12); return 0; }
static const char* cubin(void) { static char buf[4200]; snprintf(buf, sizeof buf, "FAKECUBIN:%s", emulator_path); return buf; }
EXPORT nvrtcResult nvrtcGetCUBINSize(void* prog, size_t* n) { struct program* p = prog; if (!p->compiled) return 1; *n = strlen(cubin()) + 1; return 0; }
EXPORT nvrtcResult nvrtcGetCUBIN(void* prog, char* out) { struct program* p = prog; if (!p->compiled) return 1; strcpy(out, cubin()); return 0; }
EXPORT nvrtcResult nvrtcGetPTXSize(void* prog, size_t* n) { return nvrtcGetCUBINSize(prog, n); }
EXPORT nvrtcResult nvrtcGetPTX(void* prog, char* out) { return nvrtcGetCUBIN(prog, out); }
EXPORT nvrtcResult nvrtcDestroyProgram(void** prog) { struct program* p = *prog; free(p->src); free(p); *prog = NULL; return 0; }

/* ---------------------------------------------------------------- cuBLAS */

typedef int cublasStatus_t;
static int blas_token;
EXPORT cublasStatus_t cublasCreate_v2(void** h) { *h = &blas_token; return current == &ctx_token ? 0 : 1; }
EXPORT cublasStatus_t cublasDestroy_v2(void* h) { return h == &blas_token ? 0 : 1; }
EXPORT cublasStatus_t cublasSetStream_v2(void* h, void* s) { if (h != &blas_token) return 1; last_blas_stream = s; return 0; }
EXPORT cublasStatus_t cublasGetVersion_v2(void* h, int* v) { (void)h; *v = 130000; return 0; }
EXPORT cublasStatus_t cublasGemmStridedBatchedEx(void* h, int ta, int tb, int m, int n, int k, const void* alpha,
    const void* A, int at, int lda, long long sa, const void* B, int bt, int ldb, long long sb, const void* beta,
    void* C, int ct, int ldc, long long sc, int batch, int compute, int algo)
{
    if (h != &blas_token) return 1;
    if (at != 0 || bt != 0 || ct != 0) return 15;
    if (compute != 68 && compute != 75 && compute != 77) return 15;
    if (algo != -1 || (ta != 0 && ta != 1) || (tb != 0 && tb != 1)) return 7;
    if (m < 0 || n < 0 || k < 0 || batch < 0) return 7;
    if (lda < (ta == 0 ? (m > 1 ? m : 1) : (k > 1 ? k : 1))) return 7;
    if (ldb < (tb == 0 ? (k > 1 ? k : 1) : (n > 1 ? n : 1))) return 7;
    if (ldc < (m > 1 ? m : 1)) return 7;
    calls_gemm++;
    float al = *(const float*)alpha, be = *(const float*)beta;
    for (int q = 0; q < batch; q++)
    {
        const float* a = (const float*)A + q * sa;
        const float* b = (const float*)B + q * sb;
        float* c = (float*)C + q * sc;
        for (int j = 0; j < n; j++)
            for (int i = 0; i < m; i++)
            {
                double s = 0;
                for (int p = 0; p < k; p++)
                    s += (double)(ta == 0 ? a[i + (long long)p * lda] : a[p + (long long)i * lda]) *
                         (tb == 0 ? b[p + (long long)j * ldb] : b[j + (long long)p * ldb]);
                float* cij = c + i + (long long)j * ldc;
                *cij = (float)(al * s + (be == 0.0f ? 0.0 : be * (double)*cij));
            }
    }
    return 0;
}

/* ---------------------------------------------------------------- cuDNN (legacy convolution API) */

typedef int cudnnStatus_t;
struct tdesc { int n, c, h, w, set; };
struct fdesc { int k, c, h, w, set; };
struct cdesc { int ph, pw, sh, sw, dh, dw, groups, math, set; };
struct perf { int algo; int status; float time; size_t memory; int determinism; int mathType; int reserved[3]; };
static int dnn_token;
static long long calls_conv;
static int last_math = -1;

EXPORT long long fake_cudnn_convolutions(void) { return calls_conv; }
EXPORT int fake_cudnn_last_math(void) { return last_math; }

EXPORT cudnnStatus_t cudnnCreate(void** h) { *h = &dnn_token; return current == &ctx_token ? 0 : 1; }
EXPORT cudnnStatus_t cudnnDestroy(void* h) { return h == &dnn_token ? 0 : 3; }
EXPORT cudnnStatus_t cudnnSetStream(void* h, void* s) { (void)s; return h == &dnn_token ? 0 : 3; }
EXPORT const char* cudnnGetErrorString(cudnnStatus_t s) { return s == 0 ? "CUDNN_STATUS_SUCCESS" : s == 3 ? "CUDNN_STATUS_BAD_PARAM" : s == 9 ? "CUDNN_STATUS_NOT_SUPPORTED" : "CUDNN_STATUS_ERROR"; }
EXPORT cudnnStatus_t cudnnCreateTensorDescriptor(void** d) { *d = calloc(1, sizeof(struct tdesc)); return 0; }
EXPORT cudnnStatus_t cudnnSetTensor4dDescriptor(void* d, int format, int type, int n, int c, int h, int w)
{
    if (format != 0 || type != 0 || n < 1 || c < 1 || h < 1 || w < 1) return 3;
    struct tdesc* t = d; t->n = n; t->c = c; t->h = h; t->w = w; t->set = 1;
    return 0;
}
EXPORT cudnnStatus_t cudnnDestroyTensorDescriptor(void* d) { free(d); return 0; }
EXPORT cudnnStatus_t cudnnCreateFilterDescriptor(void** d) { *d = calloc(1, sizeof(struct fdesc)); return 0; }
EXPORT cudnnStatus_t cudnnSetFilter4dDescriptor(void* d, int type, int format, int k, int c, int h, int w)
{
    if (format != 0 || type != 0 || k < 1 || c < 1 || h < 1 || w < 1) return 3;
    struct fdesc* f = d; f->k = k; f->c = c; f->h = h; f->w = w; f->set = 1;
    return 0;
}
EXPORT cudnnStatus_t cudnnDestroyFilterDescriptor(void* d) { free(d); return 0; }
EXPORT cudnnStatus_t cudnnCreateConvolutionDescriptor(void** d) { struct cdesc* c = calloc(1, sizeof *c); c->groups = 1; *d = c; return 0; }
EXPORT cudnnStatus_t cudnnSetConvolution2dDescriptor(void* d, int ph, int pw, int sh, int sw, int dh, int dw, int mode, int type)
{
    if (mode != 1 || type != 0 || ph < 0 || pw < 0 || sh < 1 || sw < 1 || dh < 1 || dw < 1) return 3;
    struct cdesc* c = d; c->ph = ph; c->pw = pw; c->sh = sh; c->sw = sw; c->dh = dh; c->dw = dw; c->set = 1;
    return 0;
}
EXPORT cudnnStatus_t cudnnSetConvolutionGroupCount(void* d, int g) { if (g < 1) return 3; ((struct cdesc*)d)->groups = g; return 0; }
EXPORT cudnnStatus_t cudnnSetConvolutionMathType(void* d, int m) { if (m < 0 || m > 3) return 3; ((struct cdesc*)d)->math = m; return 0; }
EXPORT cudnnStatus_t cudnnDestroyConvolutionDescriptor(void* d) { free(d); return 0; }

/* Shapes must agree as cuDNN requires: y = conv(x, w) with the descriptor's geometry. */
static int check(struct tdesc* x, struct fdesc* w, struct cdesc* c, struct tdesc* y)
{
    if (!x->set || !w->set || !c->set || !y->set) return 3;
    if (x->c != w->c * c->groups || w->k % c->groups || y->c != w->k || y->n != x->n) return 3;
    int ho = (x->h + 2 * c->ph - c->dh * (w->h - 1) - 1) / c->sh + 1, wo = (x->w + 2 * c->pw - c->dw * (w->w - 1) - 1) / c->sw + 1;
    return ho == y->h && wo == y->w ? 0 : 3;
}

static cudnnStatus_t algos(int requested, int* got, struct perf* p, int st)
{
    if (st) return st;
    if (requested < 1) return 3;
    memset(p, 0, sizeof *p);
    p[0].algo = 1; p[0].status = 0; p[0].memory = 4096;
    if (requested > 1) { memset(p + 1, 0, sizeof *p); p[1].algo = 7; p[1].status = 9; }
    *got = requested > 1 ? 2 : 1;
    return 0;
}
EXPORT cudnnStatus_t cudnnGetConvolutionForwardAlgorithm_v7(void* h, void* x, void* w, void* c, void* y, int r, int* got, struct perf* p)
{ (void)h; return algos(r, got, p, check(x, w, c, y)); }
EXPORT cudnnStatus_t cudnnGetConvolutionBackwardDataAlgorithm_v7(void* h, void* w, void* dy, void* c, void* dx, int r, int* got, struct perf* p)
{ (void)h; return algos(r, got, p, check(dx, w, c, dy)); }
EXPORT cudnnStatus_t cudnnGetConvolutionBackwardFilterAlgorithm_v7(void* h, void* x, void* dy, void* c, void* dw, int r, int* got, struct perf* p)
{ (void)h; return algos(r, got, p, check(x, dw, c, dy)); }
EXPORT cudnnStatus_t cudnnGetConvolutionForwardWorkspaceSize(void* h, void* x, void* w, void* c, void* y, int algo, size_t* s)
{ (void)h; if (algo != 1) return 9; *s = 4096; return check(x, w, c, y); }
EXPORT cudnnStatus_t cudnnGetConvolutionBackwardDataWorkspaceSize(void* h, void* w, void* dy, void* c, void* dx, int algo, size_t* s)
{ (void)h; if (algo != 1) return 9; *s = 4096; return check(dx, w, c, dy); }
EXPORT cudnnStatus_t cudnnGetConvolutionBackwardFilterWorkspaceSize(void* h, void* x, void* dy, void* c, void* dw, int algo, size_t* s)
{ (void)h; if (algo != 1) return 9; *s = 4096; return check(x, dw, c, dy); }

/* pass 0: y = α·conv(x, w) + β·y; 1: x = α·convᵀ(y, w) + β·x; 2: w = α·Σ y ⊗ x + β·w. */
static cudnnStatus_t conv(int pass, const float* alpha, struct tdesc* xd, float* x, struct fdesc* wd, float* w, struct cdesc* c,
    int algo, void* ws, size_t wsBytes, const float* beta, struct tdesc* yd, float* y)
{
    int st = check(xd, wd, c, yd);
    if (st) return st;
    if (algo != 1 || (wsBytes < 4096) || ws == NULL) return 3;
    calls_conv++;
    last_math = c->math;
    int G = c->groups, cg = xd->c / G, og = wd->k / G;
    long long nx = (long long)xd->n * xd->c * xd->h * xd->w, nw = (long long)wd->k * wd->c * wd->h * wd->w, ny = (long long)yd->n * yd->c * yd->h * yd->w;
    long long nout = pass == 0 ? ny : pass == 1 ? nx : nw;
    float* out = pass == 0 ? y : pass == 1 ? x : w;
    double* acc = calloc((size_t)nout, sizeof(double));
    for (int n = 0; n < xd->n; n++)
        for (int o = 0; o < wd->k; o++)
            for (int oh = 0; oh < yd->h; oh++)
                for (int ow = 0; ow < yd->w; ow++)
                {
                    int g = o / og;
                    long long yi = (((long long)n * yd->c + o) * yd->h + oh) * yd->w + ow;
                    for (int ci = 0; ci < cg; ci++)
                        for (int i = 0; i < wd->h; i++)
                            for (int j = 0; j < wd->w; j++)
                            {
                                int ih = oh * c->sh - c->ph + i * c->dh, iw = ow * c->sw - c->pw + j * c->dw;
                                if (ih < 0 || ih >= xd->h || iw < 0 || iw >= xd->w) continue;
                                long long xi = (((long long)n * xd->c + g * cg + ci) * xd->h + ih) * xd->w + iw;
                                long long wi = (((long long)o * wd->c + ci) * wd->h + i) * wd->w + j;
                                if (pass == 0) acc[yi] += (double)x[xi] * w[wi];
                                else if (pass == 1) acc[xi] += (double)y[yi] * w[wi];
                                else acc[wi] += (double)y[yi] * x[xi];
                            }
                }
    for (long long k = 0; k < nout; k++) out[k] = (float)(*alpha * acc[k] + (*beta == 0.0f ? 0.0 : *beta * (double)out[k]));
    free(acc);
    return 0;
}
EXPORT cudnnStatus_t cudnnConvolutionForward(void* h, const float* a, void* xd, float* x, void* wd, float* w, void* c, int algo,
    void* ws, size_t wsb, const float* b, void* yd, float* y)
{ if (h != &dnn_token) return 3; return conv(0, a, xd, x, wd, w, c, algo, ws, wsb, b, yd, y); }
EXPORT cudnnStatus_t cudnnConvolutionBackwardData(void* h, const float* a, void* wd, float* w, void* dyd, float* dy, void* c, int algo,
    void* ws, size_t wsb, const float* b, void* dxd, float* dx)
{ if (h != &dnn_token) return 3; return conv(1, a, dxd, dx, wd, w, c, algo, ws, wsb, b, dyd, dy); }
EXPORT cudnnStatus_t cudnnConvolutionBackwardFilter(void* h, const float* a, void* xd, float* x, void* dyd, float* dy, void* c, int algo,
    void* ws, size_t wsb, const float* b, void* dwd, float* dw)
{ if (h != &dnn_token) return 3; return conv(2, a, xd, x, dwd, dw, c, algo, ws, wsb, b, dyd, dy); }
