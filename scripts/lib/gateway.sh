# Sourced by the scripts under scripts/: builds the gateway and starts one on a random port.
#   start_gateway WORKDIR [extra serve flags...]  → sets GATEWAY_ADDRESS (host:port) and GATEWAY_PID
# The gateway uses a SQLite file in WORKDIR and logs JSON to WORKDIR/gateway.log.

gateway_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# Where cargo puts it: CARGO_TARGET_DIR, a cargo config's build.target-dir, or ./target.
gateway_target="$(cd "$gateway_root" && cargo metadata --format-version 1 --no-deps 2>/dev/null |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])' || true)"
gateway_bin="${gateway_target:-${CARGO_TARGET_DIR:-$gateway_root/target}}/debug/interest-gateway"

build_gateway() {
  (cd "$gateway_root" && cargo build --quiet --bin interest-gateway)
}

start_gateway() {
  local work=$1; shift
  local log="$work/gateway.log"
  JWT_SECRET="${JWT_SECRET:-scripts-secret-0123456789abcdef}" DATABASE_URL="sqlite://$work/gateway.db?mode=rwc" \
    "$gateway_bin" serve --bind 127.0.0.1:0 --log-format json "$@" >"$log" 2>&1 &
  GATEWAY_PID=$!
  GATEWAY_ADDRESS=""
  for _ in $(seq 1 100); do
    GATEWAY_ADDRESS="$(grep -o '"address":"[^"]*"' "$log" | head -n1 | cut -d'"' -f4 || true)"
    [ -n "$GATEWAY_ADDRESS" ] && return 0
    kill -0 "$GATEWAY_PID" 2>/dev/null || break
    sleep 0.1
  done
  echo "the gateway did not start:" >&2
  cat "$log" >&2
  return 1
}
