#!/usr/bin/env bash
# Starts a gateway (SQLite in a temporary directory, random port) and runs the graphql-http
# conformance audits against it. Fails when any MUST or SHOULD audit fails.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"

(cd "$root" && cargo build --quiet --bin interest-gateway)
(cd "$here" && npm ci --no-audit --no-fund --silent)

work="$(mktemp -d)"
log="$work/gateway.log"
JWT_SECRET=audit-secret-0123456789abcdef DATABASE_URL="sqlite://$work/audit.db?mode=rwc" \
  "$target/debug/interest-gateway" serve --bind 127.0.0.1:0 --log-format json >"$log" 2>&1 &
gateway=$!
trap 'kill $gateway 2>/dev/null || true; rm -rf "$work"' EXIT

address=""
for _ in $(seq 1 100); do
  address="$(grep -o '"address":"[^"]*"' "$log" | head -n1 | cut -d'"' -f4 || true)"
  [ -n "$address" ] && break
  sleep 0.1
done
[ -n "$address" ] || { echo "the gateway did not start:"; cat "$log"; exit 1; }

node "$here/audit.mjs" "http://$address/graphql"
