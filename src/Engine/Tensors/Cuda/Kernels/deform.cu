// Modulated deformable convolution, DCNv2 (Zhu et al. 2019, Eq. 3): y(p) = Σ_k w_k·x(p + p_k + Δp_k)·Δm_k, as
// src/Engine/Tensors/Cpu/CpuBackend.DeformConv.cs: a deformable im2col per image, then cuBLAS; backward dcol = Wᵀ·dy and
// the adjoint of the sampling. Offsets: channel g·2K + 2k is Δy and g·2K + 2k + 1 is Δx of kernel point k in
// deformable group g; mask channel g·K + k. x [C, H, W], offsets [2GK, Pix], mask [GK, Pix] of one image.

struct HxDeform
{
    int C, H, W, Kh, Kw, Ho, Wo, G;
    int sh, sw, ph, pw, dh, dw;
};

// The sample point of (group, kernel point k, pixel p); false when it lies outside (−1, H) × (−1, W).
__device__ __forceinline__ bool hx_deform_point(const HxDeform& g, const float* off, int grp, int k, int p, float& hs, float& ws)
{
    int K = g.Kh * g.Kw, pix = g.Ho * g.Wo;
    int i = k / g.Kw, j = k % g.Kw, oh = p / g.Wo, ow = p % g.Wo;
    const float* o = off + (long long)(grp * 2 * K + 2 * k) * pix;
    hs = oh * g.sh - g.ph + i * g.dh + o[p];
    ws = ow * g.sw - g.pw + j * g.dw + o[pix + p];
    return hs > -1.0f && hs < g.H && ws > -1.0f && ws < g.W;
}

// The bilinear taps of a sample point inside a plane: validity (0/1) of each corner, the corner indices (clamped to
// the plane where invalid), and the fractions.
struct HxCorners { float v00, v01, v10, v11; int i00, i01, i10, i11; float lh, lw; };

__device__ __forceinline__ HxCorners hx_corners(const HxDeform& g, float hs, float ws)
{
    HxCorners c;
    int h0 = (int)floorf(hs), w0 = (int)floorf(ws);
    c.lh = hs - h0; c.lw = ws - w0;
    bool vh0 = h0 >= 0, vh1 = h0 + 1 < g.H, vw0 = w0 >= 0, vw1 = w0 + 1 < g.W;
    int ch0 = vh0 ? h0 : 0, ch1 = vh1 ? h0 + 1 : 0, cw0 = vw0 ? w0 : 0, cw1 = vw1 ? w0 + 1 : 0;
    c.v00 = vh0 && vw0 ? 1.0f : 0.0f; c.v01 = vh0 && vw1 ? 1.0f : 0.0f; c.v10 = vh1 && vw0 ? 1.0f : 0.0f; c.v11 = vh1 && vw1 ? 1.0f : 0.0f;
    c.i00 = ch0 * g.W + cw0; c.i01 = ch0 * g.W + cw1; c.i10 = ch1 * g.W + cw0; c.i11 = ch1 * g.W + cw1;
    return c;
}

// col[(c·K + k), p] = m·bilinear(x_c, sample point).
extern "C" __global__ void hx_deform_im2col(HxDeform g, const float* __restrict__ x, const float* __restrict__ off,
    const float* __restrict__ msk, float* __restrict__ col)
{
    int K = g.Kh * g.Kw, pix = g.Ho * g.Wo, cg = g.C / g.G, plane = g.H * g.W;
    int total = g.C * K * pix;
    for (int idx = blockIdx.x * blockDim.x + threadIdx.x; idx < total; idx += blockDim.x * gridDim.x)
    {
        int p = idx % pix, k = (idx / pix) % K, c = idx / (pix * K), grp = c / cg;
        float hs, ws;
        if (!hx_deform_point(g, off, grp, k, p, hs, ws)) { col[idx] = 0.0f; continue; }
        float m = msk[(long long)(grp * K + k) * pix + p];
        HxCorners q = hx_corners(g, hs, ws);
        const float* xc = x + (long long)c * plane;
        col[idx] = m * (q.v00 * (1 - q.lh) * (1 - q.lw) * xc[q.i00] + q.v01 * (1 - q.lh) * q.lw * xc[q.i01]
                      + q.v10 * q.lh * (1 - q.lw) * xc[q.i10] + q.v11 * q.lh * q.lw * xc[q.i11]);
    }
}

// dx of one image from dcol: each column entry scatters to its four taps (atomically; dx zeroed before).
extern "C" __global__ void hx_deform_col2im_input(HxDeform g, const float* __restrict__ dcol, const float* __restrict__ off,
    const float* __restrict__ msk, float* __restrict__ dx)
{
    int K = g.Kh * g.Kw, pix = g.Ho * g.Wo, cg = g.C / g.G, plane = g.H * g.W;
    int total = g.C * K * pix;
    for (int idx = blockIdx.x * blockDim.x + threadIdx.x; idx < total; idx += blockDim.x * gridDim.x)
    {
        int p = idx % pix, k = (idx / pix) % K, c = idx / (pix * K), grp = c / cg;
        float hs, ws;
        if (!hx_deform_point(g, off, grp, k, p, hs, ws)) continue;
        float gm = dcol[idx] * msk[(long long)(grp * K + k) * pix + p];
        HxCorners q = hx_corners(g, hs, ws);
        float* dc = dx + (long long)c * plane;
        if (q.v00 != 0.0f) atomicAdd(dc + q.i00, gm * (1 - q.lh) * (1 - q.lw));
        if (q.v01 != 0.0f) atomicAdd(dc + q.i01, gm * (1 - q.lh) * q.lw);
        if (q.v10 != 0.0f) atomicAdd(dc + q.i10, gm * q.lh * (1 - q.lw));
        if (q.v11 != 0.0f) atomicAdd(dc + q.i11, gm * q.lh * q.lw);
    }
}

// Δp and Δm of one image: one thread per (group, kernel point, pixel), summing over the group's channels.
extern "C" __global__ void hx_deform_col2im_coord(HxDeform g, const float* __restrict__ dcol, const float* __restrict__ x,
    const float* __restrict__ off, const float* __restrict__ msk, float* __restrict__ doff, float* __restrict__ dmsk)
{
    int K = g.Kh * g.Kw, pix = g.Ho * g.Wo, cg = g.C / g.G, plane = g.H * g.W;
    int total = g.G * K * pix;
    for (int idx = blockIdx.x * blockDim.x + threadIdx.x; idx < total; idx += blockDim.x * gridDim.x)
    {
        int p = idx % pix, k = (idx / pix) % K, grp = idx / (pix * K);
        long long oy = (long long)(grp * 2 * K + 2 * k) * pix + p, mi = (long long)(grp * K + k) * pix + p;
        float hs, ws;
        float am = 0.0f, ay = 0.0f, ax = 0.0f;
        if (hx_deform_point(g, off, grp, k, p, hs, ws))
        {
            float m = msk[mi];
            HxCorners q = hx_corners(g, hs, ws);
            float lh = q.lh, lw = q.lw;
            for (int c = grp * cg; c < (grp + 1) * cg; c++)
            {
                float gc = dcol[((long long)c * K + k) * pix + p];
                const float* xc = x + (long long)c * plane;
                float x00 = q.v00 * xc[q.i00], x01 = q.v01 * xc[q.i01], x10 = q.v10 * xc[q.i10], x11 = q.v11 * xc[q.i11];
                am += gc * ((1 - lh) * ((1 - lw) * x00 + lw * x01) + lh * ((1 - lw) * x10 + lw * x11));
                float gm = gc * m;
                ay += gm * ((1 - lw) * (x10 - x00) + lw * (x11 - x01));
                ax += gm * ((1 - lh) * (x01 - x00) + lh * (x11 - x10));
            }
        }
        if (dmsk != nullptr) dmsk[mi] = am;
        if (doff != nullptr)
        {
            doff[oy] = ay;
            doff[oy + pix] = ax;
        }
    }
}
