-- PostGraphile W5 SQL (deep page): allInterests(orderBy: [CREATED_DATE_TIME_ASC, ROW_ID_ASC],
-- first: 20, after: <cursor>) -- the cursor decodes to (created_date_time, id) of the row at
-- position 9·n of the order (bench.keys), as in w5_admin.sql.
-- The statement PostGraphile 5.1.5 sends for queries/w5.graphql (bench/postgraphile),
-- captured with DEBUG=@dataplan/pg:PgExecutor:explain; PostGraphile prepares it too.
-- Only change: the to_char format's ':' are written \x3a in an E'' literal (same value), as
-- pgbench would take ':MI' in a literal for a variable.
\set n random(1, 100000)
SELECT timestamptz 'epoch' + cursor_created_at * interval '1 microsecond' AS k, cursor_id AS i
FROM bench.keys WHERE n = :n \gset
select
__interest__."id" as "0",
__interest__."user_id" as "1",
__interest__."display_name" as "2",
__interest__."description" as "3",
__interest__."web_url" as "4",
__interest__."thumbnail_url" as "5",
__interest__."is_searchable"::text as "6",
__interest__."categories"::text as "7",
__interest__."collaboration_tags"::text as "8",
__interest__."allowed_audiences" as "9",
__interest__."inference"::text as "10",
__interest__."source"::text as "11",
__interest__."created_by"::text as "12",
__interest__."last_modified_by"::text as "13",
to_char(__interest__."created_date_time", E'YYYY-MM-DD"T"HH24\x3aMI\x3aSS.USTZH\x3aTZM'::text) as "14",
to_char(__interest__."last_modified_date_time", E'YYYY-MM-DD"T"HH24\x3aMI\x3aSS.USTZH\x3aTZM'::text) as "15",
__interest__."version"::text as "16"
from "pgl"."interest" as __interest__
where ((__interest__."created_date_time", __interest__."id") > (:k::"timestamptz", :i::"uuid"))
order by __interest__."created_date_time" asc, __interest__."id" asc
limit 21;
