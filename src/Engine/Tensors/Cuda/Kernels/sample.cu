// Bilinear sampling at per-pixel coordinates (grid_sample with a normalized grid [N, Ho, Wo, 2], or backward flow
// warping with a flow [N, 2, Ho, Wo]), as src/Engine/Tensors/Cpu/CpuBackend.Sample.cs. x, y contiguous NCHW; the
// coordinates may have any strides. One thread per output position; the input gradient adds atomically into a zeroed dx.

struct HxSample
{
    int N, C, H, W, Ho, Wo;
    int sn, sh, sw, sc, co;  // coordinate strides (batch, row, column, component) and offset
    int flow, alignCorners, border;
};

// Taps of one sample: top-left corner (x0, y0), fractions, and d(ix)/d(cx), d(iy)/d(cy).
__device__ __forceinline__ void hx_tap(const HxSample& g, const float* cd, int n, int oh, int ow,
    int& x0, int& y0, float& tx, float& ty, float& mx, float& my)
{
    int o = g.co + n * g.sn + oh * g.sh + ow * g.sw;
    float cx = cd[o], cy = cd[o + g.sc];
    float ix, iy;
    if (g.flow) { ix = ow + cx; iy = oh + cy; mx = 1.0f; my = 1.0f; }
    else if (g.alignCorners)
    {
        mx = (g.W - 1) * 0.5f; my = (g.H - 1) * 0.5f;
        ix = (cx + 1.0f) * mx; iy = (cy + 1.0f) * my;
    }
    else
    {
        mx = g.W * 0.5f; my = g.H * 0.5f;
        ix = ((cx + 1.0f) * g.W - 1.0f) * 0.5f; iy = ((cy + 1.0f) * g.H - 1.0f) * 0.5f;
    }
    if (g.border)
    {
        if (ix <= 0.0f) { ix = 0.0f; mx = 0.0f; } else if (ix >= g.W - 1) { ix = (float)(g.W - 1); mx = 0.0f; }
        if (iy <= 0.0f) { iy = 0.0f; my = 0.0f; } else if (iy >= g.H - 1) { iy = (float)(g.H - 1); my = 0.0f; }
    }
    if (!isfinite(ix) || !isfinite(iy)) { x0 = y0 = -1073741824; tx = ty = 0.0f; return; }
    float fx = floorf(ix), fy = floorf(iy);
    fx = fminf(fmaxf(fx, -2.0f), g.W + 1.0f);
    fy = fminf(fmaxf(fy, -2.0f), g.H + 1.0f);
    x0 = (int)fx; y0 = (int)fy;
    tx = ix - fx; ty = iy - fy;
    if (ix < -2.0f || ix > g.W + 1.0f) tx = 0.0f;
    if (iy < -2.0f || iy > g.H + 1.0f) ty = 0.0f;
}

__device__ __forceinline__ int hx_clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

// The four taps of one sample inside a plane: indices clamped into it, validity (0/1) and bilinear weights (0 when outside).
struct HxTaps
{
    int i00, i01, i10, i11;
    float m00, m01, m10, m11;
    float w00, w01, w10, w11;
    float tx, ty, mx, my;
};

__device__ __forceinline__ HxTaps hx_taps(const HxSample& g, const float* cd, int n, int oh, int ow)
{
    HxTaps t;
    int x0, y0;
    hx_tap(g, cd, n, oh, ow, x0, y0, t.tx, t.ty, t.mx, t.my);
    bool vx0 = x0 >= 0 && x0 < g.W, vx1 = x0 + 1 >= 0 && x0 + 1 < g.W, vy0 = y0 >= 0 && y0 < g.H, vy1 = y0 + 1 >= 0 && y0 + 1 < g.H;
    t.m00 = vy0 && vx0 ? 1.0f : 0.0f; t.m01 = vy0 && vx1 ? 1.0f : 0.0f;
    t.m10 = vy1 && vx0 ? 1.0f : 0.0f; t.m11 = vy1 && vx1 ? 1.0f : 0.0f;
    t.w00 = vy0 && vx0 ? (1 - t.ty) * (1 - t.tx) : 0.0f; t.w01 = vy0 && vx1 ? (1 - t.ty) * t.tx : 0.0f;
    t.w10 = vy1 && vx0 ? t.ty * (1 - t.tx) : 0.0f; t.w11 = vy1 && vx1 ? t.ty * t.tx : 0.0f;
    int cx0 = hx_clampi(x0, 0, g.W - 1), cx1 = hx_clampi(x0 + 1, 0, g.W - 1);
    int cy0 = hx_clampi(y0, 0, g.H - 1), cy1 = hx_clampi(y0 + 1, 0, g.H - 1);
    t.i00 = cy0 * g.W + cx0; t.i01 = cy0 * g.W + cx1; t.i10 = cy1 * g.W + cx0; t.i11 = cy1 * g.W + cx1;
    return t;
}

extern "C" __global__ void hx_sample(HxSample g, const float* __restrict__ x, const float* __restrict__ cd, float* __restrict__ y)
{
    int total = g.N * g.Ho * g.Wo, plane = g.H * g.W, oplane = g.Ho * g.Wo;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < total; i += blockDim.x * gridDim.x)
    {
        int ow = i % g.Wo, oh = (i / g.Wo) % g.Ho, n = i / (g.Wo * g.Ho);
        HxTaps t = hx_taps(g, cd, n, oh, ow);
        const float* xp = x + (long long)n * g.C * plane;
        float* yp = y + (long long)n * g.C * oplane + oh * g.Wo + ow;
        for (int c = 0; c < g.C; c++)
        {
            const float* xc = xp + (long long)c * plane;
            yp[(long long)c * oplane] = t.w00 * xc[t.i00] + t.w01 * xc[t.i01] + t.w10 * xc[t.i10] + t.w11 * xc[t.i11];
        }
    }
}

extern "C" __global__ void hx_sample_grad_input(HxSample g, const float* __restrict__ cd, const float* __restrict__ dy, float* __restrict__ dx)
{
    int total = g.N * g.Ho * g.Wo, plane = g.H * g.W, oplane = g.Ho * g.Wo;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < total; i += blockDim.x * gridDim.x)
    {
        int ow = i % g.Wo, oh = (i / g.Wo) % g.Ho, n = i / (g.Wo * g.Ho);
        HxTaps t = hx_taps(g, cd, n, oh, ow);
        if (t.m00 + t.m01 + t.m10 + t.m11 == 0.0f) continue; // every tap outside
        const float* gp = dy + (long long)n * g.C * oplane + oh * g.Wo + ow;
        for (int c = 0; c < g.C; c++)
        {
            float gv = gp[(long long)c * oplane];
            float* xc = dx + ((long long)n * g.C + c) * plane;
            atomicAdd(xc + t.i00, gv * t.w00);
            atomicAdd(xc + t.i01, gv * t.w01);
            atomicAdd(xc + t.i10, gv * t.w10);
            atomicAdd(xc + t.i11, gv * t.w11);
        }
    }
}

// dcd is contiguous with the coordinates' logical shape; gd gives its strides.
extern "C" __global__ void hx_sample_grad_coords(HxSample g, HxSample gd, const float* __restrict__ x, const float* __restrict__ cd,
    const float* __restrict__ dy, float* __restrict__ dcd)
{
    int total = g.N * g.Ho * g.Wo, plane = g.H * g.W, oplane = g.Ho * g.Wo;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < total; i += blockDim.x * gridDim.x)
    {
        int ow = i % g.Wo, oh = (i / g.Wo) % g.Ho, n = i / (g.Wo * g.Ho);
        HxTaps t = hx_taps(g, cd, n, oh, ow);
        const float* xp = x + (long long)n * g.C * plane;
        const float* gp = dy + (long long)n * g.C * oplane + oh * g.Wo + ow;
        double gx = 0.0, gy = 0.0;
        for (int c = 0; c < g.C; c++)
        {
            const float* xc = xp + (long long)c * plane;
            float v00 = t.m00 * xc[t.i00], v01 = t.m01 * xc[t.i01], v10 = t.m10 * xc[t.i10], v11 = t.m11 * xc[t.i11];
            float gv = gp[(long long)c * oplane];
            gx += gv * ((1 - t.ty) * (v01 - v00) + t.ty * (v11 - v10));
            gy += gv * ((1 - t.tx) * (v10 - v00) + t.tx * (v11 - v01));
        }
        int d = gd.co + n * gd.sn + oh * gd.sh + ow * gd.sw;
        dcd[d] = (float)(gx * t.mx);
        dcd[d + gd.sc] = (float)(gy * t.my);
    }
}
