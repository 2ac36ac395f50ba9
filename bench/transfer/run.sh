#!/usr/bin/env bash
# Import and export of N interests (default 1,000,000) on SQLite and on PostgreSQL, by the
# release binary: wall time and peak RSS of each step (GNU time), written to stdout.
#   bench/transfer/run.sh [N] [sqlite|postgres|both]
# BENCH_PROFILE=debug uses the debug build (the smoke run of .ci/run: N=2000).
# Uses bench/out-transfer/ for the files and the PostgreSQL database ig_transfer (recreated).
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-1000000} which=${2:-both}
out=bench/out-transfer
mkdir -p "$out"
target=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
if [ "${BENCH_PROFILE:-release}" = debug ]; then
  cargo build --quiet --bin interest-gateway
  bin="$target/debug/interest-gateway"
else
  cargo build --release --quiet --bin interest-gateway
  bin="$target/release/interest-gateway"
fi
input="$out/interests-$n.ndjson"
if [ ! -s "$input" ]; then
  echo "generating $n records into $input"
  python3 bench/transfer/generate.py "$n" >"$input"
fi
echo "input: $(wc -l <"$input") lines, $(du -m "$input" | cut -f1) MB"

measure() { # label command...
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$out/time.txt" "$@" 2>"$out/stderr.txt" >/dev/null || {
    cat "$out/stderr.txt" >&2; return 1; }
  read -r seconds kb <"$out/time.txt"
  printf '%-34s %8.1f s %8.0f MB peak RSS   %s\n' "$label" "$seconds" "$((kb / 1024))" "$(tail -n1 "$out/stderr.txt")"
}

run_on() { # name url
  local name=$1 url=$2
  measure "$name import (empty database)" "$bin" --database-url "$url" import "$input"
  measure "$name import again (replaces)" "$bin" --database-url "$url" import "$input"
  measure "$name export" "$bin" --database-url "$url" export --out "$out/export-$name.ndjson"
  local exported
  exported=$(wc -l <"$out/export-$name.ndjson")
  echo "$name export: $exported lines"
  [ "$exported" -eq "$n" ] || { echo "expected $n exported lines" >&2; return 1; }
}

if [ "$which" = sqlite ] || [ "$which" = both ]; then
  rm -f "$out"/transfer.db*
  "$bin" --database-url "sqlite://$PWD/$out/transfer.db?mode=rwc" migrate >/dev/null
  run_on sqlite "sqlite://$PWD/$out/transfer.db?mode=rwc"
fi
if [ "$which" = postgres ] || [ "$which" = both ]; then
  psql -q -h 127.0.0.1 -U postgres -d test -c "DROP DATABASE IF EXISTS ig_transfer WITH (FORCE)" -c "CREATE DATABASE ig_transfer"
  "$bin" --database-url "postgres://postgres@127.0.0.1:5432/ig_transfer?sslmode=disable" migrate >/dev/null
  run_on postgres "postgres://postgres@127.0.0.1:5432/ig_transfer?sslmode=disable"
fi
