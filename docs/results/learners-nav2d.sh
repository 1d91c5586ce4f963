#!/usr/bin/env bash
# Trains every learner on nav2d (the MAML paper's config, assets/configs/nav2d.toml, the same
# budget for all: 200 meta-iterations of 20 tasks x 20 episodes; a learner with its own
# assets/configs/ALGO-nav2d.toml trains with it, e.g. Meta-SGD's smaller TRPO step, ProMP's
# outer loop) with training seeds SEEDS, into
# runs/learners-nav2d/ALGO-sSEED. Each run is first trained to 100 iterations and copied to
# ALGO-sSEED-it100 (the Meta-SGD paper's Table 4 protocol evaluates after 100 meta-iterations),
# then continued to 200 with `train --resume` (bit for bit the same as training 200 at once).
# Usage: [WORKERS=N] docs/results/learners-nav2d.sh METARL_BIN "SEEDS" ALGOS...
# (WORKERS: worker threads per training; results are the same for any count.)
set -euo pipefail
BIN=$1
SEEDS=$2
shift 2
OUT=runs/learners-nav2d
W=()
if [ -n "${WORKERS:-}" ]; then W=(--workers "$WORKERS"); fi
mkdir -p "$OUT"
for seed in $SEEDS; do
  for algo in "$@"; do
    dir="$OUT/$algo-s$seed"
    # Wait for a training of this directory started elsewhere.
    while pgrep -f -- "--run-dir $dir( |$)" > /dev/null; do sleep 30; done
    # A learner with its own shipped nav2d config (assets/configs/ALGO-nav2d.toml) trains with it.
    C=()
    if [ -f "assets/configs/$algo-nav2d.toml" ]; then C=(--config "assets/configs/$algo-nav2d.toml"); fi
    if [ ! -f "$dir/checkpoints/latest.safetensors" ]; then
      "$BIN" train "${C[@]}" --algo "$algo" --seed "$seed" --iterations 100 --run-dir "$dir" "${W[@]}"
    fi
    if [ ! -d "$dir-it100" ] && [ "$(wc -l < "$dir/metrics.jsonl")" -le 100 ]; then
      "$BIN" train --resume "$dir" --iterations 100 "${W[@]}"
      cp -r "$dir" "$dir-it100"
    fi
    "$BIN" train --resume "$dir" --iterations 200 "${W[@]}"
  done
done
