// A CPU stand-in for the parts of CUDA C the HdrOfx kernels use, so tests can compile src/Engine/Tensors/Cuda/Kernels
// with g++ and run them: every block of a launch runs on one OS thread, its threads as cooperative fibers that switch
// at __syncthreads(). Enough for correctness (layouts, indexing, reductions), not for speed or for races.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <cstdio>

struct dim3 { unsigned x = 1, y = 1, z = 1; };
extern dim3 threadIdx, blockIdx, blockDim, gridDim;
void emu_syncthreads();

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __restrict__ __restrict
#define __shared__ static
#define __syncthreads() emu_syncthreads()

inline float __int_as_float(int i) { float f; std::memcpy(&f, &i, 4); return f; }
inline float __int_as_float(unsigned i) { float f; std::memcpy(&f, &i, 4); return f; }
inline int __float_as_int(float f) { int i; std::memcpy(&i, &f, 4); return i; }
using std::isfinite;
inline float atomicAdd(float* a, float v) { float o = *a; *a = o + v; return o; }
inline float rsqrtf(float x) { return 1.0f / sqrtf(x); }
inline int min(int a, int b) { return a < b ? a : b; }
inline int max(int a, int b) { return a > b ? a : b; }
