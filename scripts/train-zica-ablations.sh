#!/usr/bin/env bash
# Trains the ZiCA integration ablations of issue 15 (hdr-v-diff Table 3: concatenation, plain cross-attention, ZiCA)
# one after another with one shorter, equal budget, each over the shipped frozen TCAM and HDR-LDM, into
# training/zica-ablation-CONFIG/ (validation.csv: hdr-v-diff against tcam and classical; zica-ema-stepN.safetensors
# for `hdrofx eval --hdr-v-diff --zica-weights`).
#   scripts/train-zica-ablations.sh [STEPS] [DIFFUSION_STEPS]   (default 1500 and 1; HDROFX=path/to/hdrofx.dll to run a copied build)
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${1:-1500}
ddim=${2:-1}
run() { if [ -n "${HDROFX:-}" ]; then dotnet "$HDROFX" "$@"; else scripts/hdrofx "$@"; fi; }
for config in compact compact-crossattn compact-concat; do
  out=training/zica-ablation-$config
  mkdir -p "$out"
  resume=(); [ -d "$out/checkpoint" ] && resume=(--resume)
  run train --stage zica --config "$config" --steps "$steps" --diffusion-steps "$ddim" --output "$out" --validate-minutes 100000 "${resume[@]}" >> "$out/train.log" 2>&1
done
