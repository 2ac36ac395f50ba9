#!/usr/bin/env bash
# Side-by-side benchmark, one run: this gateway, PostGraphile v5 on the same database, and raw SQL
# through `pgbench -M prepared` as the limit. Rounds interleave the three so drift cancels.
#
#   bench/compare.sh [--rounds 3] [--duration 10] [--warmup 5] [--connections 32]
#                    [--workloads "w1 w2 w3 w4 w5first w5deep"] [--targets "gateway postgraphile pgbench"]
#                    [--no-w6] [--smoke]
#
# Data: database ig_bench (BENCH_URL), seeded by bench/seed-postgres.sql when it does not hold
# BENCH_USERS*10 interests (BENCH_USERS=100000 by default: 1,000,000 interests). --smoke: a tiny
# run for CI (1,000 users, 1 s, 2 connections, no PostGraphile) that proves the scripts work.
# Prints req/s, p50 and p99 per workload and target, the per-round ratios, and peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

rounds=3 duration=10 warmup=5 connections=32 w6=1 smoke=0
workloads="w1 w2 w3 w4 w5first w5deep"
targets="gateway postgraphile pgbench"
while [ $# -gt 0 ]; do
  case $1 in
    --rounds) rounds=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --workloads) workloads=$2; shift 2 ;;
    --targets) targets=$2; shift 2 ;;
    --no-w6) w6=0; shift ;;
    --smoke) smoke=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
users=${BENCH_USERS:-100000}
db=${BENCH_DB:-ig_bench}
if [ $smoke = 1 ]; then
  rounds=1 duration=1 warmup=1 connections=2 users=${BENCH_USERS:-1000} db=${BENCH_DB:-ig_bench_smoke}
  targets=${SMOKE_TARGETS:-gateway pgbench}
fi
admin=${ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
url=${BENCH_URL:-postgres://postgres@127.0.0.1:5432/$db}
# All three talk to PostgreSQL over loopback without TLS (Debian's PostgreSQL has ssl = on and
# libpq/sqlx would otherwise encrypt; node-postgres does not): like with like.
plain_url="$url?sslmode=disable"
export JWT_SECRET=bench-secret-0123456789abcdef-0123456789
out=${BENCH_OUT:-$root/bench/out}
mkdir -p "$out"
ulimit -n 65536 2>/dev/null || ulimit -n 4096 || true
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')

step() { printf '\n== %s\n' "$*" >&2; }

for tool in wrk pgbench psql node; do
  command -v $tool >/dev/null || { echo "needs $tool (apt-get install -y wrk postgresql-client nodejs)" >&2; exit 1; }
done

step "build (release) and npm packages"
if [ $smoke = 1 ]; then
  (cargo build --quiet --bin interest-gateway) && bin=$target_dir/debug/interest-gateway
else
  (cargo build --quiet --release --bin interest-gateway) && bin=$target_dir/release/interest-gateway
fi
(cd bench && npm ci --no-audit --no-fund --silent)
case " $targets " in *" postgraphile "*) (cd bench/postgraphile && npm ci --no-audit --no-fund --silent) ;; esac

# W4 and W6 create rows ("Benchmarking", "Fan-out n"): removed before and after, so runs start
# alike (and pgbench's keys, drawn from the seeded rows, stay dense).
remove_w4_rows() {
  psql "$url" -qAtX -v cond="display_name = 'Benchmarking' OR display_name LIKE 'Fan-out %'" \
    -f bench/delete-interests.sql >/dev/null 2>&1 || true
  psql "$url" -qc "DELETE FROM pgl.interest WHERE display_name = 'Benchmarking'" >/dev/null 2>&1 || true
}
step "data: $db with $users users × 10 interests"
remove_w4_rows
seeded=$(psql "$url" -Atc "select count(*) from interest where display_name like 'Topic %'" 2>/dev/null || echo 0)
# Seeded before the seed filled the pairs' copies of owner, audience and organization: seed again.
stale=$(psql "$url" -Atc "select count(*) from (select 1 from interest_tag_category where allowed_audiences = '' limit 1) s" 2>/dev/null || echo 1)
if [ "$seeded" != "$((users * 10))" ] || [ "$stale" != 0 ]; then
  psql "$admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
  DATABASE_URL=$url "$bin" migrate up >/dev/null
  start=$(date +%s)
  psql "$url" -v ON_ERROR_STOP=1 -v users="$users" -qf bench/seed-postgres.sql >/dev/null
  echo "seeded $((users * 10)) interests in $(( $(date +%s) - start )) s" >&2
fi
case " $targets " in *" postgraphile "*) psql "$url" -v ON_ERROR_STOP=1 -qf bench/postgraphile/setup.sql >/dev/null ;; esac
case " $targets " in *" pgbench "*) psql "$url" -v ON_ERROR_STOP=1 -qf bench/pgbench/setup.sql >/dev/null ;; esac
node bench/keys.mjs "$url" "$JWT_SECRET" "$out" $([ $smoke = 1 ] && echo 200 || echo 5000) >&2

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; remove_w4_rows; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

step "start the gateway"
gw_port=$(free_port)
DATABASE_URL=$plain_url "$bin" serve --bind "127.0.0.1:$gw_port" --log-format json \
  --database-max-connections "${GATEWAY_POOL:-8}" --max-subscriptions-per-connection 10 \
  >"$out/gateway.log" 2>&1 &
gw_pid=$!; pids+=("$gw_pid")
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$gw_port/readyz" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$gw_port/readyz" >/dev/null || { cat "$out/gateway.log"; exit 1; }

pgl_pid=""
case " $targets " in *" postgraphile "*)
  step "start PostGraphile"
  pgl_port=$(free_port)
  bash bench/postgraphile/start.sh "$pgl_port" "$plain_url" >"$out/postgraphile.log" 2>&1 &
  pgl_pid=$!; pids+=("$pgl_pid")
  for _ in $(seq 1 300); do
    curl -sf -H 'content-type: application/json' -d '{"query":"{__typename}"}' "http://127.0.0.1:$pgl_port/graphql" >/dev/null && break
    sleep 0.2
  done
;; esac

# W5: a first page, and a cursor deep in the same listing, both made by the gateway itself.
# The deep cursor is the gateway's endCursor of a one-row page at 35% of the table in created
# order (≈50,000 visible rows deep on 1,000,000 for a typical viewer).
step "W5 cursors"
w5_token=$(head -n1 "$out/w2.tsv" | cut -f2)
offset=$(( users * 10 * 35 / 100 ))
deep_at=$(psql "$url" -Atc "select created_at from interest order by created_at, id offset $offset limit 1")
deep_iso=$(python3 -c "import datetime,sys; print(datetime.datetime.fromtimestamp(int(sys.argv[1])/1e6, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.%fZ'))" "$deep_at")
deep_cursor=$(curl -sf "http://127.0.0.1:$gw_port/graphql" -H 'content-type: application/json' -H "authorization: Bearer $w5_token" \
  -d "{\"query\":\"{ interests(first: 1, filter: {createdAfter: \\\"$deep_iso\\\"}, orderBy: {field: CREATED_DATE_TIME}) { pageInfo { endCursor } } }\"}" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["interests"]["pageInfo"]["endCursor"])')
printf -- '-\t%s\n' "$w5_token" >"$out/w5first.tsv"
printf '%s\t%s\n' "$deep_cursor" "$w5_token" >"$out/w5deep.tsv"
printf '%s\n' "$deep_at" >"$out/w5deep.created_at"
if [ -n "${pgl_port:-}" ]; then
  # PostGraphile's own cursor for the same position (its cursors are its own format).
  pgl_cursor=$(curl -sf "http://127.0.0.1:$pgl_port/graphql" -H 'content-type: application/json' \
    -d "{\"query\":\"{ allInterests(orderBy: [CREATED_DATE_TIME_ASC, ROW_ID_ASC], first: 1, offset: $offset) { pageInfo { endCursor } } }\"}" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["allInterests"]["pageInfo"]["endCursor"])')
  printf -- '-\t-\n' >"$out/pgl-w5first.tsv"
  printf '%s\t-\n' "$pgl_cursor" >"$out/pgl-w5deep.tsv"
fi

# One measured run: prints "rps p50 p99".
run_wrk() { # target workload url seconds
  local target=$1 workload=$2 address=$3 seconds=$4
  WORKLOAD=$workload TARGET=$target KEYS=$out wrk -t2 -c"$connections" -d"${seconds}s" --latency \
    -s bench/wrk/graphql.lua "$address" 2>>"$out/wrk.err" | awk '/^RESULT/ {
      for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      if (v["errors"] > 0) { print "wrk errors: " v["errors"] > "/dev/stderr" }
      print v["rps"], v["p50_ms"], v["p99_ms"] }'
}
check_wrk() { # target workload url: 1 s at 1 connection, every response must be data without errors
  local target=$1 workload=$2 address=$3 err
  err=$(CHECK=1 WORKLOAD=$workload TARGET=$target KEYS=$out wrk -t1 -c1 -d1s -s bench/wrk/graphql.lua "$address" 2>&1 >/dev/null | grep BAD | head -3 || true)
  [ -z "$err" ] || { echo "$target $workload answers errors: $err" >&2; exit 1; }
}
run_pgbench() { # workload seconds
  local workload=$1 seconds=$2 logdir
  logdir=$(mktemp -d)
  (cd "$logdir" && pgbench -n -M prepared -c "$connections" -j 2 -T "$seconds" -l --log-prefix=tx \
     -D n_keys="$((users * 10))" -D n_users="$users" -f "$root/bench/pgbench/${workload}.sql" "$plain_url" >summary.txt 2>&1) \
     || { cat "$logdir/summary.txt" >&2; exit 1; }
  local tps
  tps=$(awk '/^tps/ {print $3; exit}' "$logdir/summary.txt")
  cat "$logdir"/tx.* | awk '{print $3/1000}' | sort -n | awk -v tps="$tps" '{a[NR]=$1} END {
    printf "%.1f %.2f %.2f\n", tps, a[int(NR*0.5)+1], a[int(NR*0.99)+1] }'
  rm -rf "$logdir"
}

address_of() { case $1 in gateway) echo "http://127.0.0.1:$gw_port" ;; postgraphile) echo "http://127.0.0.1:$pgl_port" ;; esac; }

step "check every workload answers data"
for workload in $workloads; do
  for target in $targets; do
    [ "$target" = pgbench ] && continue
    check_wrk "$target" "$workload" "$(address_of "$target")"
  done
done

results=$out/results.tsv
: >"$results"
for round in $(seq 1 "$rounds"); do
  for workload in $workloads; do
    for target in $targets; do
      step "round $round: $workload on $target"
      if [ "$target" = pgbench ]; then
        [ -f "bench/pgbench/${workload}.sql" ] || { echo "no pgbench script for $workload" >&2; continue; }
        [ "$round" = 1 ] && run_pgbench "$workload" "$warmup" >/dev/null
        line=$(run_pgbench "$workload" "$duration")
      else
        [ "$round" = 1 ] && run_wrk "$target" "$workload" "$(address_of "$target")" "$warmup" >/dev/null
        line=$(run_wrk "$target" "$workload" "$(address_of "$target")" "$duration")
      fi
      echo "$line" >&2
      printf '%s\t%s\t%s\t%s\n' "$round" "$workload" "$target" "$line" >>"$results"
    done
  done
done

rss() { [ -n "$1" ] && awk '/VmHWM/ {printf "%.1f MB", $2/1024}' "/proc/$1/status" 2>/dev/null || echo "-"; }
gw_rss_w1_w5=$(rss "$gw_pid")

# W3's latency at 4 connections (the p99 target), for the two GraphQL services.
w3_at_4=""
for target in $targets; do
  [ "$target" = pgbench ] && continue
  case " $workloads " in *" w3 "*) ;; *) continue ;; esac
  line=$(connections=4 run_wrk "$target" w3 "$(address_of "$target")" "$duration")
  w3_at_4="$w3_at_4$(printf '%-13s %s\n' "$target" "$line")"$'\n'
done

w6_line=""
if [ $w6 = 1 ]; then
  step "W6: one write reaching $([ $smoke = 1 ] && echo 20 || echo 1000) subscriptions"
  w6_line=$(node bench/ws-fanout.mjs "http://127.0.0.1:$gw_port" "$JWT_SECRET" $([ $smoke = 1 ] && echo "20 3" || echo "1000 30") | grep RESULT)
fi

pgl_rss="-"
if [ -n "$pgl_pid" ]; then
  # start.sh runs node as a child: the largest peak among the processes it started.
  pgl_rss=$(for p in $pgl_pid $(pgrep -P "$pgl_pid" || true); do awk '/VmHWM/ {print $2}' /proc/$p/status 2>/dev/null; done | sort -n | tail -1 | awk '{printf "%.1f MB", $1/1024}')
fi

printf '\n== results (%s; %s rows; %s connections, %s s per run, %s rounds; median over rounds)\n' \
  "$(date -u +%Y-%m-%d)" "$((users * 10))" "$connections" "$duration" "$rounds"
python3 - "$results" <<'PY'
import sys, statistics, collections
rows = [l.split('\t') for l in open(sys.argv[1]).read().splitlines() if l.strip()]
data = collections.defaultdict(list)
for rnd, w, t, line in rows:
    if len(line.split()) == 3:
        data[(w, t)].append((int(rnd), *map(float, line.split())))
workloads = list(dict.fromkeys(w for _, w, _, _ in rows))
targets = list(dict.fromkeys(t for _, _, t, _ in rows))
print(f"{'workload':10} {'target':13} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
for w in workloads:
    for t in targets:
        runs = data.get((w, t))
        if not runs: continue
        print(f"{w:10} {t:13} {statistics.median(r[1] for r in runs):9.0f} {statistics.median(r[2] for r in runs):8.2f} {statistics.median(r[3] for r in runs):8.2f}")
print("\nper-round throughput ratios")
for w in workloads:
    g = {r[0]: r[1] for r in data.get((w, 'gateway'), [])}
    for other in ('postgraphile', 'pgbench'):
        o = {r[0]: r[1] for r in data.get((w, other), [])}
        ratios = [g[k] / o[k] for k in sorted(g) if k in o and o[k] > 0]
        if ratios:
            label = 'gateway/postgraphile' if other == 'postgraphile' else 'gateway/pgbench'
            print(f"{w:10} {label:22} " + "  ".join(f"{x:.2f}" for x in ratios) + f"   (median {statistics.median(ratios):.2f})")
PY
if [ -n "$w3_at_4" ]; then printf '\nW3 at 4 connections (req/s p50 p99):\n%s' "$w3_at_4"; fi
[ -n "$w6_line" ] && echo "$w6_line"
echo "peak RSS after W1-W5: gateway $gw_rss_w1_w5; after everything (W6 holds 1,000 sockets): gateway $(rss "$gw_pid"), postgraphile $pgl_rss"
