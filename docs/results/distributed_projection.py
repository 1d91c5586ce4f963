"""docs/distributed.md's tables: the measured speeds (docs/results/distributed.jsonl, from
distributed.sh) and a projection to more ranks under a stated network model.

Usage: python3 docs/results/distributed_projection.py [docs/results/distributed.jsonl]
"""

from __future__ import annotations

import json
import math
import statistics
import sys
from collections import defaultdict

# Network model: 10 Gb/s links, 50 us per message step.
BANDWIDTH = 10e9 / 8  # bytes / s
LATENCY = 50e-6  # s
CG_PRODUCTS = 11  # trpo.cg_iterations = 10, plus the product that scales the step
LINE_SEARCH = 2  # candidates per iteration (typical; at most trpo.line_search_steps = 15)
INNER_STEPS = 1

CONFIGS = {
    # name: (tasks, parameters: 2x64 tanh with obs/act sizes)
    "nav2d-reference.toml": (20, (2 * 64 + 64) + (64 * 64 + 64) + (64 * 2 + 2) + 2),
    "cheetah-vel-reference.toml": (40, (17 * 64 + 64) + (64 * 64 + 64) + (64 * 6 + 6) + 6),
}


def exchanged_values(tasks: int, params: int) -> tuple[int, int]:
    """f64 values gathered per meta-iteration (all ranks' contributions), and collectives."""
    summaries = tasks * (params + 1 + INNER_STEPS + 2 + 8)
    products = CG_PRODUCTS * tasks * (params + 1)
    line_search = LINE_SEARCH * tasks * 2
    collectives = 1 + 2 * (1 + CG_PRODUCTS + LINE_SEARCH)  # stop flag; lengths + values each
    return summaries + products + line_search, collectives


def allgather_seconds(total_bytes: float, ranks: int, collectives: int) -> float:
    """Recursive doubling: log2(R) message steps per collective; every rank receives the
    others' share, (R-1)/R of the total."""
    steps = math.ceil(math.log2(ranks)) if ranks > 1 else 0
    return collectives * steps * LATENCY + (ranks - 1) / ranks * total_bytes / BANDWIDTH


def main() -> None:
    path = sys.argv[1] if len(sys.argv) > 1 else "docs/results/distributed.jsonl"
    rows = [json.loads(l) for l in open(path)]
    by = defaultdict(list)
    for r in rows:
        by[(r["config"], r["case"])].append(r)
    print("| config | case | s / iteration | sampling | CG | communication | rounds |")
    print("|---|---|---|---|---|---|---|")
    medians = {}
    for (config, case), rs in sorted(by.items()):
        med = lambda k: statistics.median(r[k] for r in rs)
        medians[(config, case)] = med("seconds_per_iteration")
        print(f"| {config} | {case} | {med('seconds_per_iteration'):.3f} | {med('seconds_sampling'):.3f} | "
              f"{med('seconds_cg'):.3f} | {med('seconds_communication'):.4f} | {len(rs)} |")
    print()
    for config in CONFIGS:
        plain = medians.get((config, "plain"))
        np1 = medians.get((config, "mpi-np1"))
        np2 = medians.get((config, "mpi-np2"))
        if plain and np1 and np2:
            print(f"{config}: mpirun -np 1 / plain = {np1 / plain:.3f}; "
                  f"2 ranks x 1 worker / 1 process x 2 workers = {np2 / plain:.3f}")
    print()
    print("Projection (one rank per core; per-task compute from the plain 2-worker run; "
          f"network {BANDWIDTH * 8 / 1e9:.0f} Gb/s, {LATENCY * 1e6:.0f} us per message step):")
    print()
    print("| config | tasks | MB gathered / iteration | ranks | compute s | communication s | s / iteration | speed-up vs 1 core |")
    print("|---|---|---|---|---|---|---|---|")
    for config, (tasks, params) in CONFIGS.items():
        plain = medians.get((config, "plain"))
        if plain is None:
            continue
        per_task = plain * 2 / tasks  # 2 workers share the tasks
        for scaled_tasks in (tasks, 128):
            values, collectives = exchanged_values(scaled_tasks, params)
            total = values * 8
            single = per_task * scaled_tasks
            for ranks in (1, 8, 32, 128):
                if ranks > scaled_tasks:
                    continue
                compute = math.ceil(scaled_tasks / ranks) * per_task
                comm = allgather_seconds(total, ranks, collectives)
                print(f"| {config} | {scaled_tasks} | {total / 1e6:.1f} | {ranks} | {compute:.3f} | {comm:.3f} | "
                      f"{compute + comm:.3f} | {single / (compute + comm):.1f} |")


if __name__ == "__main__":
    main()
