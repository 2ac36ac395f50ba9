#!/usr/bin/env bash
# Instructions per request: the gateway under valgrind's callgrind, which counts instructions
# rather than seconds, so the figure repeats on a shared, noisy machine. Warms up on a small set
# of keys (every viewer of it is then in the directory's memo, as in a long-running server),
# zeroes the counters, runs the workload for a while and divides the total by the requests.
#
#   bench/callgrind.sh BIN [WORKLOAD=w1] [SECONDS=20] [KEYS=200]
#
# Needs bench/compare.sh run once (ig_bench seeded, keys in bench/out). Leaves the profile in
# bench/out/callgrind/<workload>.out for `callgrind_annotate --inclusive=yes`.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "$1") workload=${2:-w1} seconds=${3:-20} nkeys=${4:-200}
db=${BENCH_DB:-ig_bench}
out=bench/out/callgrind
keys=$out/keys
mkdir -p "$keys"
rm -f "$out/$workload".out*
head -n "$nkeys" "bench/out/$workload.tsv" >"$keys/$workload.tsv"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export JWT_SECRET=bench-secret-0123456789abcdef-0123456789
RUST_LOG=warn DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db?sslmode=disable" \
  valgrind --tool=callgrind --callgrind-out-file="$out/$workload.out" \
  "$bin" serve --bind "127.0.0.1:$port" --database-max-connections 8 >"$out/server.log" 2>&1 &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if [ "$workload" = w4 ]; then
    psql "postgres://postgres@127.0.0.1:5432/$db" -qAtX -v cond="display_name = 'Benchmarking'" \
      -f bench/delete-interests.sql >/dev/null
  fi
}
trap cleanup EXIT
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
load() { WORKLOAD=$workload TARGET=gateway KEYS=$keys wrk -t1 -c2 -d"$1s" -s bench/wrk/graphql.lua \
  "http://127.0.0.1:$port" | awk '/^RESULT/ { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    if (v["errors"] > 0) { print "wrk errors: " v["errors"] > "/dev/stderr" }; print v["requests"] }'; }
load $((seconds / 2 + 5)) >/dev/null
callgrind_control -z "$pid" >/dev/null 2>&1
requests=$(load "$seconds")
callgrind_control -d "$pid" >/dev/null 2>&1
profile=$(ls -t "$out/$workload".out* | grep -v '\.out$' | head -n 1 || true)
profile=${profile:-$out/$workload.out}
total=$(callgrind_annotate "$profile" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
echo "$workload: $requests requests, $total instructions, $((total / requests)) per request ($profile)"
