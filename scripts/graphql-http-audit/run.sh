#!/usr/bin/env bash
# Starts a gateway (SQLite in a temporary directory, random port) and runs the graphql-http
# conformance audits against it. Fails when any MUST or SHOULD audit fails.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../lib/gateway.sh"

build_gateway
(cd "$here" && npm ci --no-audit --no-fund --silent)

work="$(mktemp -d)"
GATEWAY_PID=""
trap '[ -n "$GATEWAY_PID" ] && kill $GATEWAY_PID 2>/dev/null; rm -rf "$work"' EXIT
JWT_SECRET=audit-secret-0123456789abcdef start_gateway "$work"

node "$here/audit.mjs" "http://$GATEWAY_ADDRESS/graphql"
