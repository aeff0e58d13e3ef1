#!/usr/bin/env python3
"""Copies a stage-4 ZiCA export into the bundle with a manifest (docs/models.md, ZiCA and `hdr-v-diff`).
Usage: scripts/ship-zica-weights.py [--prior-gain G] [--zica-args "ARGS"] EXPORT.safetensors RUN_DIR TUNING_TABLE.md VALIDATION_TABLE.md [NOTE]
Writes bundle/Contents/Resources/models/zica.safetensors and zica.manifest.json: the file's metadata (config, seed,
step, wall time, machine, split, the frozen files' hashes), the stage-4 command, the run's validation.csv rows of the
exported step, and the two tables written by `hdrofx eval --hdr-v-diff --table`: the tuning clips' (training
panoramas; where the prior gain was chosen) and the validation clips' (reported). With --prior-gain G the shipped
file's metadata gets "prior_gain": G, the gain of the prior's direct path (PriorSkip) the engine reads."""
import csv
import hashlib
import json
import os
import sys

import safetensors_file

args = sys.argv[1:]
gain = None
zica_args = ""
while args[:1] in (["--prior-gain"], ["--zica-args"]):
    if args[0] == "--prior-gain":
        gain = float(args[1])
        assert 0 <= gain <= 1, f"--prior-gain {gain} must be 0 to 1"
    else:
        zica_args = " " + args[1]
    args = args[2:]
src, run, tuning, validation = args[0:4]
note = args[4] if len(args) > 4 else None
header, data = safetensors_file.read(src)
meta = header["__metadata__"]
models = "bundle/Contents/Resources/models"
for key, name in (("tcam_sha256", "tcam.safetensors"), ("ldm_sha256", "hdr-ldm.safetensors")):
    with open(os.path.join(models, name), "rb") as f:
        assert hashlib.sha256(f.read()).hexdigest().upper() == meta[key].upper(), f"{name} in the bundle is not the file {src} was trained over"
if gain is not None:
    meta["prior_gain"] = repr(gain)
dst = os.path.join(models, "zica.safetensors")
safetensors_file.write(dst, header, data)
size = os.path.getsize(dst)
assert size <= 16 * 1024 * 1024, f"{dst} is {size} bytes, over 16 MB"
step = meta["step"]
rows = [r for r in csv.DictReader(open(os.path.join(run, "validation.csv"))) if r["step"] == step]


def table(path):
    """The markdown tables of an eval --hdr-v-diff table file (means per method, then per clip) and its footer."""
    tables, current = [], []
    for l in list(open(path)) + ["\n"]:
        if l.startswith("|"):
            current.append(l)
        elif current:
            head = [c.strip() for c in current[0].strip().strip("|").split("|")]
            tables.append([dict(zip(head, (c.strip() for c in r.strip().strip("|").split("|")))) for r in current[2:]])
            current = []
    footer = [l.strip() for l in open(path) if not l.startswith("|") and l.strip()]
    return {"rows": tables[0], "per_clip": tables[1] if len(tables) > 1 else [], "footer": footer}


manifest = {
    "model": "zica",
    "file": "zica.safetensors",
    "dtype": "F16",
    "bytes": size,
    "weights": meta.get("weights"),
    "config": meta.get("config"),
    "config_fields": meta.get("config_fields"),
    "seed": int(meta["seed"]),
    "steps": int(step),
    "diffusion_steps": int(meta.get("diffusion_steps", 10)),
    "prior_gain": float(meta.get("prior_gain", 0)),
    "train_wall_s": int(meta["train_wall_s"]),
    "machine": meta["machine"],
    "cpu": safetensors_file.cpu_model(),
    "split": meta["split"],
    "frozen": {"tcam_sha256": meta["tcam_sha256"], "ldm_sha256": meta["ldm_sha256"]},
    "command": f"hdrofx train --stage zica --output {run}" + zica_args,
    "training_validation_rows": rows,
    "tuning_clips": table(tuning),
    "validation_clips": table(validation),
}
if note:
    manifest["note"] = note
with open(os.path.join(models, "zica.manifest.json"), "w") as f:
    json.dump(manifest, f, indent=2, ensure_ascii=False)
    f.write("\n")
print(json.dumps(manifest["validation_clips"], indent=1, ensure_ascii=False)[:1500])
