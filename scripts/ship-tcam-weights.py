#!/usr/bin/env python3
"""Copies the EMA weights a TCAM validation pass exported into the bundle, with a manifest (docs/models.md §5).
Usage: scripts/ship-tcam-weights.py training/tcam STEP [NOTE]
Writes bundle/Contents/Resources/models/tcam.safetensors and tcam.manifest.json (config, split, seed, steps, wall
time, machine and that step's validation rows, from the file's metadata and validation.csv)."""
import csv
import json
import os
import shutil
import sys

import safetensors_file

run, step = sys.argv[1], sys.argv[2]
note = sys.argv[3] if len(sys.argv) > 3 else None
src = os.path.join(run, f"tcam-ema-step{step}.safetensors")
meta = safetensors_file.read(src)[0]["__metadata__"]
size = os.path.getsize(src)
assert size <= 16 * 1024 * 1024, f"{src} is {size} bytes, over 16 MB"
rows = [r for r in csv.DictReader(open(os.path.join(run, "validation.csv"))) if r["step"] == step]
assert rows, f"no validation rows for step {step}"
mean = lambda k: round(sum(float(r[k]) for r in rows) / len(rows), 3)
dst = "bundle/Contents/Resources/models"
os.makedirs(dst, exist_ok=True)
shutil.copyfile(src, os.path.join(dst, "tcam.safetensors"))
manifest = {
    "model": "tcam",
    "file": "tcam.safetensors",
    "dtype": "F16",
    "bytes": size,
    "weights": meta.get("weights"),
    "config": meta["config"],
    "config_fields": meta["config_fields"],
    "seed": int(meta["seed"]),
    "steps": int(meta["step"]),
    "train_wall_s": int(meta["train_wall_s"]),
    "machine": meta["machine"],
    "cpu": safetensors_file.cpu_model(),
    "split": meta["split"],
    "command": "hdrofx train --stage tcam --config compact --steps 8000 --output training/tcam",
    "validation": {
        "clips": rows,
        "mean_psnr_mu_tcam": mean("psnr_mu_tcam"),
        "mean_psnr_mu_classical": mean("psnr_mu_classical"),
    },
}
if note:
    manifest["note"] = note
with open(os.path.join(dst, "tcam.manifest.json"), "w") as f:
    json.dump(manifest, f, indent=2, ensure_ascii=False)
    f.write("\n")
print(json.dumps(manifest["validation"], indent=1)[:400])
