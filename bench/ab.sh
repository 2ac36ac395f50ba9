#!/usr/bin/env bash
# A/B of two gateway builds on the benchmark database, interleaved: both serve ig_bench at once
# and take turns per workload and round (the order swaps every round), so drift hits both alike.
# Run bench/compare.sh once first (it seeds the database and writes the keys to bench/out).
#   bench/ab.sh BIN_A BIN_B [ROUNDS=3] [SECONDS=8] [WORKLOADS="w1 w2 w4"]
# e.g. git worktree add /tmp/base HEAD~1 && (cd /tmp/base && cargo build --release), then
#   bench/ab.sh /tmp/base/target/release/interest-gateway target/release/interest-gateway
# Prints req/s and p99 per run and the B/A ratio; W4's rows are removed afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
a=$1 b=$2 rounds=${3:-3} seconds=${4:-8} workloads=${5:-w1 w2 w4}
db=${BENCH_DB:-ig_bench}
url="postgres://postgres@127.0.0.1:5432/$db?sslmode=disable"
export JWT_SECRET=bench-secret-0123456789abcdef-0123456789
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  psql "postgres://postgres@127.0.0.1:5432/$db" -qAtX -v cond="display_name = 'Benchmarking'" \
    -f bench/delete-interests.sql >/dev/null
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
start() { # binary port
  DATABASE_URL=$url "$1" serve --bind "127.0.0.1:$2" --database-max-connections "${GATEWAY_POOL:-8}" \
    >/dev/null 2>&1 &
  pids+=($!)
}
port_a=$(free_port); start "$a" "$port_a"
port_b=$(free_port); start "$b" "$port_b"
for port in $port_a $port_b; do
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
done
run() { # workload seconds port -> "rps p99"
  WORKLOAD=$1 TARGET=gateway KEYS=bench/out wrk -t2 -c"${CONNECTIONS:-32}" -d"$2s" --latency \
    -s bench/wrk/graphql.lua "http://127.0.0.1:$3" | awk '/^RESULT/ {
      for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      if (v["errors"] > 0) { print "wrk errors: " v["errors"] > "/dev/stderr" }
      print v["rps"], v["p99_ms"] }'
}
for w in $workloads; do run "$w" 3 "$port_a" >/dev/null; run "$w" 3 "$port_b" >/dev/null; done
printf '%-8s %5s %10s %8s %10s %8s %6s\n' workload round "A req/s" "A p99" "B req/s" "B p99" "B/A"
for r in $(seq 1 "$rounds"); do
  for w in $workloads; do
    if [ $((r % 2)) = 1 ]; then
      read -r ra pa < <(run "$w" "$seconds" "$port_a"); read -r rb pb < <(run "$w" "$seconds" "$port_b")
    else
      read -r rb pb < <(run "$w" "$seconds" "$port_b"); read -r ra pa < <(run "$w" "$seconds" "$port_a")
    fi
    printf '%-8s %5s %10s %8s %10s %8s %6.2f\n' "$w" "$r" "$ra" "$pa" "$rb" "$pb" "$(python3 -c "print($rb/$ra)")"
  done
done
echo "peak RSS: A $(awk '/VmHWM/ {printf "%.1f MB", $2/1024}' /proc/${pids[0]}/status) B $(awk '/VmHWM/ {printf "%.1f MB", $2/1024}' /proc/${pids[1]}/status)"
