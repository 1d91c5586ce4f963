#!/usr/bin/env bash
# Makes assets/screenshots/*.png with the viewer's screenshot mode from recordings of trained runs
# (one per task family). Run from the repository root after training the runs named below:
#   runs/learners-nav2d/maml-s1        docs/results/learners-nav2d.sh BIN "1" maml (500 iterations)
#   runs/corners-3step/promp           metarl train --config assets/configs/nav2d-corners-3step.toml \
#                                        --run-dir runs/corners-3step/promp (docs/results/corners.md)
#   runs/screenshots/cheetah-dir       metarl train --env cheetah-dir --iterations 20 \
#                                        --run-dir runs/screenshots/cheetah-dir
#   runs/hopper-params-maml            docs/results/envs.md (MAML, 100 iterations)
#   runs/adapt-walker-dir/runs/maml    docs/results/envs.md (bench adapt on walker-dir)
# Families without a run of their own are recorded with the policy of a run whose observation and
# action sizes they share (`metarl rollout --env`): nav2d-walls with nav2d's, hopper-vel with
# hopper-params', walker-params with walker-dir's, cheetah-vel and cheetah-params with cheetah-dir's.
set -euo pipefail
BIN=${BIN:-target/release/metarl} # built with `--features viewer`
out=assets/screenshots
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

shot() {
  local name=$1
  shift
  "$BIN" rollout "$@" --out "$tmp/$name.json"
  "$BIN" view --replay "$tmp/$name.json" --screenshot "$out/$name.png"
}

shot nav2d --run-dir runs/learners-nav2d/maml-s1
shot nav2d-walls --run-dir runs/learners-nav2d/maml-s1 --env nav2d-walls --task 0.05 0.4
shot nav2d-corners --run-dir runs/corners-3step/promp
shot cheetah-dir --run-dir runs/screenshots/cheetah-dir
shot cheetah-vel --run-dir runs/screenshots/cheetah-dir --env cheetah-vel
shot cheetah-params --run-dir runs/screenshots/cheetah-dir --env cheetah-params
shot hopper-params --run-dir runs/hopper-params-maml
shot hopper-vel --run-dir runs/hopper-params-maml --env hopper-vel
shot walker-dir --run-dir runs/adapt-walker-dir/runs/maml
shot walker-params --run-dir runs/adapt-walker-dir/runs/maml --env walker-params
