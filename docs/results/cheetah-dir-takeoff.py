#!/usr/bin/env python3
"""When (and whether) cheetah-dir runs "take off": the first validated iteration at which the
validation return after one adaptation step is >= 0, i.e. the adapted policies run the commanded
way fast enough to beat the control cost. Before takeoff every learner sits near the return of a
policy that does not move (-15 .. -20 per 100 steps at sigma = 1).

    python3 docs/results/cheetah-dir-takeoff.py RUN_DIR [RUN_DIR ...]

Prints one Markdown row per run: takeoff iteration and env steps, the validation return after
1 step at iterations 49 / 99 / 149 / 199, the mean training gain (post - pre) over iterations
0-49, and the mean log-std at the last iteration.
"""
import json
import sys


def rows(run):
    with open(f"{run}/metrics.jsonl") as f:
        return [json.loads(line) for line in f]


def main(runs):
    print("| run | iterations | takeoff (val. 1 step >= 0) | env steps | val. 1 step @49 / 99 / 149 / 199 "
          "| gain, its 0-49 | log-std (last) |")
    print("|---|---|---|---|---|---|---|")
    for run in runs:
        metrics = rows(run)
        steps = 0
        takeoff = None
        val = {}
        for r in metrics:
            steps += r["env_steps"]
            v = r.get("validation")
            if v is None:
                continue
            val[r["iteration"]] = v["mean"][1]
            if takeoff is None and v["mean"][1] >= 0:
                takeoff = (r["iteration"], steps)
        early = [r["return_post"] - r["return_pre"] for r in metrics[:50]]
        gain = sum(early) / max(len(early), 1)
        at = " / ".join(f"{val[i]:.1f}" if i in val else "-" for i in (49, 99, 149, 199))
        t = f"{takeoff[0]}" if takeoff else "not by the last"
        s = f"{takeoff[1] / 1e6:.1f}M" if takeoff else "-"
        print(f"| {run.rstrip('/').split('/')[-1]} | {len(metrics)} | {t} | {s} | {at} | {gain:+.1f} "
              f"| {metrics[-1]['log_std_mean']:.2f} |")


if __name__ == "__main__":
    main(sys.argv[1:])
