#!/usr/bin/env bash
# Shows the PostgreSQL plans of the service's own list queries under the audience rules, on
# 1,000,000 interests: auto_explain logs the plan of every statement the gateway sends.
#
#   bench/explain-audiences.sh            # seeds ig_bench (about 2 min) unless it is seeded
#
# Needs: a local PostgreSQL superuser (postgres@127.0.0.1, trust), its log file readable, and a
# built binary (cargo build). Touches only the database ig_bench.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-${CARGO_TARGET_DIR:-target}/debug/interest-gateway}
ADMIN=${ADMIN_URL:-postgres://postgres@127.0.0.1:5432/test}
URL=${BENCH_URL:-postgres://postgres@127.0.0.1:5432/ig_bench}
LOG=${PG_LOG:-/var/log/postgresql/postgresql-15-main.log}
PORT=${PORT:-8100}
export JWT_SECRET=bench-secret-0123456789abcdef

seeded=$(psql "$URL" -Atc "select count(*) from interest" 2>/dev/null || echo 0)
if [ "$seeded" != "1000000" ]; then
  psql "$ADMIN" -qc "DROP DATABASE IF EXISTS ig_bench WITH (FORCE)" -c "CREATE DATABASE ig_bench"
  DATABASE_URL=$URL "$BIN" migrate up
  psql "$URL" -v ON_ERROR_STOP=1 -qf bench/seed-postgres.sql
fi
psql "$URL" -qc "ALTER DATABASE ig_bench SET session_preload_libraries = 'auto_explain'" \
  -c "ALTER DATABASE ig_bench SET auto_explain.log_min_duration = 0" \
  -c "ALTER DATABASE ig_bench SET auto_explain.log_analyze = on"

DATABASE_URL=$URL BIND=127.0.0.1:$PORT "$BIN" >/tmp/explain-gateway.log 2>&1 &
gateway=$!
trap 'kill $gateway 2>/dev/null' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done

# user-500: in org-0 with 999 colleagues, in groups g-500 and g-501 (400 members), and the
# contact of user-15423 (whose profile is read below).
token=$("$BIN" token --sub user-500 --name "User 500" --tid org-0 --groups g-500,g-501)
ask() {
  curl -s "http://127.0.0.1:$PORT/graphql" -H 'content-type: application/json' \
    -H "authorization: Bearer $token" -d "$1" >/dev/null
}
ask '{"query":"{ me { id } }"}'   # records the directory entry first, so the plans below are the reads alone
sleep 0.5
start=$(wc -l <"$LOG")
ask '{"query":"{ user(id: \"user-15423\") { interests(first: 20) { nodes { id displayName allowedAudiences } } } }"}'
ask '{"query":"{ interests(first: 20, filter: {collaborationTags: [ABLE_TO_MENTOR]}) { nodes { id userId allowedAudiences } } }"}'
sleep 0.5
tail -n +"$((start + 1))" "$LOG" | sed -E 's/^(\s*Query Text: .{0,160}).*/\1 …/'
