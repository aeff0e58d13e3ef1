// Elementwise kernels: fill, strided copy, unary forward/backward, broadcasting binary (no __restrict__: in-place ops
// alias their output with an input). Op codes follow the C# enums
// UnaryOp and BinaryOp (a test checks every define against them); formulas mirror src/Engine/Tensors/Cpu/UnaryKernels.cs.
#define U_IDENTITY 0
#define U_NEG 1
#define U_ABS 2
#define U_SQUARE 3
#define U_SQRT 4
#define U_EXP 5
#define U_LOG 6
#define U_RECIPROCAL 7
#define U_RELU 8
#define U_LEAKYRELU 9
#define U_GELU 10
#define U_SILU 11
#define U_SIGMOID 12
#define U_TANH 13
#define U_ADDSCALAR 14
#define U_MULSCALAR 15
#define U_POWSCALAR 16
#define U_RSUBSCALAR 17
#define U_CHARBONNIER 18
#define U_CLAMPMIN 19
#define U_CLAMPMAX 20
#define U_SOFTPLUS 21

#define B_ADD 0
#define B_SUB 1
#define B_MUL 2
#define B_DIV 3
#define B_MAX 4
#define B_MIN 5

#define GELU_K 0.7978845608028654f
#define GELU_C 0.044715f

__device__ __forceinline__ float hx_unary_op(int op, float x, float a)
{
    switch (op)
    {
    case U_IDENTITY: return x;
    case U_NEG: return -x;
    case U_ABS: return fabsf(x);
    case U_SQUARE: return x * x;
    case U_SQRT: return sqrtf(x);
    case U_EXP: return expf(x);
    case U_LOG: return logf(x);
    case U_RECIPROCAL: return 1.0f / x;
    case U_RELU: return x > 0.0f ? x : 0.0f;
    case U_LEAKYRELU: return x > 0.0f ? x : a * x;
    case U_GELU: return x * hx_sigmoid(2.0f * GELU_K * (x + GELU_C * x * x * x));
    case U_SILU: return x * hx_sigmoid(x);
    case U_SIGMOID: return hx_sigmoid(x);
    case U_TANH: return tanhf(x);
    case U_ADDSCALAR: return x + a;
    case U_MULSCALAR: return x * a;
    case U_POWSCALAR: return a == 2.0f ? x * x : a == 1.0f ? x : a == 0.5f ? sqrtf(x) : powf(x, a);
    case U_RSUBSCALAR: return a - x;
    case U_CHARBONNIER: return sqrtf(x * x + a);
    case U_CLAMPMIN: return x > a ? x : a;
    case U_CLAMPMAX: return x < a ? x : a;
    case U_SOFTPLUS: return fmaxf(x, 0.0f) + logf(1.0f + expf(-fabsf(x)));
    }
    return __int_as_float(0x7fc00000);
}

// dL/dx from x, y = f(x) and dL/dy.
__device__ __forceinline__ float hx_unary_grad_op(int op, float x, float y, float g, float a)
{
    switch (op)
    {
    case U_NEG: return -g;
    case U_ABS: return x > 0.0f ? g : x < 0.0f ? -g : 0.0f;
    case U_SQUARE: return 2.0f * x * g;
    case U_SQRT: return 0.5f * g / y;
    case U_EXP: return g * y;
    case U_LOG: return g / x;
    case U_RECIPROCAL: return -g * y * y;
    case U_RELU: return x > 0.0f ? g : 0.0f;
    case U_LEAKYRELU: return x > 0.0f ? g : a * g;
    case U_GELU:
    {
        float s = hx_sigmoid(2.0f * GELU_K * (x + GELU_C * x * x * x));
        return g * (s + x * s * (1.0f - s) * 2.0f * GELU_K * (1.0f + 3.0f * GELU_C * x * x));
    }
    case U_SILU:
    {
        float s = hx_sigmoid(x);
        return g * s * (1.0f + x * (1.0f - s));
    }
    case U_SIGMOID: return g * y * (1.0f - y);
    case U_TANH: return g * (1.0f - y * y);
    case U_ADDSCALAR: return g;
    case U_MULSCALAR: return g * a;
    case U_POWSCALAR: return a == 2.0f ? 2.0f * x * g : a == 1.0f ? g : g * a * powf(x, a - 1.0f);
    case U_RSUBSCALAR: return -g;
    case U_CHARBONNIER: return g * x / y;
    case U_CLAMPMIN: return x > a ? g : 0.0f;
    case U_CLAMPMAX: return x < a ? g : 0.0f;
    case U_SOFTPLUS: return g * hx_sigmoid(x);
    }
    return __int_as_float(0x7fc00000);
}

__device__ __forceinline__ float hx_binary_op(int op, float a, float b)
{
    switch (op)
    {
    case B_ADD: return a + b;
    case B_SUB: return a - b;
    case B_MUL: return a * b;
    case B_DIV: return a / b;
    case B_MAX: return hx_max(a, b);
    case B_MIN: return hx_min(a, b);
    }
    return __int_as_float(0x7fc00000);
}

extern "C" __global__ void hx_fill_strided(HxLayout L, float* y, float v)
{
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < L.n; i += blockDim.x * gridDim.x)
    {
        int a, b, c;
        hx_offsets(L, i, a, b, c);
        y[a] = v;
    }
}

// y[L.s1] = x[L.s0] (s0 may hold zeros: broadcast).
extern "C" __global__ void hx_copy_strided(HxLayout L, const float* x, float* y)
{
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < L.n; i += blockDim.x * gridDim.x)
    {
        int a, b, c;
        hx_offsets(L, i, a, b, c);
        y[b] = x[a];
    }
}

extern "C" __global__ void hx_unary(int op, float alpha, int n, const float* x, float* y)
{
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x)
        y[i] = hx_unary_op(op, x[i], alpha);
}

extern "C" __global__ void hx_unary_grad(int op, float alpha, int n, const float* x, const float* y,
    const float* dy, float* dx)
{
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x)
        dx[i] = hx_unary_grad_op(op, x[i], y[i], dy[i], alpha);
}

extern "C" __global__ void hx_binary(int op, HxLayout L, const float* a, const float* b, float* y)
{
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < L.n; i += blockDim.x * gridDim.x)
    {
        int oa, ob, oy;
        hx_offsets(L, i, oa, ob, oy);
        y[oy] = hx_binary_op(op, a[oa], b[ob]);
    }
}

// AdamW, one thread per element, in the order of the CPU's fused loop (src/Engine/Nn/Optim/AdamW.cs).
extern "C" __global__ void hx_adamw(int n, float decay, float b1, float b2, float omb1, float omb2, float stepSize, float invSqrtBc2,
    float eps, float* p, const float* g, float* m, float* v)
{
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x)
    {
        float gi = g[i];
        float pi = p[i] * decay;
        float mi = b1 * m[i] + omb1 * gi;
        float vi = b2 * v[i] + omb2 * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] = pi - stepSize * mi / (sqrtf(vi) * invSqrtBc2 + eps);
    }
}
