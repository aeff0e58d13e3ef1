#!/usr/bin/env bash
# Copies a live training run's resumable state (checkpoint, logs) into a folder to commit: scripts/snapshot-training-run.sh training/tcam training/tcam-snapshot
# The checkpoint is read consistently (copied again if state.txt changed meanwhile); loss.csv is cut at its step.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$1; dst=$2
rm -rf $dst/checkpoint; mkdir -p $dst/checkpoint
for i in 1 2 3; do
  cp $src/checkpoint/state.txt "$dst/.state.before"
  cp $src/checkpoint/*.safetensors $dst/checkpoint/
  cp $src/checkpoint/state.txt $dst/checkpoint/
  cmp -s "$dst/.state.before" $dst/checkpoint/state.txt && break
  sleep 2
done
cp $src/loss.csv $src/validation.csv $src/train.log $src/validation-fp16-step*.csv $dst/
step=$(grep step= $dst/checkpoint/state.txt | cut -d= -f2)
python3 - "$dst/loss.csv" "$step" <<'PY'
import sys
p, step = sys.argv[1], int(sys.argv[2])
lines = open(p).read().splitlines()
keep = [lines[0]] + [l for l in lines[1:] if int(l.split(',')[0]) <= step]
open(p, 'w').write('\n'.join(keep) + '\n')
PY
rm -f "$dst/.state.before"
echo "snapshot at step $step"
