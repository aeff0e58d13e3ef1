#!/usr/bin/env python3
"""Copies a stage-2 HDR-LDM export into the bundle with a manifest (docs/models.md, HDR-LDM).
Usage: scripts/ship-ldm-weights.py [--sample-start T] [--ldm-args "ARGS"] EXPORT.safetensors RUN_DIR AE_RUN_DIR EVAL_TABLE.md [NOTE]
Writes bundle/Contents/Resources/models/hdr-ldm.safetensors and hdr-ldm.manifest.json: the file's metadata (config,
seed, step, wall time, machine, split), both stages' commands, the export's crop validation rows and the validation
clips' table written by `hdrofx eval --single-exposure --table`. With --sample-start T, the shipped file's metadata
gets "sample_start": T (the DDIM start timestep the table was measured with, `eval --ldm-start T`), which the engine
reads as HdrLdm.SampleStart. --ldm-args: the stage-2 command's other options (e.g. "--config masked-v ..."), recorded."""
import csv
import json
import os
import shutil
import sys

import safetensors_file

args = sys.argv[1:]
sample_start = None
ldm_args = ""
while args[:1] in (["--sample-start"], ["--ldm-args"]):
    if args[0] == "--sample-start":
        sample_start = int(args[1])
        assert 0 <= sample_start < 1000, f"--sample-start {sample_start} must be 0 to 999"
    else:
        ldm_args = " " + args[1]
    args = args[2:]
src, run, ae_run, table = args[0:4]
note = args[4] if len(args) > 4 else None
header, data = safetensors_file.read(src)
meta = header["__metadata__"]
size = os.path.getsize(src)
assert size <= 16 * 1024 * 1024, f"{src} is {size} bytes, over 16 MB"
step = meta["step"]
crops = [r for r in csv.DictReader(open(os.path.join(run, "validation.csv"))) if r["step"] == step]
assert crops, f"no crop validation rows for step {step} in {run}"
ae_rows = list(csv.DictReader(open(os.path.join(ae_run, "validation.csv"))))
ae_last = [r for r in ae_rows if r["step"] == ae_rows[-1]["step"]]
lines = [l for l in open(table) if l.startswith("|")]
head = [c.strip() for c in lines[0].strip().strip("|").split("|")]
clips = [dict(zip(head, (c.strip() for c in l.strip().strip("|").split("|")))) for l in lines[2:]]
footer = [l.strip() for l in open(table) if l.startswith("`")]
dst = "bundle/Contents/Resources/models"
os.makedirs(dst, exist_ok=True)
if sample_start is None:
    shutil.copyfile(src, os.path.join(dst, "hdr-ldm.safetensors"))
else:
    meta["sample_start"] = str(sample_start)
    safetensors_file.write(os.path.join(dst, "hdr-ldm.safetensors"), header, data)
    size = os.path.getsize(os.path.join(dst, "hdr-ldm.safetensors"))
manifest = {
    "model": "hdr-ldm",
    "file": "hdr-ldm.safetensors",
    "dtype": "F16",
    "bytes": size,
    "weights": meta.get("weights"),
    "config": meta.get("config"),
    "config_fields": meta.get("config_fields"),
    "seed": int(meta["seed"]),
    "steps": int(step),
    "sample_start": sample_start if sample_start is not None else 999,
    "train_wall_s": int(meta["train_wall_s"]),
    "machine": meta["machine"],
    "cpu": safetensors_file.cpu_model(),
    "split": meta["split"],
    "commands": [  # docs/models.md, HDR-LDM, Training; --steps is the schedule, "steps" above the exported step
        f"hdrofx train --stage ae --data clips --steps {ae_rows[-1]['step']} --crop 128 --batch 4 --output {ae_run}",
        f"hdrofx train --stage ldm --data clips --steps {step} --crop 128 --batch 8 --output {run} --autoencoder {ae_run}/ae-ema.safetensors" + ldm_args,
    ],
    "autoencoder_validation": {"step": ae_rows[-1]["step"], "crops": ae_last},
    "validation_crops": crops,
    "validation_clips": {"rows": clips, "footer": footer},
}
if note:
    manifest["note"] = note
with open(os.path.join(dst, "hdr-ldm.manifest.json"), "w") as f:
    json.dump(manifest, f, indent=2, ensure_ascii=False)
    f.write("\n")
print(json.dumps(manifest["validation_clips"], indent=1)[:600])
