// conv2d as im2col + cuBLAS GEMM (the implicit-GEMM fallback when cuDNN is absent), per image and group.
// Geometry of one group: C input channels of H×W, a Kh×Kw kernel, Ho×Wo outputs.
struct HxConv
{
    int C, H, W, Kh, Kw, Ho, Wo;
    int sh, sw, ph, pw, dh, dw;
};

// col[(c·Kh + i)·Kw + j, oh·Wo + ow] = x[c, oh·sh − ph + i·dh, ow·sw − pw + j·dw], 0 outside the image.
extern "C" __global__ void hx_im2col(HxConv g, const float* __restrict__ x, float* __restrict__ col)
{
    int pix = g.Ho * g.Wo;
    int total = g.C * g.Kh * g.Kw * pix;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < total; i += blockDim.x * gridDim.x)
    {
        int p = i % pix, k = i / pix;
        int j = k % g.Kw, ki = (k / g.Kw) % g.Kh, c = k / (g.Kw * g.Kh);
        int oh = p / g.Wo, ow = p % g.Wo;
        int ih = oh * g.sh - g.ph + ki * g.dh, iw = ow * g.sw - g.pw + j * g.dw;
        col[i] = (ih >= 0 && ih < g.H && iw >= 0 && iw < g.W) ? x[(c * g.H + ih) * g.W + iw] : 0.0f;
    }
}

// The adjoint of hx_im2col as a gather: every dx element sums the column entries that read it (no atomics, so the
// result does not depend on scheduling).
extern "C" __global__ void hx_col2im(HxConv g, const float* __restrict__ col, float* __restrict__ dx)
{
    int pix = g.Ho * g.Wo;
    int total = g.C * g.H * g.W;
    for (int idx = blockIdx.x * blockDim.x + threadIdx.x; idx < total; idx += blockDim.x * gridDim.x)
    {
        int iw = idx % g.W, ih = (idx / g.W) % g.H, c = idx / (g.W * g.H);
        float s = 0.0f;
        for (int ki = 0; ki < g.Kh; ki++)
        {
            int th = ih + g.ph - ki * g.dh;
            if (th < 0 || th % g.sh != 0) continue;
            int oh = th / g.sh;
            if (oh >= g.Ho) continue;
            for (int j = 0; j < g.Kw; j++)
            {
                int tw = iw + g.pw - j * g.dw;
                if (tw < 0 || tw % g.sw != 0) continue;
                int ow = tw / g.sw;
                if (ow >= g.Wo) continue;
                s += col[((c * g.Kh + ki) * g.Kw + j) * pix + oh * g.Wo + ow];
            }
        }
        dx[idx] = s;
    }
}

// y[n, c, p] += bias[c] over a contiguous [N, C, pix] tensor.
extern "C" __global__ void hx_add_channel_bias(int total, int channels, int pix, const float* __restrict__ bias, float* __restrict__ y)
{
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < total; i += blockDim.x * gridDim.x)
        y[i] += bias[(i / pix) % channels];
}
