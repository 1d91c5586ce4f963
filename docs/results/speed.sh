#!/usr/bin/env bash
# The README's speed table: `metarl bench speed` (median of 10 meta-iterations, 2 workers) on the
# reference config with the TRPO metric on 10 % / 20 % / all states, and on the default config
# with 20 % / all states. Prints one markdown row per config.
#
#   docs/results/speed.sh [ITERATIONS]
set -euo pipefail
cd "$(dirname "$0")/../.."
iterations=${1:-10}
cargo build --release --locked
metarl=target/release/metarl
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ref=assets/configs/nav2d-reference.toml
def=assets/configs/nav2d.toml
sed 's/^curvature_subsample = .*/curvature_subsample = 0.2/' "$ref" > "$tmp/ref-20.toml"
sed 's/^curvature_subsample = .*/curvature_subsample = 1.0/' "$ref" > "$tmp/ref-all.toml"
sed 's/^curvature_subsample = .*/curvature_subsample = 1.0/' "$def" > "$tmp/def-all.toml"
echo "| config | s / meta-iteration | sampling | inner | meta-gradient | CG | line search |"
echo "|---|---|---|---|---|---|---|"
for pair in "$ref:nav2d-reference.toml (2x64 tanh, metric on 10% of states)" \
            "$tmp/ref-20.toml:same, metric on 20% of states" \
            "$tmp/ref-all.toml:same, metric on all states" \
            "$def:nav2d.toml default (2x100 ReLU, 20%)" \
            "$tmp/def-all.toml:default, metric on all states"; do
  config=${pair%%:*}
  label=${pair#*:}
  "$metarl" bench speed --config "$config" --iterations "$iterations" --workers 2 --json |
    python3 -c "
import json, sys
r = json.load(sys.stdin)
keys = ['seconds_per_iteration', 'seconds_sampling', 'seconds_inner', 'seconds_meta_gradient', 'seconds_cg', 'seconds_line_search']
print('| $label | ' + ' | '.join(f'{r[k]:.3f}' for k in keys) + ' |')"
done
