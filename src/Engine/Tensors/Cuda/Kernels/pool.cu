// Pooling, resizing and padding of planes (src/Engine/Tensors/Cpu/CpuBackend.Pool.cs): one thread per output
// element; gradients that scatter (max pool, resize, pad) add atomically into a zeroed dx.

struct HxPool
{
    int planes, H, W, Ho, Wo;
    int kh, kw, sh, sw, ph, pw;
};

extern "C" __global__ void hx_avg_pool(HxPool p, const float* __restrict__ x, float* __restrict__ y)
{
    float inv = 1.0f / (p.kh * p.kw); // count_include_pad: every window spans kh·kw cells
    int total = p.planes * p.Ho * p.Wo;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < total; i += blockDim.x * gridDim.x)
    {
        int ow = i % p.Wo, oh = (i / p.Wo) % p.Ho, pl = i / (p.Wo * p.Ho);
        int h0 = oh * p.sh - p.ph, h1 = min(h0 + p.kh, p.H), w0 = ow * p.sw - p.pw, w1 = min(w0 + p.kw, p.W);
        h0 = max(h0, 0); w0 = max(w0, 0);
        const float* xp = x + (long long)pl * p.H * p.W;
        float acc = 0.0f;
        for (int a = h0; a < h1; a++)
            for (int b = w0; b < w1; b++) acc += xp[a * p.W + b];
        y[i] = acc * inv;
    }
}

// Gather form: input cell (a, b) collects every window that covers it.
extern "C" __global__ void hx_avg_pool_grad(HxPool p, const float* __restrict__ dy, float* __restrict__ dx)
{
    float inv = 1.0f / (p.kh * p.kw);
    int total = p.planes * p.H * p.W;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < total; i += blockDim.x * gridDim.x)
    {
        int b = i % p.W, a = (i / p.W) % p.H, pl = i / (p.W * p.H);
        // windows oh with oh·sh − ph ≤ a < oh·sh − ph + kh
        int ohLo = a + p.ph - p.kh + 1, ohHi = a + p.ph;
        ohLo = ohLo <= 0 ? 0 : (ohLo + p.sh - 1) / p.sh;
        ohHi = ohHi < 0 ? -1 : min(ohHi / p.sh, p.Ho - 1);
        int owLo = b + p.pw - p.kw + 1, owHi = b + p.pw;
        owLo = owLo <= 0 ? 0 : (owLo + p.sw - 1) / p.sw;
        owHi = owHi < 0 ? -1 : min(owHi / p.sw, p.Wo - 1);
        const float* g = dy + (long long)pl * p.Ho * p.Wo;
        float acc = 0.0f;
        for (int oh = ohLo; oh <= ohHi; oh++)
            for (int ow = owLo; ow <= owHi; ow++) acc += g[oh * p.Wo + ow] * inv;
        dx[i] = acc;
    }
}

// The first maximum in row-major window order; NaN wins (PyTorch's rules). Returns the plane index, or −1.
__device__ __forceinline__ int hx_max_arg(const HxPool& p, const float* xp, int oh, int ow, float& m)
{
    int h0 = oh * p.sh - p.ph, h1 = min(h0 + p.kh, p.H), w0 = ow * p.sw - p.pw, w1 = min(w0 + p.kw, p.W);
    h0 = max(h0, 0); w0 = max(w0, 0);
    m = __int_as_float(0xff800000);
    int arg = -1;
    for (int a = h0; a < h1; a++)
        for (int b = w0; b < w1; b++)
        {
            float v = xp[a * p.W + b];
            if (v > m || (v != v && m == m) || arg < 0) { m = v; arg = a * p.W + b; }
        }
    return arg;
}

extern "C" __global__ void hx_max_pool(HxPool p, const float* __restrict__ x, float* __restrict__ y)
{
    int total = p.planes * p.Ho * p.Wo;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < total; i += blockDim.x * gridDim.x)
    {
        int ow = i % p.Wo, oh = (i / p.Wo) % p.Ho, pl = i / (p.Wo * p.Ho);
        float m;
        hx_max_arg(p, x + (long long)pl * p.H * p.W, oh, ow, m);
        y[i] = m;
    }
}

extern "C" __global__ void hx_max_pool_grad(HxPool p, const float* __restrict__ x, const float* __restrict__ dy, float* __restrict__ dx)
{
    int total = p.planes * p.Ho * p.Wo;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < total; i += blockDim.x * gridDim.x)
    {
        int ow = i % p.Wo, oh = (i / p.Wo) % p.Ho, pl = i / (p.Wo * p.Ho);
        float m;
        int arg = hx_max_arg(p, x + (long long)pl * p.H * p.W, oh, ow, m);
        if (arg >= 0) atomicAdd(dx + (long long)pl * p.H * p.W + arg, dy[i]);
    }
}

// One axis of a resize, as the CPU's ResizeTaps (PyTorch's area_pixel_compute_source_index).
__device__ __forceinline__ void hx_resize_tap(int inSize, int outSize, int d, int nearest, int alignCorners, int& i0, int& i1, float& l1)
{
    if (nearest)
    {
        float sc = (float)inSize / outSize;
        i0 = i1 = min((int)floorf(d * sc), inSize - 1);
        l1 = 0.0f;
        return;
    }
    float src;
    if (alignCorners) src = outSize > 1 ? d * (float)(inSize - 1) / (outSize - 1) : 0.0f;
    else src = fmaxf(0.0f, (d + 0.5f) * ((float)inSize / outSize) - 0.5f);
    int lo = min((int)src, inSize - 1);
    i0 = lo;
    i1 = lo < inSize - 1 ? lo + 1 : lo;
    l1 = src - lo;
}

// Both axes of one output position: rows r0, r1 with weights a, b; columns c0, c1 with weights p, q.
struct HxResizeTaps { int r0, r1, c0, c1; float a, b, p, q; };

__device__ __forceinline__ HxResizeTaps hx_resize_taps(int H, int W, int Ho, int Wo, int oh, int ow, int nearest, int alignCorners)
{
    HxResizeTaps t;
    hx_resize_tap(H, Ho, oh, nearest, alignCorners, t.r0, t.r1, t.b);
    hx_resize_tap(W, Wo, ow, nearest, alignCorners, t.c0, t.c1, t.q);
    t.a = 1.0f - t.b;
    t.p = 1.0f - t.q;
    return t;
}

extern "C" __global__ void hx_resize(int planes, int H, int W, int Ho, int Wo, int nearest, int alignCorners,
    const float* __restrict__ x, float* __restrict__ y)
{
    int total = planes * Ho * Wo;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < total; i += blockDim.x * gridDim.x)
    {
        int ow = i % Wo, oh = (i / Wo) % Ho, pl = i / (Wo * Ho);
        HxResizeTaps t = hx_resize_taps(H, W, Ho, Wo, oh, ow, nearest, alignCorners);
        const float* xp = x + (long long)pl * H * W;
        y[i] = t.a * (t.p * xp[t.r0 * W + t.c0] + t.q * xp[t.r0 * W + t.c1]) + t.b * (t.p * xp[t.r1 * W + t.c0] + t.q * xp[t.r1 * W + t.c1]);
    }
}

extern "C" __global__ void hx_resize_grad(int planes, int H, int W, int Ho, int Wo, int nearest, int alignCorners,
    const float* __restrict__ dy, float* __restrict__ dx)
{
    int total = planes * Ho * Wo;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < total; i += blockDim.x * gridDim.x)
    {
        int ow = i % Wo, oh = (i / Wo) % Ho, pl = i / (Wo * Ho);
        HxResizeTaps t = hx_resize_taps(H, W, Ho, Wo, oh, ow, nearest, alignCorners);
        float g = dy[i];
        float* xp = dx + (long long)pl * H * W;
        atomicAdd(xp + t.r0 * W + t.c0, t.a * t.p * g);
        atomicAdd(xp + t.r0 * W + t.c1, t.a * t.q * g);
        atomicAdd(xp + t.r1 * W + t.c0, t.b * t.p * g);
        atomicAdd(xp + t.r1 * W + t.c1, t.b * t.q * g);
    }
}

// Source index of padded position i in [−pre, n + post): mode 0 zeros (−1), 1 replicate, 2 reflect.
__device__ __forceinline__ int hx_pad_source(int i, int n, int mode)
{
    if (i >= 0 && i < n) return i;
    if (mode == 0) return -1;
    if (mode == 1) return i < 0 ? 0 : n - 1;
    return i < 0 ? -i : 2 * (n - 1) - i;
}

extern "C" __global__ void hx_pad(int planes, int H, int W, int Ho, int Wo, int top, int left, int mode,
    const float* __restrict__ x, float* __restrict__ y)
{
    int total = planes * Ho * Wo;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < total; i += blockDim.x * gridDim.x)
    {
        int ow = i % Wo, oh = (i / Wo) % Ho, pl = i / (Wo * Ho);
        int si = hx_pad_source(oh - top, H, mode), sj = hx_pad_source(ow - left, W, mode);
        y[i] = si >= 0 && sj >= 0 ? x[(long long)pl * H * W + si * W + sj] : 0.0f;
    }
}

extern "C" __global__ void hx_pad_grad(int planes, int H, int W, int Ho, int Wo, int top, int left, int mode,
    const float* __restrict__ dy, float* __restrict__ dx)
{
    int total = planes * Ho * Wo;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < total; i += blockDim.x * gridDim.x)
    {
        int ow = i % Wo, oh = (i / Wo) % Ho, pl = i / (Wo * Ho);
        int si = hx_pad_source(oh - top, H, mode), sj = hx_pad_source(ow - left, W, mode);
        if (si >= 0 && sj >= 0) atomicAdd(dx + (long long)pl * H * W + si * W + sj, dy[i]);
    }
}
