#!/usr/bin/env bash
# The main job on its embedded default: fetch real HDR data, synthesize an alternating-exposure clip,
# reconstruct it, write EXR frames, a contact sheet and a metrics table under out/demo.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec ./scripts/hdrofx demo --output "${1:-out/demo}"
