#!/usr/bin/env bash
# The same read workloads on 10,000 and on 1,000,000 rows, interleaved: two gateways (one per
# database) take turns per workload and round, so drift hits both alike. Run bench/compare.sh
# once for each database first (it seeds them and writes the keys):
#   BENCH_USERS=1000 BENCH_DB=ig_bench_10k BENCH_OUT=bench/out-10k bench/compare.sh --targets gateway --rounds 1 --no-w6
#   bench/compare.sh --targets gateway --rounds 1 --no-w6
# then:  bench/size-compare.sh [ROUNDS=3] [SECONDS=6] [WORKLOADS="w1 w2 w3 w5first w5deep"]
# PAGE=5 sets W3's page size (bench/wrk/graphql.lua).
# W4 is left out: creating rows grows a 10,000-row table by half in one run.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3} seconds=${2:-6} workloads=${3:-w1 w2 w3 w5first w5deep}
bin=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')/release/interest-gateway
export JWT_SECRET=bench-secret-0123456789abcdef-0123456789
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
start() { # db port
  DATABASE_URL="postgres://postgres@127.0.0.1:5432/$1?sslmode=disable" "$bin" serve --bind "127.0.0.1:$2" \
    --database-max-connections 8 >/dev/null 2>&1 &
  pids+=($!)
}
start ig_bench_10k 18710
start ig_bench 18711
sleep 1
run() { WORKLOAD=$1 TARGET=gateway KEYS=$2 wrk -t2 -c32 -d"$3s" -s bench/wrk/graphql.lua "http://127.0.0.1:$4" | awk '/^RESULT/ {print $4}' | cut -d= -f2; }
for w in $workloads; do run $w bench/out-10k 3 18710 >/dev/null; run $w bench/out 3 18711 >/dev/null; done
printf '%-8s %6s %10s %10s %7s\n' workload round "10k req/s" "1M req/s" "1M/10k"
for r in $(seq 1 "$rounds"); do
  for w in $workloads; do
    small=$(run $w bench/out-10k "$seconds" 18710)
    large=$(run $w bench/out "$seconds" 18711)
    printf '%-8s %6s %10s %10s %7.2f\n' "$w" "$r" "$small" "$large" "$(python3 -c "print($large/$small)")"
  done
done
