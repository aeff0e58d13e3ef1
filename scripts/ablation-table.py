#!/usr/bin/env python3
"""Prints the TCAM ablation table (docs/results.md) from the runs of scripts/train-tcam-ablations.sh.
Usage: scripts/ablation-table.py [training]   (reads training/ablation-*/validation.csv, last validated step of each)"""
import csv, glob, os, sys

root = sys.argv[1] if len(sys.argv) > 1 else "training"
names = {"compact": "full model", "compact-noattn": "without spatial attention", "compact-nodcn": "without DCN",
         "compact-nomatch": "without patch matching", "compact-noflow": "without flow guidance"}
print("| variant (config) | steps | mean PSNR-μ | Δ classical | mean SSIM-μ | mean PU21 | flicker ×1e3 (tcam / classical, mean) |")
print("|---|---|---|---|---|---|---|")
for config, label in names.items():
    path = os.path.join(root, f"ablation-{config}", "validation.csv")
    if not os.path.exists(path):
        print(f"| {label} (`{config}`) | not trained | | | | | |")
        continue
    rows = list(csv.DictReader(open(path)))
    last = max(int(r["step"]) for r in rows)
    rows = [r for r in rows if int(r["step"]) == last]
    mean = lambda k: sum(float(r[k]) for r in rows) / len(rows)
    print(f"| {label} (`{config}`) | {last} | {mean('psnr_mu_tcam'):.3f} | {mean('psnr_mu_tcam') - mean('psnr_mu_classical'):+.3f} | "
          f"{mean('ssim_mu_tcam'):.5f} | {mean('pu21_tcam'):.3f} | {1e3 * mean('flicker_tcam'):.3f} / {1e3 * mean('flicker_classical'):.3f} |")
