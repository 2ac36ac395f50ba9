-- PostGraphile W3 SQL: mentors(category, viewerTenant, first: 20) over pgl.mentors, for
-- category 'Category (n % 30)' and organization org-(n % 100).
-- The statement PostGraphile 5.1.5 sends for queries/w3.graphql (bench/postgraphile),
-- captured with DEBUG=@dataplan/pg:PgExecutor:explain; PostGraphile prepares it too.
-- Only change: the to_char format's ':' are written \x3a in an E'' literal (same value), as
-- pgbench would take ':MI' in a literal for a variable.
\set n random(1, 100000)
SELECT category AS category, viewer_tenant AS tenant FROM bench.keys WHERE n = :n \gset
select
__mentors__."id" as "0",
__mentors__."user_id" as "1",
__mentors__."display_name" as "2",
__mentors__."description" as "3",
__mentors__."web_url" as "4",
__mentors__."thumbnail_url" as "5",
__mentors__."is_searchable"::text as "6",
__mentors__."categories"::text as "7",
__mentors__."collaboration_tags"::text as "8",
__mentors__."allowed_audiences" as "9",
__mentors__."inference"::text as "10",
__mentors__."source"::text as "11",
__mentors__."created_by"::text as "12",
__mentors__."last_modified_by"::text as "13",
to_char(__mentors__."created_date_time", E'YYYY-MM-DD"T"HH24\x3aMI\x3aSS.USTZH\x3aTZM'::text) as "14",
to_char(__mentors__."last_modified_date_time", E'YYYY-MM-DD"T"HH24\x3aMI\x3aSS.USTZH\x3aTZM'::text) as "15",
__mentors__."version"::text as "16",
(row_number() over (partition by 1))::text as "17"
from "pgl"."mentors"(:category::"text",
:tenant::"text") as __mentors__
limit 21;
