// Group norm and layer norm over channels, as in src/Engine/Tensors/Cpu/CpuBackend.Norm.cs: statistics in double
// (mean, then Σ(x−μ)²); backward dx = rstd·(g − mean(g) − x̂·mean(g·x̂)) with g = dy·γ, x̂ = (x−μ)·rstd;
// dγ = Σ dy·x̂, dβ = Σ dy, each channel summed by one block in a fixed order. x, y, dy, dx are contiguous [N, C, S];
// gamma and beta may be null.

// One block per segment (n, g): cg = C/G channels × S elements.
extern "C" __global__ void hx_group_norm(int N, int C, int S, int G, float eps, const float* __restrict__ x, const float* __restrict__ gamma,
    const float* __restrict__ beta, float* __restrict__ y, float* __restrict__ mean, float* __restrict__ rstd)
{
    __shared__ double red[HX_THREADS];
    int t = threadIdx.x, cg = C / G, len = cg * S;
    for (int seg = blockIdx.x; seg < N * G; seg += gridDim.x)
    {
        const float* xs = x + (long long)seg * len;
        float* ys = y + (long long)seg * len;
        double s = 0.0;
        for (int i = t; i < len; i += blockDim.x) s += xs[i];
        double mu = hx_block_sum(s, red) / len;
        double v = 0.0;
        for (int i = t; i < len; i += blockDim.x)
        {
            double d = xs[i] - mu;
            v += d * d;
        }
        double var = hx_block_sum(v, red) / len;
        float rs = (float)(1.0 / sqrt(var + (double)eps));
        if (t == 0)
        {
            mean[seg] = (float)mu;
            rstd[seg] = rs;
        }
        int g = seg % G;
        for (int i = t; i < len; i += blockDim.x)
        {
            int ch = g * cg + i / S;
            float a = rs * (gamma != nullptr ? gamma[ch] : 1.0f);
            float b = (beta != nullptr ? beta[ch] : 0.0f) - (float)mu * a;
            ys[i] = xs[i] * a + b;
        }
    }
}

extern "C" __global__ void hx_group_norm_grad(int N, int C, int S, int G, const float* __restrict__ x, const float* __restrict__ gamma,
    const float* __restrict__ mean, const float* __restrict__ rstd, const float* __restrict__ dy, float* __restrict__ dx)
{
    __shared__ double red[HX_THREADS];
    int t = threadIdx.x, cg = C / G, len = cg * S;
    for (int seg = blockIdx.x; seg < N * G; seg += gridDim.x)
    {
        int g = seg % G;
        double mu = mean[seg], rs = rstd[seg];
        const float* xs = x + (long long)seg * len;
        const float* gs = dy + (long long)seg * len;
        // Σ γ·dy and Σ γ·dy·x over the segment.
        double sg = 0.0, sgx = 0.0;
        for (int i = t; i < len; i += blockDim.x)
        {
            double gm = gamma != nullptr ? gamma[g * cg + i / S] : 1.0;
            double d = gs[i];
            sg += gm * d;
            sgx += gm * d * xs[i];
        }
        double sumG = hx_block_sum(sg, red);
        double sumGx = rs * (hx_block_sum(sgx, red) - mu * sumG); // Σ γ·dy·x̂
        double m1 = sumG / len, m2 = sumGx / len;
        float bx = (float)(-rs * rs * m2), cst = (float)(-rs * m1 + mu * rs * rs * m2);
        for (int i = t; i < len; i += blockDim.x)
        {
            int ch = g * cg + i / S;
            float a = (float)(rs * (gamma != nullptr ? gamma[ch] : 1.0f));
            dx[(long long)seg * len + i] = a * gs[i] + bx * xs[i] + cst;
        }
    }
}

// dγ[c] = Σ_{n,s} dy·(x − μ)·rstd, dβ[c] = Σ_{n,s} dy, one block per channel. G is the group count for group norm
// (statistic index n·G + c/(C/G)) or 0 for the channel norm (statistic index n·S + s).
extern "C" __global__ void hx_norm_param_grad(int N, int C, int S, int G, const float* __restrict__ x, const float* __restrict__ mean,
    const float* __restrict__ rstd, const float* __restrict__ dy, float* __restrict__ dgamma, float* __restrict__ dbeta)
{
    __shared__ double red[HX_THREADS];
    int t = threadIdx.x;
    for (int ch = blockIdx.x; ch < C; ch += gridDim.x)
    {
        double sg = 0.0, sb = 0.0;
        for (int i = t; i < N * S; i += blockDim.x)
        {
            int n = i / S, s = i % S;
            long long k = ((long long)n * C + ch) * S + s;
            int stat = G > 0 ? n * G + ch / (C / G) : n * S + s;
            double d = dy[k];
            sg += d * (x[k] - (double)mean[stat]) * rstd[stat];
            sb += d;
        }
        double tg = hx_block_sum(sg, red);
        double tb = hx_block_sum(sb, red);
        if (t == 0)
        {
            if (dgamma != nullptr) dgamma[ch] = (float)tg;
            if (dbeta != nullptr) dbeta[ch] = (float)tb;
        }
    }
}

// Layer norm over C at every (n, s): one thread per position, channels strided by S.
extern "C" __global__ void hx_channel_norm(int N, int C, int S, float eps, const float* __restrict__ x, const float* __restrict__ gamma,
    const float* __restrict__ beta, float* __restrict__ y, float* __restrict__ mean, float* __restrict__ rstd)
{
    for (int p = blockIdx.x * blockDim.x + threadIdx.x; p < N * S; p += blockDim.x * gridDim.x)
    {
        int n = p / S, s = p % S;
        long long base = (long long)n * C * S + s;
        double sum = 0.0;
        for (int c = 0; c < C; c++) sum += x[base + (long long)c * S];
        double mu = sum / C;
        double v = 0.0;
        for (int c = 0; c < C; c++)
        {
            double d = x[base + (long long)c * S] - mu;
            v += d * d;
        }
        float rs = (float)(1.0 / sqrt(v / C + (double)eps));
        mean[p] = (float)mu;
        rstd[p] = rs;
        for (int c = 0; c < C; c++)
        {
            long long k = base + (long long)c * S;
            float xh = (float)((x[k] - mu) * rs);
            y[k] = xh * (gamma != nullptr ? gamma[c] : 1.0f) + (beta != nullptr ? beta[c] : 0.0f);
        }
    }
}

extern "C" __global__ void hx_channel_norm_grad(int N, int C, int S, const float* __restrict__ x, const float* __restrict__ gamma,
    const float* __restrict__ mean, const float* __restrict__ rstd, const float* __restrict__ dy, float* __restrict__ dx)
{
    for (int p = blockIdx.x * blockDim.x + threadIdx.x; p < N * S; p += blockDim.x * gridDim.x)
    {
        int n = p / S, s = p % S;
        long long base = (long long)n * C * S + s;
        double mu = mean[p], rs = rstd[p];
        double sg = 0.0, sgx = 0.0;
        for (int c = 0; c < C; c++)
        {
            long long k = base + (long long)c * S;
            double g = (double)dy[k] * (gamma != nullptr ? gamma[c] : 1.0f);
            sg += g;
            sgx += g * (x[k] - mu) * rs;
        }
        double m1 = sg / C, m2 = sgx / C;
        for (int c = 0; c < C; c++)
        {
            long long k = base + (long long)c * S;
            double g = (double)dy[k] * (gamma != nullptr ? gamma[c] : 1.0f);
            dx[k] = (float)(rs * (g - m1 - (x[k] - mu) * rs * m2));
        }
    }
}
