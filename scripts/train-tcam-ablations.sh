#!/usr/bin/env bash
# Trains the TCAM ablations of issue 13 (docs/results.md) one after another with one shorter, equal budget, the full
# model included, each into training/ablation-CONFIG/ (validation.csv holds its PSNR-μ and flicker against classical).
#   scripts/train-tcam-ablations.sh [STEPS]      (default 600; HDROFX=path/to/hdrofx.dll to run a copied build)
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${1:-600}
run() { if [ -n "${HDROFX:-}" ]; then dotnet "$HDROFX" "$@"; else scripts/hdrofx "$@"; fi; }
for config in compact compact-noattn compact-nodcn compact-nomatch compact-noflow; do
  out=training/ablation-$config
  mkdir -p "$out"
  resume=(); [ -d "$out/checkpoint" ] && resume=(--resume)
  run train --stage tcam --config "$config" --steps "$steps" --output "$out" --validate-minutes 100000 "${resume[@]}" >> "$out/train.log" 2>&1
done
