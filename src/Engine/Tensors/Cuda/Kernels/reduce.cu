// Reductions: SumTo (broadcast adjoint) and softmax forward/backward. Sums accumulate in double, as the CPU backend's do.
// Every kernel here runs with blockDim.x == HX_THREADS (a power of two) and reduces through shared memory.

// x reduced to y: kept dims (y's shape, x's strides) and reduced dims (x's shape where y has 1, x's strides).
struct HxReduce
{
    int nk;
    int kshape[HX_MAX_RANK];
    int kstride[HX_MAX_RANK];
    int nr;
    int rshape[HX_MAX_RANK];
    int rstride[HX_MAX_RANK];
    int outputs;
    int inner;
    int xo;
};

__device__ __forceinline__ int hx_kept_offset(const HxReduce& R, int o)
{
    int off = R.xo;
    for (int d = R.nk - 1; d >= 0; d--)
    {
        off += (o % R.kshape[d]) * R.kstride[d];
        o /= R.kshape[d];
    }
    return off;
}

__device__ __forceinline__ int hx_reduced_offset(const HxReduce& R, int r)
{
    int off = 0;
    for (int d = R.nr - 1; d >= 0; d--)
    {
        off += (r % R.rshape[d]) * R.rstride[d];
        r /= R.rshape[d];
    }
    return off;
}

// One block per output element: for long reductions (bias gradients, global sums).
extern "C" __global__ void hx_sum_to_blocks(HxReduce R, const float* __restrict__ x, float* __restrict__ y)
{
    __shared__ double part[HX_THREADS];
    for (int o = blockIdx.x; o < R.outputs; o += gridDim.x)
    {
        int base = hx_kept_offset(R, o);
        double s = 0.0;
        for (int r = threadIdx.x; r < R.inner; r += blockDim.x) s += x[base + hx_reduced_offset(R, r)];
        part[threadIdx.x] = s;
        __syncthreads();
        for (int w = blockDim.x / 2; w > 0; w >>= 1)
        {
            if ((int)threadIdx.x < w) part[threadIdx.x] += part[threadIdx.x + w];
            __syncthreads();
        }
        if (threadIdx.x == 0) y[o] = (float)part[0];
        __syncthreads();
    }
}

// One thread per output element: for short reductions over many outputs.
extern "C" __global__ void hx_sum_to_threads(HxReduce R, const float* __restrict__ x, float* __restrict__ y)
{
    for (int o = blockIdx.x * blockDim.x + threadIdx.x; o < R.outputs; o += blockDim.x * gridDim.x)
    {
        int base = hx_kept_offset(R, o);
        double s = 0.0;
        for (int r = 0; r < R.inner; r++) s += x[base + hx_reduced_offset(R, r)];
        y[o] = (float)s;
    }
}

// Rows of length d with stride inner: row r = (o, j) starts at o·d·inner + j. One block per row.
extern "C" __global__ void hx_softmax(int rows, int d, int inner, const float* __restrict__ x, float* __restrict__ y)
{
    __shared__ float mx[HX_THREADS];
    __shared__ double sm[HX_THREADS];
    int t = threadIdx.x;
    for (int r = blockIdx.x; r < rows; r += gridDim.x)
    {
        int base = (r / inner) * d * inner + (r % inner);
        float m = __int_as_float(0xff800000);
        for (int k = t; k < d; k += blockDim.x) m = hx_max(m, x[base + k * inner]);
        mx[t] = m;
        __syncthreads();
        for (int w = blockDim.x / 2; w > 0; w >>= 1)
        {
            if (t < w) mx[t] = hx_max(mx[t], mx[t + w]);
            __syncthreads();
        }
        m = mx[0];
        double s = 0.0;
        for (int k = t; k < d; k += blockDim.x)
        {
            float e = expf(x[base + k * inner] - m);
            y[base + k * inner] = e;
            s += e;
        }
        sm[t] = s;
        __syncthreads();
        for (int w = blockDim.x / 2; w > 0; w >>= 1)
        {
            if (t < w) sm[t] += sm[t + w];
            __syncthreads();
        }
        float inv = (float)(1.0 / sm[0]);
        for (int k = t; k < d; k += blockDim.x) y[base + k * inner] *= inv;
        __syncthreads();
    }
}

// dx = y ⊙ (dy − Σ dy·y) along each row.
extern "C" __global__ void hx_softmax_grad(int rows, int d, int inner, const float* __restrict__ y, const float* __restrict__ dy,
    float* __restrict__ dx)
{
    __shared__ double sm[HX_THREADS];
    int t = threadIdx.x;
    for (int r = blockIdx.x; r < rows; r += gridDim.x)
    {
        int base = (r / inner) * d * inner + (r % inner);
        double s = 0.0;
        for (int k = t; k < d; k += blockDim.x) s += (double)dy[base + k * inner] * y[base + k * inner];
        sm[t] = s;
        __syncthreads();
        for (int w = blockDim.x / 2; w > 0; w >>= 1)
        {
            if (t < w) sm[t] += sm[t + w];
            __syncthreads();
        }
        float dot = (float)sm[0];
        for (int k = t; k < d; k += blockDim.x) dx[base + k * inner] = y[base + k * inner] * (dy[base + k * inner] - dot);
        __syncthreads();
    }
}
