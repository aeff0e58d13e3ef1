// Shared by every HdrOfx kernel file. NVRTC compiles each file with this prepended (no #include: NVRTC has no file
// system here); the CPU emulator in tests/Engine.Tests compiles the same text with g++ after its own prelude.
#define HX_MAX_RANK 8
#define HX_THREADS 256

// Up to three operands walked over one coalesced shape (the C# side fills it from StridedLayout). Offsets and
// strides are in elements.
struct HxLayout
{
    int rank;
    int n;
    int shape[HX_MAX_RANK];
    int s0[HX_MAX_RANK];
    int s1[HX_MAX_RANK];
    int s2[HX_MAX_RANK];
    int o0, o1, o2;
};

__device__ __forceinline__ void hx_offsets(const HxLayout& L, int i, int& a, int& b, int& c)
{
    a = L.o0; b = L.o1; c = L.o2;
    for (int d = L.rank - 1; d >= 0; d--)
    {
        int sz = L.shape[d];
        int ix = i % sz;
        i /= sz;
        a += ix * L.s0[d];
        b += ix * L.s1[d];
        c += ix * L.s2[d];
    }
}

// float max/min with the CPU's (MathF.Max/Min, IEEE 754-2019) NaN rule: NaN in, NaN out.
__device__ __forceinline__ float hx_max(float a, float b) { return (a != a || b != b) ? a + b : fmaxf(a, b); }
__device__ __forceinline__ float hx_min(float a, float b) { return (a != a || b != b) ? a + b : fminf(a, b); }

__device__ __forceinline__ float hx_sigmoid(float x) { return 1.0f / (1.0f + expf(-fmaxf(x, -88.0f))); }

// Sum of v over the block, returned to every thread (blockDim.x == HX_THREADS; red has HX_THREADS entries).
__device__ __forceinline__ double hx_block_sum(double v, double* red)
{
    int t = threadIdx.x;
    red[t] = v;
    __syncthreads();
    for (int w = blockDim.x / 2; w > 0; w >>= 1)
    {
        if (t < w) red[t] += red[t + w];
        __syncthreads();
    }
    double r = red[0];
    __syncthreads();
    return r;
}
