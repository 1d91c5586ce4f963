#!/usr/bin/env bash
# docs/distributed.md's measurements on one machine: `metarl bench speed` (median of N
# meta-iterations) on the reference configs as
#   plain   — the default build (no MPI), 1 process x 2 workers
#   mpi-np1 — the `mpi` build under `mpirun -np 1`, 1 process x 2 workers (the distributed path's
#             overhead at R = 1)
#   mpi-np2 — the `mpi` build under `mpirun -np 2`, 2 ranks x 1 worker
# Rounds alternate the three; prints one JSON line per measurement (the bench's report plus
# `case`, `config` and `round`).
#
#   docs/results/distributed.sh [ITERATIONS] [ROUNDS] > docs/results/distributed.jsonl
set -euo pipefail
cd "$(dirname "$0")/../.."
iterations=${1:-5}
rounds=${2:-3}
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
cargo build --release --locked >&2 && cp target/release/metarl "$bin/plain"
cargo build --release --locked --features mpi >&2 && cp target/release/metarl "$bin/mpi"
# OpenMPI binds each rank to one core by default: a rank with several workers needs --bind-to none.
mpirun=(mpirun --allow-run-as-root --oversubscribe --bind-to none)
for round in $(seq "$rounds"); do
  for config in assets/configs/nav2d-reference.toml assets/configs/cheetah-vel-reference.toml; do
    for case in plain mpi-np1 mpi-np2; do
      args=(bench speed --config "$config" --iterations "$iterations" --json)
      case $case in
        plain) out=$("$bin/plain" "${args[@]}" --workers 2) ;;
        mpi-np1) out=$("${mpirun[@]}" -np 1 "$bin/mpi" "${args[@]}" --workers 2) ;;
        mpi-np2) out=$("${mpirun[@]}" -np 2 "$bin/mpi" "${args[@]}" --workers 1) ;;
      esac
      echo "$out" | python3 -c "
import json, sys
r = json.loads(sys.stdin.read())
r.update(case='$case', config='$(basename "$config")', round=$round)
print(json.dumps(r))"
    done
  done
done
