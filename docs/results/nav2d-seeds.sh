#!/usr/bin/env bash
# The nav2d headline table over 3 training seeds: trains the default config (500 iterations,
# the shipped assets/configs/nav2d.toml) with seeds 1, 2 and 3, evaluates each best checkpoint
# with the paper's protocol (40 held-out tasks, 3 steps, the default evaluation seed) and writes
# nav2d-seeds.md: per seed the mean ± standard error over tasks, then the mean and the standard
# deviation across seeds.
#
#   docs/results/nav2d-seeds.sh [RUNS_DIR]     (default runs/nav2d-seeds; reuses finished runs)
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-runs/nav2d-seeds}
cargo build --release --locked
metarl=target/release/metarl
mkdir -p "$runs"
for seed in 1 2 3; do
  dir="$runs/seed-$seed"
  if [ ! -f "$dir/config.toml" ]; then
    "$metarl" train --seed "$seed" --run-dir "$dir"
  else
    "$metarl" train --resume "$dir"
  fi
  "$metarl" eval --run-dir "$dir" --tasks 40 --steps 3 --json > "$dir/eval.json"
done
python3 docs/results/seeds_table.py "$runs"/seed-{1,2,3}/eval.json > docs/results/nav2d-seeds.md
cat docs/results/nav2d-seeds.md
