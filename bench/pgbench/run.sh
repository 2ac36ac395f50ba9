#!/usr/bin/env bash
# Runs one workload script with pgbench against ig_bench.
#
#   bench/pgbench/run.sh W CONNECTIONS SECONDS [DATABASE_URL]
#   bench/pgbench/run.sh w3 4 5            # W3, 4 clients, 5 s
#
# W is a script name without .sql: w0 (harness overhead), w1, w2, w2_list, w3, w4, w5 (w5deep),
# w5_first (w5first), w5_admin, w5_admin_first (the gateway's SQL on public.*), or pgl_w1 ... pgl_w5,
# pgl_w5_first, pgl_w5_offset (PostGraphile's SQL on pgl.*, bench/postgraphile/setup.sql).
# Needs bench/pgbench/setup.sql applied once.
# pgbench -M prepared -n (no vacuum), -j = min(CONNECTIONS, 2) threads (2-core machine).
# After w4 / pgl_w4, deletes the rows they inserted (marked by their `source`).
# Extra pgbench options can be passed in PGBENCH_OPTS (e.g. "-P 1" or "-r").
set -euo pipefail
if [ $# -lt 3 ]; then
  sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
W=$1 C=$2 T=$3
URL=${4:-${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/ig_bench}}
cd "$(dirname "$0")"
[ -f "$W.sql" ] || { echo "no such script: $W.sql" >&2; exit 2; }
J=$(( C < 2 ? C : 2 ))

cleanup_w4() {
  echo "w4 cleanup: deleted $(psql "$URL" -qAtX -v cond="source = '{\"type\":[\"pgbench-w4\"]}'" \
    -f ../delete-interests.sql) interests" >&2
}
cleanup_pgl_w4() {
  psql "$URL" -qAtX -c "WITH d AS (DELETE FROM pgl.interest WHERE source = '{\"type\":[\"pgl-w4\"]}'::jsonb RETURNING 1)
    SELECT 'pgl_w4 cleanup: deleted ' || count(*) || ' interests' FROM d" >&2
}
case $W in w4*) trap cleanup_w4 EXIT ;; esac
[ "$W" = pgl_w4 ] && trap cleanup_pgl_w4 EXIT

# shellcheck disable=SC2086
pgbench "$URL" -M prepared -n -c "$C" -j "$J" -T "$T" -f "$W.sql" ${PGBENCH_OPTS:-} 2>&1 |
  grep -v '^pgbench (' |
  sed "1i # $W: $C clients, $T s, $(date -u +%FT%TZ)"
