#!/usr/bin/env python3
"""Mean over training seeds of the `bench adapt` tables in DIR/seed-*/adapt.csv (each seed
evaluated on the same held-out tasks), printed as a markdown table with the MAML paper's numbers.
Usage: python3 docs/results/learners_table.py [DIR]   (default DIR: docs/results/learners-nav2d,
40 held-out tasks; docs/results/learners-nav2d/heldout-400 has 400 other tasks)"""
import csv
import glob
import statistics
import sys

DIR = sys.argv[1] if len(sys.argv) > 1 else "docs/results/learners-nav2d"

PAPER = {"maml": [-40.41, -11.68, -3.33, -3.23], "pretrained": [-40.81, -19.73, -11.72, -8.47],
         "random": [-82.66, -57.96, -53.84, -46.81], "oracle": [-2.29]}
ORDER = ["maml", "promp", "emaml", "metasgd", "reptile", "pretrained", "random", "oracle"]

means = {}  # method -> step -> [seed means]
for path in sorted(glob.glob(f"{DIR}/seed-*/adapt.csv")):
    for row in csv.DictReader(open(path)):
        means.setdefault(row["method"], {}).setdefault(int(row["step"]), []).append(float(row["mean"]))

print("| method | seeds | 0 steps | 1 step | 2 steps | 3 steps |")
print("|---|---|---|---|---|---|")
for m in ORDER:
    if m not in means:
        continue
    steps = means[m]
    n = len(steps[0])
    cells = []
    for s in range(4):
        v = steps.get(s, [])
        if m == "oracle" and s > 0:
            cells.append("")
        elif len(v) > 1:
            cells.append(f"{statistics.mean(v):.2f} ± {statistics.stdev(v):.2f}")
        elif v:
            cells.append(f"{v[0]:.2f}")
        else:
            cells.append("")
    print(f"| {m} | {n} | " + " | ".join(cells) + " |")
for m, v in PAPER.items():
    cells = [f"{x:.2f}" for x in v] + [""] * (4 - len(v))
    print(f"| {m} (paper) | | " + " | ".join(cells) + " |")
