#!/usr/bin/env bash
# Schema checks for .ci/run:
#  1. breaking changes of schema.graphql against release/schema.graphql must be acknowledged in
#     CHANGELOG.md (GraphQL Inspector);
#  2. the subgraph SDL a running gateway serves composes with a toy second subgraph under Apollo
#     Federation v2 (@apollo/composition);
#  3. the tests of these tools themselves.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/../lib/gateway.sh"

(cd "$here" && npm ci --no-audit --no-fund --silent --loglevel=error)

echo "--- breaking changes since the last release"
node "$here/check-changes.mjs"

echo "--- federation composition"
build_gateway
work="$(mktemp -d)"
GATEWAY_PID=""
trap '[ -n "$GATEWAY_PID" ] && kill $GATEWAY_PID 2>/dev/null; rm -rf "$work"' EXIT
start_gateway "$work"
node "$here/compose.mjs" "http://$GATEWAY_ADDRESS/graphql" "$here/toy-subgraph.graphql"

echo "--- tests of the schema tools"
node --test "$here/schema-tools.test.mjs"
