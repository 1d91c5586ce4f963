#!/usr/bin/env bash
# Issue 11's before/after speed figures, alternating two binaries on the same machine (run it on
# an idle machine): the cheetah's env and sampler speed (`bench envs`), and seconds per
# meta-iteration of the shipped cheetah paper config (`--env cheetah-vel`: 2x100 ReLU, H = 200,
# 40 tasks), cheetah-vel-reference.toml, nav2d-reference.toml as shipped and with the exact metric
# (`curvature_subsample = 1.0`), and the default nav2d config (`bench speed`). Each binary runs
# from its own checkout, so that it reads the configs of its own version. One JSON line per run.
#
#   docs/results/before-after.sh BEFORE_BIN BEFORE_CHECKOUT AFTER_BIN AFTER_CHECKOUT > out.jsonl
# e.g. BEFORE = commit 44c3530 (`git worktree add /tmp/before 44c3530`, built there).
set -euo pipefail
before_bin=$1 before_dir=$2 after_bin=$3 after_dir=$4
run() { # side bin dir args...
  local side=$1 bin=$2 dir=$3
  shift 3
  (cd "$dir" && "$bin" "$@" | tail -1 | sed "s|^{|{\"side\":\"$side\",\"cmd\":\"$*\",|")
}
both() {
  run before "$before_bin" "$before_dir" "$@"
  run after "$after_bin" "$after_dir" "$@"
}
for _ in 1 2 3; do
  both bench envs --env cheetah-vel --json
done
# The exact metric, from each checkout's own nav2d-reference.toml.
exact=$(mktemp -d)
trap 'rm -rf "$exact"' EXIT
for side in before after; do
  dir=$before_dir
  [ "$side" = after ] && dir=$after_dir
  sed 's/^curvature_subsample = .*/curvature_subsample = 1.0/' \
    "$dir/assets/configs/nav2d-reference.toml" > "$exact/$side.toml"
done
for _ in 1 2; do
  run before "$before_bin" "$before_dir" bench speed --config "$exact/before.toml" --iterations 5 --json
  run after "$after_bin" "$after_dir" bench speed --config "$exact/after.toml" --iterations 5 --json
  both bench speed --iterations 5 --json
  both bench speed --env cheetah-vel --iterations 3 --json
  both bench speed --config assets/configs/cheetah-vel-reference.toml --iterations 3 --json
  both bench speed --config assets/configs/nav2d-reference.toml --iterations 10 --json
done
