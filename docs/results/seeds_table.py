"""Markdown table of `metarl eval --json` outputs of runs that differ only in the training seed.

usage: python3 seeds_table.py SEED_1/eval.json SEED_2/eval.json ...
Each row: one seed's mean return ± standard error over the held-out tasks after 0..N steps; the
last rows: the mean over seeds and the sample standard deviation across seeds.
"""
import json
import statistics
import sys

reports = [json.load(open(path)) for path in sys.argv[1:]]
steps = reports[0]["steps"]
print(f"# {reports[0]['env']}: {len(reports)} training seeds\n")
print(f"`docs/results/nav2d-seeds.sh`: the default config (500 iterations), each run's best "
      f"checkpoint evaluated with `metarl eval --tasks {reports[0]['tasks']} --steps {steps[-1]}` "
      f"(the default evaluation seed: the same held-out tasks for every run).\n")
print("| training seed | " + " | ".join(f"{s} steps" for s in steps) + " |")
print("|---" * (len(steps) + 1) + "|")
for path, r in zip(sys.argv[1:], reports):
    seed = path.split("seed-")[-1].split("/")[0]
    cells = [f"{m:.2f} ± {e:.2f}" for m, e in zip(r["mean"], r["stderr"])]
    print(f"| {seed} | " + " | ".join(cells) + " |")
means = [statistics.mean(r["mean"][i] for r in reports) for i in range(len(steps))]
spreads = [statistics.stdev(r["mean"][i] for r in reports) if len(reports) > 1 else 0.0
           for i in range(len(steps))]
print("| mean over seeds | " + " | ".join(f"{m:.2f}" for m in means) + " |")
print("| std across seeds | " + " | ".join(f"{s:.2f}" for s in spreads) + " |")
