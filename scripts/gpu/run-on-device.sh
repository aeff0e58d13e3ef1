#!/usr/bin/env bash
# What the lent GPU machine runs, in one device call (docs/gpu.md):
#   device run, carry ["artifacts/aot"]:  bash scripts/gpu/run-on-device.sh
# artifacts/aot/hdrofx comes from scripts/publish-aot.sh on the development machine (that machine has no .NET SDK).
# Writes $OUT/gpu-report.md (hdrofx gpu-check), $OUT/gpu-check.log (its progress, kept if it crashes),
# $OUT/torch-reference.md (cuBLAS through PyTorch) and $OUT/nvidia-smi.txt.
set -uo pipefail
cd "$(dirname "$0")/../.."
out="${OUT:-artifacts/gpu}"
mkdir -p "$out"
bin=artifacts/aot/hdrofx
if [[ ! -x "$bin" ]]; then
    echo "run-on-device: $bin is missing; run scripts/publish-aot.sh here and carry artifacts/aot" >&2
    exit 2
fi
nvidia-smi > "$out/nvidia-smi.txt" 2>&1 || echo "nvidia-smi failed" >> "$out/nvidia-smi.txt"
# The binary is built on Debian 12 and needs glibc 2.34 or later.
{ ldd --version 2>&1 | head -1; uname -a; } >> "$out/nvidia-smi.txt"
export HDROFX_KERNEL_CACHE="${TMPDIR:-/tmp}/hdrofx-kernels"
# The log (one line per parity case and benchmark) survives a crash of the binary, unlike the report.
"$bin" gpu-check --output "$out/gpu-report.md" 2>&1 | tee "$out/gpu-check.log"
code=${PIPESTATUS[0]}
python3 scripts/gpu/torch_reference.py > "$out/torch-reference.md" 2>&1 || true
echo "gpu-check exit code $code; reports in $out" >&2
exit $code
