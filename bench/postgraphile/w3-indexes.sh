#!/usr/bin/env bash
# W3 index choice for PostGraphile: EXPLAIN ANALYZE of the SQL PostGraphile sends for
#   mentors(category: "Category 7", viewerTenant: "org-36", first: 20)
# (org-36 is one of the 5 organizations whose people have ORGANIZATION/FEDERATED_ORGANIZATIONS
# mentors in Category 7 -- the seed's modular arithmetic correlates tenant, tag and category --
# so both audience branches return rows: 762 EVERYONE + 380 from org-36.)
# under several index sets and two bodies of pgl.mentors, custom and generic plans.
#
#   bench/postgraphile/w3-indexes.sh [DATABASE_URL] [CATEGORY] [TENANT] > /tmp/w3-indexes.txt
#
# Builds the candidate indexes w3_* once (about 10 s; kept only if KEEP_CANDIDATES=1), then for each
# case runs, inside a transaction that is rolled back: DROP INDEX of the indexes not in the case,
# CREATE OR REPLACE of the function body, 1 warm-up + 5 timed EXPLAIN ANALYZE runs. Prints the
# median planning+execution time per case and the plan of one more run. Touches only schema
# pgl, and leaves pgl.mentors as w3's "OR" body (the one setup.sql creates).
set -euo pipefail
URL=${1:-postgres://postgres@127.0.0.1:5432/ig_bench}
CATEGORY=${2:-Category 7}
TENANT=${3:-org-36}
RUNS=${RUNS:-5}

PGOPTIONS='-c client_min_messages=warning' psql "$URL" -qX -v ON_ERROR_STOP=1 <<'SQL'
CREATE INDEX IF NOT EXISTS w3_gin_categories ON pgl.interest USING gin (categories);
CREATE INDEX IF NOT EXISTS w3_gin_tags ON pgl.interest USING gin (collaboration_tags);
CREATE INDEX IF NOT EXISTS w3_aud_tenant_created ON pgl.interest (allowed_audiences, owner_tenant, created_date_time, id);
CREATE INDEX IF NOT EXISTS w3_aud_created ON pgl.interest (allowed_audiences, created_date_time, id);
-- the one setup.sql keeps:
CREATE INDEX IF NOT EXISTS interest_categories_tags_gin ON pgl.interest USING gin (categories, collaboration_tags);
ANALYZE pgl.interest;
SQL

# Every optional index; a case keeps the ones it names (the pkey, (user_id, created, id) and
# (created, id) are always there).
ALL="w3_aud_created w3_aud_tenant_created w3_gin_categories w3_gin_tags interest_categories_tags_gin"
declare -A CASES=(
  [A_created_only]=""
  [B_gin_each]="w3_gin_categories w3_gin_tags"
  [C_gin_multi]="interest_categories_tags_gin"
  [D_aud_created]="w3_aud_created"
  [E_aud_tenant_created]="w3_aud_tenant_created"
  [F_aud_created+aud_tenant_created]="w3_aud_created w3_aud_tenant_created"
  [G_aud_created+gin_multi]="w3_aud_created interest_categories_tags_gin"
)
ORDER="A_created_only B_gin_each C_gin_multi D_aud_created E_aud_tenant_created F_aud_created+aud_tenant_created G_aud_created+gin_multi"

# The two bodies of pgl.mentors(category, viewer_tenant).
BODY_OR="SELECT * FROM pgl.interest i
  WHERE i.collaboration_tags @> ARRAY['ABLE_TO_MENTOR'] AND i.categories @> ARRAY[category]
    AND (i.allowed_audiences = 'EVERYONE'
         OR (i.allowed_audiences IN ('ORGANIZATION', 'FEDERATED_ORGANIZATIONS') AND i.owner_tenant = viewer_tenant))
  ORDER BY i.created_date_time DESC, i.id DESC"
BODY_UNION="SELECT * FROM (
    SELECT * FROM pgl.interest i
    WHERE i.allowed_audiences = 'EVERYONE'
      AND i.collaboration_tags @> ARRAY['ABLE_TO_MENTOR'] AND i.categories @> ARRAY[category]
    UNION ALL
    SELECT * FROM pgl.interest i
    WHERE i.allowed_audiences IN ('ORGANIZATION', 'FEDERATED_ORGANIZATIONS') AND i.owner_tenant = viewer_tenant
      AND i.collaboration_tags @> ARRAY['ABLE_TO_MENTOR'] AND i.categories @> ARRAY[category]
  ) m
  ORDER BY m.created_date_time DESC, m.id DESC"

# What PostGraphile 5.1.5 sends for the W3 GraphQL query (captured with
# DEBUG=@dataplan/pg:PgExecutor:explain), as a prepared statement.
PGL_SQL='select
__mentors__."id" as "0", __mentors__."user_id" as "1", __mentors__."display_name" as "2",
__mentors__."categories"::text as "3", __mentors__."collaboration_tags"::text as "4",
__mentors__."allowed_audiences" as "5",
to_char(__mentors__."created_date_time", '"'"'YYYY-MM-DD"T"HH24:MI:SS.USTZH:TZM'"'"'::text) as "6",
(row_number() over (partition by 1))::text as "7"
from "pgl"."mentors"($1::"text", $2::"text") as __mentors__
limit 21'

run_case() { # name indexes-to-keep body-name body mode(custom|generic)
  local name=$1 keep=$2 bname=$3 body=$4 mode=$5 drops=""
  for ix in $ALL; do
    [[ " $keep " == *" $ix "* ]] || drops+="DROP INDEX pgl.$ix;"
  done
  psql "$URL" -qAtX -v ON_ERROR_STOP=1 <<SQL | python3 -c '
import sys, statistics
name, runs = sys.argv[1], int(sys.argv[2])
import re
text = sys.stdin.read()
ex = [float(x) for x in re.findall(r"Execution Time.: ([0-9.]+)", text)]
pl = [float(x) for x in re.findall(r"Planning Time.: ([0-9.]+)", text)]
times = [a + b for a, b in zip(ex, pl)][1:]
print("%-40s %8.2f ms  (plan+exec, median of %d)" % (name, statistics.median(times), len(times)))
' "$name / $bname / $mode" "$RUNS" 
BEGIN;
$drops
CREATE OR REPLACE FUNCTION pgl.mentors(category text, viewer_tenant text)
RETURNS SETOF pgl.interest LANGUAGE sql STABLE PARALLEL SAFE AS \$fn\$ $body \$fn\$;
SET LOCAL plan_cache_mode = $( [ "$mode" = generic ] && echo force_generic_plan || echo force_custom_plan );
PREPARE w3(text, text) AS $PGL_SQL;
$(for _ in $(seq 0 "$RUNS"); do echo "EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE w3('$CATEGORY', '$TENANT');"; done)
ROLLBACK;
SQL
}

show_plan() { # name indexes-to-keep body mode
  local keep=$2 body=$3 mode=$4 drops=""
  for ix in $ALL; do
    [[ " $keep " == *" $ix "* ]] || drops+="DROP INDEX pgl.$ix;"
  done
  psql "$URL" -qAtX -v ON_ERROR_STOP=1 <<SQL
BEGIN;
$drops
CREATE OR REPLACE FUNCTION pgl.mentors(category text, viewer_tenant text)
RETURNS SETOF pgl.interest LANGUAGE sql STABLE PARALLEL SAFE AS \$fn\$ $body \$fn\$;
SET LOCAL plan_cache_mode = $( [ "$mode" = generic ] && echo force_generic_plan || echo force_custom_plan );
PREPARE w3(text, text) AS $PGL_SQL;
EXPLAIN (ANALYZE, BUFFERS) EXECUTE w3('$CATEGORY', '$TENANT');
ROLLBACK;
SQL
}

echo "# W3 '$CATEGORY' as a colleague in $TENANT; $(date -u +%FT%TZ)"
for c in $ORDER; do
  for b in OR UNION; do
    body=BODY_$b
    for m in custom generic; do
      run_case "$c" "${CASES[$c]}" "$b" "${!body}" "$m"
    done
  done
done
echo
for c in $ORDER; do
  for b in OR UNION; do
    body=BODY_$b
    for m in custom generic; do
      echo "## plan: $c / $b / $m"
      show_plan "$c" "${CASES[$c]}" "${!body}" "$m" | grep -v '^$'
      echo
    done
  done
done

if [ "${KEEP_CANDIDATES:-0}" != 1 ]; then
  psql "$URL" -qX -c "DROP INDEX IF EXISTS pgl.w3_gin_categories, pgl.w3_gin_tags, pgl.w3_aud_created, pgl.w3_aud_tenant_created"
fi
