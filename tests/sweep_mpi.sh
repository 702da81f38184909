#!/usr/bin/env bash
# `mpirun -np 2 marketsim sweep` (MARKETSIM_MPI=ON; experiments/sweep_mpi.h) writes the bytes of
# one process: sweep.csv, runs.csv and failed.csv of a grid with failing points and of a sweep of
# sequential replications are those of `marketsim sweep --threads 1` without mpirun, sweep.json
# says 2 ranks, and a shard run under mpirun merges with the other into the whole. An mpirun whose rank 0 is killed (SIGKILL once 5 units are stored) resumes without
# mpirun, and a plain sweep killed so resumes under mpirun, each to the bytes of the uninterrupted
# sweep. Bad input under mpirun is rank 0's one-line error and a non-zero exit, nothing left hanging.
# Usage: tests/sweep_mpi.sh MARKETSIM MPIRUN DATA_DIR WORK_DIR
set -euo pipefail
bin=$1 mpirun=$2 data=$3 work=$4
# Open MPI in a container: as root, 2 ranks whatever the cores, no single-copy (CMA) transport.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
rm -rf "$work"
mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }
same() {
  for f in sweep.csv runs.csv failed.csv; do cmp "$1/$f" "$2/$f" || fail "$1/$f differs from $2/$f"; done
}
mpi2() { timeout 120 "$mpirun" -np 2 "$@"; }

for sweep in grid sequential; do
  "$bin" sweep "$data/mpi-$sweep.json" --threads 1 --quiet --out "$work/$sweep-1" >/dev/null
  mpi2 "$bin" sweep "$data/mpi-$sweep.json" --threads 1 --quiet --out "$work/$sweep-2" > "$work/$sweep-2.out"
  same "$work/$sweep-1" "$work/$sweep-2"
  grep -q '"ranks": 1,' "$work/$sweep-1/sweep.json" || fail "$sweep-1/sweep.json: ranks is not 1"
  grep -q '"ranks": 2,' "$work/$sweep-2/sweep.json" || fail "$sweep-2/sweep.json: ranks is not 2"
  # Rank 0 alone prints.
  [ "$(wc -l < "$work/$sweep-2.out")" = 1 ] || fail "$sweep under mpirun printed: $(cat "$work/$sweep-2.out")"
  echo "$sweep: 1 and 2 ranks give the same bytes: $(cat "$work/$sweep-2.out")"
done
[ "$(wc -l < "$work/grid-1/failed.csv")" = 3 ] || fail "the grid's two invalid points are not in failed.csv"

# A shard under mpirun, the other without, merged under mpirun (by rank 0 alone): the whole grid.
mpi2 "$bin" sweep "$data/mpi-grid.json" --shard 1/2 --threads 1 --quiet --out "$work/shard-1" >/dev/null
"$bin" sweep "$data/mpi-grid.json" --shard 2/2 --threads 1 --quiet --out "$work/shard-2" >/dev/null
mpi2 "$bin" sweep merge "$work/shard-1" "$work/shard-2" --out "$work/merged" >/dev/null
same "$work/merged" "$work/grid-1"
echo "shards (one under mpirun) merged under mpirun: the bytes of the whole grid"

# Rank 0 killed once 5 units are stored (mpirun takes the other rank down), resumed without mpirun.
set +e
MARKETSIM_SWEEP_KILL_AFTER=5 mpi2 "$bin" sweep "$data/mpi-grid.json" --threads 1 --quiet --out "$work/killed-mpi" >/dev/null 2>&1
status=$?
set -e
[ "$status" != 0 ] || fail "the killed mpirun exited 0"
[ ! -e "$work/killed-mpi/sweep.csv" ] || fail "the killed mpirun wrote sweep.csv"
"$bin" sweep "$data/mpi-grid.json" --threads 1 --quiet --out "$work/killed-mpi" > "$work/resumed.out"
grep -q "from the store" "$work/resumed.out" || fail "the resume ran everything again: $(cat "$work/resumed.out")"
same "$work/killed-mpi" "$work/grid-1"
echo "killed under mpirun (exit $status), resumed without: $(cat "$work/resumed.out")"

# A plain sweep killed, resumed under mpirun.
set +e
{ MARKETSIM_SWEEP_KILL_AFTER=5 "$bin" sweep "$data/mpi-grid.json" --threads 1 --quiet --out "$work/killed-plain" >/dev/null; } 2>/dev/null
status=$?
set -e
[ "$status" != 0 ] || fail "the killed sweep exited 0"
mpi2 "$bin" sweep "$data/mpi-grid.json" --threads 1 --quiet --out "$work/killed-plain" > "$work/resumed.out"
grep -q "from the store" "$work/resumed.out" || fail "the resume ran everything again: $(cat "$work/resumed.out")"
same "$work/killed-plain" "$work/grid-1"
echo "killed without mpirun, resumed under it: $(cat "$work/resumed.out")"

# Bad input: every rank meets it (a bad option, a missing sweep file) or rank 0 alone (a store of
# another sweep): one error line, a non-zero exit, no rank left waiting (timeout: 124).
for case in option missing other-store; do
  case $case in
    option) args=("$data/mpi-grid.json" --threads 0 --out "$work/none") ;;
    missing) args=("$work/no-such-sweep.json" --threads 1 --out "$work/none") ;;
    other-store) args=("$data/mpi-sequential.json" --threads 1 --out "$work/grid-2") ;;
  esac
  set +e
  mpi2 "$bin" sweep "${args[@]}" --quiet > "$work/bad.out" 2> "$work/bad.err"
  status=$?
  set -e
  [ "$status" != 0 ] && [ "$status" != 124 ] || fail "$case: mpirun exited $status"
  [ "$(grep -c '^error: ' "$work/bad.err")" = 1 ] || fail "$case: expected one error line, got: $(cat "$work/bad.err")"
  echo "$case: exit $status, $(grep '^error: ' "$work/bad.err")"
done
rm -rf "$work"
