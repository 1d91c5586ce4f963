#!/usr/bin/env bash
# Evaluates the runs of learners-nav2d.sh: for every training seed given, `bench adapt` on the
# same 40 held-out tasks (paper protocol: 0..3 steps, lr 0.1 then 0.05, 40 episodes per step,
# best checkpoints by validation) of every learner whose run finished, plus pretrained, random
# and oracle; then the Meta-SGD paper's Table 4 protocol (600 tasks, 20 episodes, 1 step, the
# parameters after 100 meta-iterations) for MAML and Meta-SGD.
# Usage: docs/results/learners-nav2d-eval.sh METARL_BIN "SEEDS"
set -euo pipefail
BIN=$1
SEEDS=$2
RUNS=runs/learners-nav2d
OUT=docs/results/learners-nav2d
finished() { [ -f "$1/metrics.jsonl" ] && [ "$(wc -l < "$1/metrics.jsonl")" -ge "$2" ]; }
for seed in $SEEDS; do
  runs=()
  algos=()
  for algo in maml promp emaml metasgd reptile pretrained oracle; do
    if finished "$RUNS/$algo-s$seed" 200; then
      runs+=("$RUNS/$algo-s$seed")
      algos+=("$algo")
    fi
  done
  # --algos lists exactly the finished runs, so that nothing is trained here.
  "$BIN" bench adapt --seed "$seed" --runs "${runs[@]}" --algos "$(IFS=,; echo "${algos[*]}")" \
    --out "$OUT/seed-$seed"
  t4=()
  for algo in maml metasgd; do
    if finished "$RUNS/$algo-s$seed-it100" 100; then t4+=("$RUNS/$algo-s$seed-it100"); fi
  done
  if [ ${#t4[@]} -gt 0 ]; then
    "$BIN" bench adapt --seed "$seed" --runs "${t4[@]}" --algos maml --tasks 600 --steps 1 \
      --episodes 20 --checkpoint latest --out "$OUT/table4-seed-$seed"
  fi
done
