#!/usr/bin/env bash
# Where the gateway's memory goes: one gateway on ig_bench (JSON access log on, as compare.sh
# runs it), a few seconds of each workload (32 connections), then its peak and current RSS, split
# into anonymous memory (the heap) and file pages (the binary's code), from /proc/<pid>/status.
# Needs bench/compare.sh run once (ig_bench seeded, keys in bench/out).
#   bench/rss.sh [BIN=target/release/interest-gateway] [SECONDS=4] [WORKLOADS="w1 w2 w3 w4 w5first w5deep"]
# The environment passes through, e.g. MIMALLOC_ALLOW_THP=1 bench/rss.sh to see mimalloc with
# transparent huge pages. W4's rows are removed afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/interest-gateway} seconds=${2:-4} workloads=${3:-w1 w2 w3 w4 w5first w5deep}
db=${BENCH_DB:-ig_bench}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export JWT_SECRET=bench-secret-0123456789abcdef-0123456789
DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db?sslmode=disable" RUST_LOG=info \
  "$bin" serve --bind "127.0.0.1:$port" --log-format json --database-max-connections 8 >/dev/null 2>&1 &
gw=$!
cleanup() {
  kill "$gw" 2>/dev/null || true
  psql "postgres://postgres@127.0.0.1:5432/$db" -qAtX -v cond="display_name = 'Benchmarking'" \
    -f bench/delete-interests.sql >/dev/null
}
trap cleanup EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
show() {
  awk -v step="$1" '/^(VmHWM|VmRSS|RssAnon|RssFile):/ { v[$1] = $2 / 1024 }
    END { printf "%-8s peak %5.1f MB  now %5.1f MB  (heap %5.1f, code %5.1f)\n", step,
      v["VmHWM:"], v["VmRSS:"], v["RssAnon:"], v["RssFile:"] }' "/proc/$gw/status"
}
show start
for w in $workloads; do
  WORKLOAD=$w TARGET=gateway KEYS=bench/out wrk -t2 -c32 -d"${seconds}s" -s bench/wrk/graphql.lua \
    "http://127.0.0.1:$port" >/dev/null
  show "$w"
done
