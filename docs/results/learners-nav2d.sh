#!/usr/bin/env bash
# Trains every learner on nav2d (the MAML paper's config, assets/configs/nav2d.toml) for the same
# budget, 200 meta-iterations, with training seeds 1, 2, 3, into runs/learners-nav2d/ALGO-sSEED.
# Usage: docs/results/learners-nav2d.sh [METARL_BIN] [ALGOS...]
set -euo pipefail
BIN=${1:-target/release/metarl}
shift || true
ALGOS=${*:-maml promp emaml reptile}
OUT=runs/learners-nav2d
mkdir -p "$OUT"
for seed in 1 2 3; do
  for algo in $ALGOS; do
    dir="$OUT/$algo-s$seed"
    if [ -f "$dir/checkpoints/latest.safetensors" ]; then
      "$BIN" train --resume "$dir" --iterations 200 || true
    else
      "$BIN" train --algo "$algo" --seed "$seed" --iterations 200 --run-dir "$dir"
    fi
  done
done
