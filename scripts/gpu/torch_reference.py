#!/usr/bin/env python3
"""cuBLAS's own figures on this GPU, through PyTorch (which calls cuBLAS directly): the reference that
`hdrofx gpu-check`'s GEMM and bandwidth rows are compared with in docs/benchmarks.md. Prints a markdown table."""
import sys
import time

try:
    import torch
except ImportError:
    print("PyTorch is not installed here: no cuBLAS reference figures.")
    sys.exit(0)

if not torch.cuda.is_available():
    print("PyTorch sees no CUDA device: no cuBLAS reference figures.")
    sys.exit(0)


def best(fn, min_seconds=1.0):
    fn()
    torch.cuda.synchronize()
    t_end = time.perf_counter() + min_seconds
    times = []
    while len(times) < 3 or time.perf_counter() < t_end:
        t0 = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
    return min(times)


n = int(sys.argv[1]) if len(sys.argv) > 1 else 4096
dev = torch.device("cuda")
print(f"PyTorch {torch.__version__}, CUDA {torch.version.cuda}, cuBLAS via torch.matmul on {torch.cuda.get_device_name(0)}\n")
print("| benchmark | best | throughput |")
print("|---|---:|---:|")
a32 = torch.full((n, n), 0.5, device=dev)
b32 = torch.full((n, n), 0.25, device=dev)
for name, tf32, dtype in [("fp32", False, torch.float32), ("TF32", True, torch.float32), ("BF16 (bf16 tensors)", False, torch.bfloat16)]:
    torch.backends.cuda.matmul.allow_tf32 = tf32
    a, b = a32.to(dtype), b32.to(dtype)
    t = best(lambda: torch.matmul(a, b))
    print(f"| torch.matmul {n}³ {name} | {t * 1e3:.3f} ms | {2 * n ** 3 / t / 1e12:.1f} TFLOP/s |")
torch.backends.cuda.matmul.allow_tf32 = False
x = torch.ones(1 << 28, device=dev)
y = torch.empty_like(x)
t = best(lambda: y.copy_(x))
print(f"| copy 1 GiB | {t * 1e3:.3f} ms | {2 * x.numel() * 4 / t / 1e9:.0f} GB/s |")
t = best(lambda: torch.mul(x, 2.0, out=y))
print(f"| x·2, 1 GiB | {t * 1e3:.3f} ms | {2 * x.numel() * 4 / t / 1e9:.0f} GB/s |")
