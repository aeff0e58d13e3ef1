#!/usr/bin/env python3
"""Writes an SVG of a training run's loss curve (moving average over 50 steps) from its loss.csv.
Usage: scripts/plot-training-loss.py training/tcam/loss.csv docs/images/tcam-loss.svg"""
import csv
import sys

src, dst = sys.argv[1], sys.argv[2]
rows = list(csv.DictReader(open(src)))
steps = [int(r["step"]) for r in rows]
series = {k: [float(r[k]) for r in rows] for k in ("loss", "l1", "temporal")}
win = 50


def smooth(v):
    out, acc = [], 0.0
    for i, x in enumerate(v):
        acc += x
        if i >= win:
            acc -= v[i - win]
        out.append(acc / min(i + 1, win))
    return out


W, H, L, B = 720, 360, 60, 40
ymax = max(max(smooth(v)) for v in series.values()) * 1.1
xmax = max(steps)


def pt(s, y):
    return f"{L + (W - L - 10) * s / xmax:.1f},{H - B - (H - B - 10) * y / ymax:.1f}"


colors = {"loss": "#1f77b4", "l1": "#d62728", "temporal": "#2ca02c"}
parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
         f'<rect width="{W}" height="{H}" fill="white"/>',
         f'<line x1="{L}" y1="{H - B}" x2="{W - 10}" y2="{H - B}" stroke="black"/>',
         f'<line x1="{L}" y1="10" x2="{L}" y2="{H - B}" stroke="black"/>',
         f'<text x="{W / 2}" y="{H - 8}" text-anchor="middle">step (moving average over {win} steps)</text>',
         f'<text x="{L - 5}" y="{H - B}" text-anchor="end">0</text>',
         f'<text x="{L - 5}" y="18" text-anchor="end">{ymax:.3g}</text>',
         f'<text x="{W - 10}" y="{H - B + 14}" text-anchor="end">{xmax}</text>']
for i, (k, v) in enumerate(series.items()):
    sm = smooth(v)
    parts.append(f'<polyline fill="none" stroke="{colors[k]}" stroke-width="1.5" points="{" ".join(pt(s, y) for s, y in zip(steps, sm))}"/>')
    parts.append(f'<text x="{W - 120}" y="{24 + 16 * i}" fill="{colors[k]}">{k}</text>')
parts.append("</svg>")
open(dst, "w").write("\n".join(parts))
