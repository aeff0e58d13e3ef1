// Local cost volume (FlowNet's correlation with 1×1 patches, src/Engine/Tensors/Cpu/CpuBackend.Correlation.cs):
// y[n, k, i, j] = (1/C)·Σ_c f1[n, c, i, j]·f2[n, c, i + dy, j + dx] for the D = (2R + 1)² displacements k, zero where
// the displaced position leaves f2. Gradients are gathers (one thread per f1/f2 element), so they are deterministic.

extern "C" __global__ void hx_correlation(int N, int C, int H, int W, int R, const float* __restrict__ f1, const float* __restrict__ f2,
    float* __restrict__ y)
{
    int d = 2 * R + 1, plane = H * W;
    int total = N * d * d * plane;
    float inv = 1.0f / C;
    for (int idx = blockIdx.x * blockDim.x + threadIdx.x; idx < total; idx += blockDim.x * gridDim.x)
    {
        int j = idx % W, i = (idx / W) % H, k = (idx / plane) % (d * d), n = idx / (plane * d * d);
        int dy = k / d - R, dx = k % d - R;
        int i2 = i + dy, j2 = j + dx;
        float acc = 0.0f;
        if (i2 >= 0 && i2 < H && j2 >= 0 && j2 < W)
            for (int c = 0; c < C; c++)
            {
                long long b = ((long long)n * C + c) * plane;
                acc += f1[b + i * W + j] * f2[b + i2 * W + j2];
            }
        y[idx] = acc * inv;
    }
}

// df1[n, c, i, j] = (1/C)·Σ_k g[n, k, i, j]·f2[n, c, i + dy, j + dx]; df2[n, c, p, q] = (1/C)·Σ_k g[n, k, p − dy, q − dx]·f1[n, c, p − dy, q − dx].
extern "C" __global__ void hx_correlation_grad(int N, int C, int H, int W, int R, const float* __restrict__ f1, const float* __restrict__ f2,
    const float* __restrict__ g, float* __restrict__ df1, float* __restrict__ df2)
{
    int d = 2 * R + 1, plane = H * W;
    int total = N * C * plane;
    float inv = 1.0f / C;
    for (int idx = blockIdx.x * blockDim.x + threadIdx.x; idx < total; idx += blockDim.x * gridDim.x)
    {
        int j = idx % W, i = (idx / W) % H, n = idx / (plane * C);
        long long b = idx - (long long)(i * W + j);
        const float* gn = g + (long long)n * d * d * plane;
        float a1 = 0.0f, a2 = 0.0f;
        for (int k = 0; k < d * d; k++)
        {
            int dy = k / d - R, dx = k % d - R;
            int i2 = i + dy, j2 = j + dx;
            if (df1 != nullptr && i2 >= 0 && i2 < H && j2 >= 0 && j2 < W) a1 += gn[(long long)k * plane + i * W + j] * f2[b + i2 * W + j2] * inv;
            int i0 = i - dy, j0 = j - dx;
            if (df2 != nullptr && i0 >= 0 && i0 < H && j0 >= 0 && j0 < W) a2 += gn[(long long)k * plane + i0 * W + j0] * f1[b + i0 * W + j0] * inv;
        }
        if (df1 != nullptr) df1[idx] = a1;
        if (df2 != nullptr) df2[idx] = a2;
    }
}
