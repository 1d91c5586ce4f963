#!/usr/bin/env python3
"""When (and whether) cheetah-dir runs "take off": the first validated iteration at which the
validation return after one adaptation step is >= 0, i.e. the adapted policies run the commanded
way fast enough to beat the control cost. Before takeoff every learner sits near the return of a
policy that does not move (-15 .. -20 per 100 steps at sigma = 1).

    python3 docs/results/cheetah-dir-takeoff.py [--reach R] RUN_DIR [RUN_DIR ...]

Prints one Markdown row per run: takeoff iteration and env steps, the validation return after
1 step at iterations 49 / 99 / 149 / 199, the mean training gain (post - pre) over iterations
0-49, and the mean log-std at the last iteration. With --reach R, also the iteration and training
env steps at which the validation return after 1 step first reached R. Then a second table: the
training batches' adaptation gain (return_post - return_pre) averaged over each block of 20
iterations, the quantity whose growth is the takeoff.
"""
import json
import sys


def rows(run):
    with open(f"{run}/metrics.jsonl") as f:
        return [json.loads(line) for line in f]


def first_at_least(metrics, value):
    """(iteration, training env steps so far) of the first validation after 1 step >= value."""
    steps = 0
    for r in metrics:
        steps += r["env_steps"]
        v = r.get("validation")
        if v is not None and v["mean"][1] >= value:
            return r["iteration"], steps
    return None


def main(runs, reach):
    extra = f" | reached {reach:g} at (env steps)" if reach is not None else ""
    print("| run | iterations | takeoff (val. 1 step >= 0) | env steps | val. 1 step @49 / 99 / 149 / 199 "
          f"| gain, its 0-49 | log-std (last){extra} |")
    print("|---|---|---|---|---|---|---|" + ("---|" if reach is not None else ""))
    for run in runs:
        metrics = rows(run)
        takeoff = first_at_least(metrics, 0.0)
        val = {r["iteration"]: r["validation"]["mean"][1] for r in metrics if r.get("validation")}
        early = [r["return_post"] - r["return_pre"] for r in metrics[:50]]
        gain = sum(early) / max(len(early), 1)
        at = " / ".join(f"{val[i]:.1f}" if i in val else "-" for i in (49, 99, 149, 199))
        t = f"{takeoff[0]}" if takeoff else "not by the last"
        s = f"{takeoff[1] / 1e6:.1f}M" if takeoff else "-"
        cell = ""
        if reach is not None:
            hit = first_at_least(metrics, reach)
            cell = f" {hit[0]} ({hit[1] / 1e6:.1f}M) |" if hit else " not by the last |"
        print(f"| {run.rstrip('/').split('/')[-1]} | {len(metrics)} | {t} | {s} | {at} | {gain:+.1f} "
              f"| {metrics[-1]['log_std_mean']:.2f} |{cell}")


def gains(runs, block=20):
    print()
    print(f"| run | mean gain (post - pre) per {block}-iteration block, from iteration 0 |")
    print("|---|---|")
    for run in runs:
        g = [r["return_post"] - r["return_pre"] for r in rows(run)]
        means = [sum(g[i:i + block]) / block for i in range(0, len(g) - block + 1, block)]
        print(f"| {run.rstrip('/').split('/')[-1]} | " + ", ".join(f"{m:.1f}" for m in means) + " |")


if __name__ == "__main__":
    args = sys.argv[1:]
    reach = None
    if args[:1] == ["--reach"]:
        reach = float(args[1])
        args = args[2:]
    main(args, reach)
    gains(args)
