#!/usr/bin/env bash
# CPU per request of the gateway, PostgreSQL and wrk under one workload (32 connections, 10 s
# after a 3 s warm-up), from /proc: where two shared cores go, and so what a ratio target needs
# of the gateway. Needs bench/compare.sh run once (ig_bench seeded, keys in bench/out).
#   bench/cpu-budget.sh [WORKLOAD=w1]
set -euo pipefail
cd "$(dirname "$0")/.."
w=${1:-w1}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export JWT_SECRET=bench-secret-0123456789abcdef-0123456789
DATABASE_URL="postgres://postgres@127.0.0.1:5432/ig_bench?sslmode=disable" RUST_LOG=warn "${BIN:-target/release/interest-gateway}" serve --bind 127.0.0.1:$port --database-max-connections 8 >/dev/null 2>&1 &
gw=$!
trap 'kill $gw 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
# user and system ticks
ticks() { awk '{print $14, $15}' /proc/$1/stat; }
pgticks() {
  local u=0 s=0 us
  for p in $(pgrep -x postgres); do
    us=$(awk '{print $14, $15}' /proc/$p/stat 2>/dev/null || echo "0 0")
    u=$((u + ${us% *})) s=$((s + ${us#* }))
  done
  echo "$u $s"
}
WORKLOAD=$w TARGET=gateway KEYS=bench/out wrk -t2 -c32 -d3s -s bench/wrk/graphql.lua http://127.0.0.1:$port >/dev/null
g0=$(ticks $gw) p0=$(pgticks)
out=$( { /usr/bin/time -f "WRKCPU %U %S" env WORKLOAD=$w TARGET=gateway KEYS=bench/out wrk -t2 -c32 -d10s -s bench/wrk/graphql.lua http://127.0.0.1:$port; } 2>&1 )
g1=$(ticks $gw) p1=$(pgticks)
req=$(echo "$out" | awk '/^RESULT/ {split($2,a,"="); print a[2]}')
wrkcpu=$(echo "$out" | awk '/^WRKCPU/ {print $2+$3}')
hz=$(getconf CLK_TCK)
python3 - "$req" "$g0" "$g1" "$p0" "$p1" "$wrkcpu" "$hz" <<'PY'
import sys
req,g0,g1,p0,p1,wrk,hz=sys.argv[1:]
req=int(req); hz=int(hz)
def spent(a, b):
    (ua, sa), (ub, sb) = map(int, a.split()), map(int, b.split())
    return (ub-ua)/hz, (sb-sa)/hz
gu,gs=spent(g0,g1); pu,ps=spent(p0,p1); w=float(wrk)
g=gu+gs; p=pu+ps
print(f"requests {req} ({req/10:.0f}/s); CPU s: gateway {g:.2f}, postgres {p:.2f}, wrk {w:.2f}, total {g+p+w:.2f} of 20")
us=lambda x: x/req*1e6
print(f"per request µs: gateway {us(g):.0f} (user {us(gu):.0f}, system {us(gs):.0f}), postgres {us(p):.0f} (user {us(pu):.0f}, system {us(ps):.0f}), wrk {us(w):.0f}")
PY
