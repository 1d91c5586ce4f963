#!/usr/bin/env bash
# Before/after figures of the forward-mode (R-operator) curvature products, alternating two
# binaries on the same machine: `bench speed` on nav2d-reference.toml with the TRPO metric on
# 10 % and on all states (the exact metric), and the seed-1 default nav2d run at 60 iterations
# evaluated with the paper protocol (40 tasks, 3 steps), with its peak RSS.
#
#   docs/results/forward-mode.sh BEFORE_BIN AFTER_BIN [ROUNDS]
# e.g. BEFORE_BIN built from commit 44c3530, AFTER_BIN = target/release/metarl.
set -euo pipefail
cd "$(dirname "$0")/../.."
before=$1 after=$2 rounds=${3:-2}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ref=assets/configs/nav2d-reference.toml
sed 's/^curvature_subsample = .*/curvature_subsample = 1.0/' "$ref" > "$tmp/ref-all.toml"
for round in $(seq "$rounds"); do
  for config in "$ref" "$tmp/ref-all.toml"; do
    for bin in "$before" "$after"; do
      echo "$bin $(basename "$config") round $round: $("$bin" bench speed --config "$config" --iterations 5 --json)"
    done
  done
done
for bin in "$before" "$after"; do
  run="$tmp/run-$(basename "$bin")"
  /usr/bin/time -f "peak RSS %M KiB" "$bin" train --seed 1 --iterations 60 --run-dir "$run" > /dev/null
  echo "$bin eval: $("$bin" eval --run-dir "$run" --tasks 40 --steps 3 --json)"
done
