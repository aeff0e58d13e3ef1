#!/usr/bin/env bash
# The speed targets of issues 11 and 13 in one run (docs/benchmarks.md): batch end to end against reconstruction only
# (workers niced and not), eval against reading, tcam at 1080p, and the tcam training pace. Run it on a machine with
# nothing else running; the CLI is copied out of the tree first so that a rebuild cannot change it mid-run.
# Usage: scripts/bench-issue-targets.sh OUTDIR
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:?usage: $0 OUTDIR}"
mkdir -p "$out"
dotnet build "$root/src/Cli" -c Release -nologo -v q >&2
bin="$(mktemp -d)"
trap 'rm -rf "$bin"' EXIT
cp -r "$root/src/Cli/bin/Release/net9.0/." "$bin/"
git -C "$root" rev-parse --short HEAD > "$out/head.txt"
run() { dotnet "$bin/hdrofx.dll" "$@"; }
run bench --only classical,batch --frames 30 --rounds 5 -o "$out/batch.md" > "$out/batch.log" 2>&1
HDROFX_BATCH_WORKER_NICE=0 run bench --only batch --frames 30 --rounds 3 -o "$out/batch-nonice.md" > "$out/batch-nonice.log" 2>&1
run bench --only eval --frames 10 --rounds 3 -o "$out/eval.md" > "$out/eval.log" 2>&1
run bench --only tcam --tcam-frames 10 -o "$out/tcam.md" > "$out/tcam.log" 2>&1
run train --stage tcam --max-minutes 3 --no-validation --output "$out/train-pace" > "$out/train.log" 2>&1
awk -F, 'END { printf "tcam training pace: %d steps in %.0f s, %.3f s a step\n", $1, $NF, $NF / $1 }' "$out/train-pace/loss.csv" | tee "$out/train-pace.txt"
