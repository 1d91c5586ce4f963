#!/usr/bin/env python3
"""Which of nav2d-corners' four goal corners a policy explores before adaptation.

Reads `metarl rollout --steps 0` recordings (format metarl-rollout, version 2) and, for each
recording, counts per corner (+-2, +-2) the pre-adaptation episodes that
- enter the corner's rewarded region (its closed quadrant outside the L1 ball of radius 0.5 about
  the start: where the task of that corner pays the progress reward), and
- come within RADIUS of the corner itself.
The pre-adaptation policy does not see the task (nav2d-corners observes only the position), so its
episodes are the exploration the first inner step learns from: a corner whose region no episode
enters gives the inner step no reward signal toward it (ProMP, Rothfuss et al. 2019, Sec. 7.2).

Usage: python3 docs/results/corners_visited.py [--radius R] RECORDING.json...
Prints one markdown table row per recording.
"""
import argparse
import json
import math

CORNERS = [(2.0, 2.0), (-2.0, 2.0), (-2.0, -2.0), (2.0, -2.0)]
SPARSE_RADIUS = 0.5


def rewarded(position, corner):
    x, y = position
    return x * corner[0] >= 0 and y * corner[1] >= 0 and abs(x) + abs(y) >= SPARSE_RADIUS


def enters_region(episode, corner):
    return any(rewarded(frame["position"], corner) for frame in episode["frames"][1:])


def closest_approach(episode, corner):
    return min(math.dist(frame["position"], corner) for frame in episode["frames"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--radius", type=float, default=0.5, help="distance that counts as a visit")
    parser.add_argument("recordings", nargs="+")
    args = parser.parse_args()
    print(f"| recording | iteration | episodes | corners whose region is entered | episodes entering "
          f"each region (2,2) (-2,2) (-2,-2) (2,-2) | corners reached (within {args.radius}) | "
          "mean closest approach to the nearest corner |")
    print("|---|---|---|---|---|---|---|")
    for path in args.recordings:
        recording = json.load(open(path))
        if recording.get("format") != "metarl-rollout" or recording.get("version") != 2:
            raise SystemExit(f"{path}: not a metarl rollout recording of version 2")
        pre = next(s for s in recording["sets"] if s["steps"] == 0)
        episodes = pre["episodes"]
        regions = [sum(enters_region(e, c) for e in episodes) for c in CORNERS]
        reached = sum(any(closest_approach(e, c) <= args.radius for e in episodes) for c in CORNERS)
        closest = sum(min(closest_approach(e, c) for c in CORNERS) for e in episodes) / len(episodes)
        print(f"| {path} | {recording['checkpoint_iteration']} | {len(episodes)} | "
              f"{sum(n > 0 for n in regions)} of 4 | {' / '.join(map(str, regions))} | "
              f"{reached} of 4 | {closest:.2f} |")


if __name__ == "__main__":
    main()
