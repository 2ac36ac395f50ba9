-- PostGraphile W4 SQL: createInterest(input: {interest: {...}}) -- one INSERT ... RETURNING.
-- Rows are marked source = {"type": ["pgl-w4"]}; run.sh deletes them after a pgl_w4 run.
-- The statement PostGraphile 5.1.5 sends for queries/w4.graphql (bench/postgraphile),
-- captured with DEBUG=@dataplan/pg:PgExecutor:explain; PostGraphile prepares it too.
-- Only change: the to_char format's ':' are written \x3a in an E'' literal (same value), as
-- pgbench would take ':MI' in a literal for a variable.
\set n random(1, 100000)
SELECT viewer_id AS vid, viewer_tenant AS tenant, 'PGL W4 topic' AS display_name,
       'Created by bench/pgbench/pgl_w4.sql' AS description, 'https://example.com/w4' AS web_url, true AS searchable,
       '{"Pgbench W4","Category Pgbench"}' AS categories, '{WANTS_TO_LEARN}' AS tags, 'ME' AS audience,
       '{"type":["pgl-w4"]}' AS source,
       json_build_object('user', json_build_object('id', viewer_id, 'displayName', 'User ' || n))::text AS by
FROM bench.keys WHERE n = :n \gset
insert into "pgl"."interest" as __interest__ ("user_id", "display_name", "description", "web_url", "is_searchable", "categories", "collaboration_tags", "allowed_audiences", "owner_tenant", "source", "created_by", "last_modified_by") values (:vid::"text", :display_name::"text", :description::"text", :web_url::"text", :searchable::"bool", :categories::"text"[], :tags::"text"[], :audience::"text", :tenant::"text", :source::"jsonb", :by::"jsonb", :by::"jsonb") returning
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
__interest__."version"::text as "16";
