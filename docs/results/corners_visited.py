#!/usr/bin/env python3
"""Which of nav2d-corners' four goal corners a policy reaches before adaptation.

Reads `metarl rollout --steps 0` recordings (format metarl-rollout, version 2) and, for each
recording, counts the pre-adaptation episodes whose point comes within RADIUS of each corner
(+-2, +-2). The pre-adaptation policy does not see the task (nav2d-corners observes only the
position), so its episodes sample the exploration the inner step has to learn from: a corner no
episode reaches gives the inner step no reward signal toward it (ProMP, Rothfuss et al. 2019,
Sec. 7.2 and Fig. 6).

Usage: python3 docs/results/corners_visited.py [--radius R] RECORDING.json...
Prints one markdown table row per recording.
"""
import argparse
import json
import math

CORNERS = [(2.0, 2.0), (-2.0, 2.0), (-2.0, -2.0), (2.0, -2.0)]


def closest_approach(episode, corner):
    return min(math.dist(frame["position"], corner) for frame in episode["frames"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--radius", type=float, default=0.5, help="distance that counts as a visit")
    parser.add_argument("recordings", nargs="+")
    args = parser.parse_args()
    print(f"| recording | iteration | episodes | corners visited (within {args.radius}) | "
          "episodes per corner (2,2) (-2,2) (-2,-2) (2,-2) | mean final distance to origin |")
    print("|---|---|---|---|---|---|")
    for path in args.recordings:
        recording = json.load(open(path))
        if recording.get("format") != "metarl-rollout" or recording.get("version") != 2:
            raise SystemExit(f"{path}: not a metarl rollout recording of version 2")
        pre = next(s for s in recording["sets"] if s["steps"] == 0)
        episodes = pre["episodes"]
        per_corner = [sum(closest_approach(e, c) <= args.radius for e in episodes) for c in CORNERS]
        visited = sum(n > 0 for n in per_corner)
        final = sum(math.hypot(*e["frames"][-1]["position"]) for e in episodes) / len(episodes)
        print(f"| {path} | {recording['checkpoint_iteration']} | {len(episodes)} | {visited} of 4 | "
              f"{' / '.join(map(str, per_corner))} | {final:.2f} |")


if __name__ == "__main__":
    main()
