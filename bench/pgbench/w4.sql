-- W4: create an interest (Mutation.createInterest) on user-n's own profile, one create per
-- statement and transaction: the rows the gateway writes for a create (src/domain/creates.rs),
-- with the side rows from JSON arrays bound as text (the gateway's statement until it wrote
-- creates several to a statement; it binds one JSON array of rows instead, w4_batch.sql with
-- b=1 is that). The limit for one create per commit; w4_batch.sql shows what batches cost. In a
-- data-modifying WITH. No read-back: the gateway answers from what it wrote. The change notification is not in
-- this statement: the gateway's notifier sends it after commit, several changes per statement
-- (domain::events::notifier), so under load it costs a fraction of a statement per create.
-- w4_notify_in_txn.sql is the same statement with pg_notify inside it, as the gateway did before:
-- PostgreSQL serializes the commits of notifying transactions (2,651 vs 5,366 tps here).
-- Statement text as the gateway sent it (the SQL constant of interests.rs before creates.rs); parameters as the
-- gateway binds them for bench/wrk/graphql.lua's W4 mutation, except:
--   * thumbnail_url and inference are written as literal NULL (the gateway binds NULL
--     parameters, $7 and $12; pgbench variables cannot hold NULL);
--   * the id, a UUIDv7 like the gateway's Uuid::now_v7(), is made in SQL by the key lookup;
--   * source is '{"type":["pgbench-w4"]}' (the gateway's W4 sends '{"type":["bench"]}') so that
--     run.sh can delete exactly these rows; the display name is the gateway W4's "Benchmarking",
--     so compare.sh's clean-up removes them too.
--
-- Writes into the REAL tables (same index maintenance as the gateway). Audience ME, tag
-- WANTS_TO_LEARN and categories Performance / Databases (as the gateway's W4) keep the rows out
-- of W3. run.sh deletes them and their side rows after a W4 run (bench/delete-interests.sql). Rows left
-- behind change count(*) FROM interest, which makes bench/compare.sh re-seed the database:
-- run W4 alone, or last, and let run.sh clean up.
\set n random(1, 100000)
\set version 1
-- Keys of row :n of bench.keys (bench/pgbench/setup.sql), the values the gateway computes
-- (id, time, identity, notification payload) and the constants it binds as parameters.
-- (':null' is written '\x3anull' in E'' literals: pgbench would read :null as a variable.)
SELECT k.viewer_id AS vid, k.viewer_tenant AS tenant, x.new_id, x.now,
       'Benchmarking' AS display_name, 'benchmarking' AS display_name_key,
       'Created by the benchmark' AS description, 'https://example.com/w4' AS web_url, 't' AS searchable,
       '["Performance","Databases"]' AS categories, '["WANTS_TO_LEARN"]' AS tags,
       'ME' AS audience, '{"type":["pgbench-w4"]}' AS source,
       format(E'{"application"\x3anull,"device"\x3anull,"user":{"id":"%s","displayName":"User %s","tenantId":"%s"}}',
              k.viewer_id, k.n, k.viewer_tenant) AS by,
       '["performance","databases"]' AS cat_keys,
       'interest_events' AS channel,
       format(E'{"kind":"Created","interest_id":"%s","user_id":"%s","before"\x3anull,"at":%s}',
              x.new_id, k.viewer_id, x.now) AS payload
FROM bench.keys k,
     LATERAL (SELECT floor(extract(epoch FROM t) * 1000000)::bigint AS now,
                     -- UUIDv7: 48-bit Unix milliseconds, version 7, the rest random
                     encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
                              PLACING substring(int8send(floor(extract(epoch FROM t) * 1000)::bigint) FROM 3)
                              FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid AS new_id
              FROM (SELECT clock_timestamp() AS t) c) x
WHERE k.n = :n \gset
WITH new_interest AS (INSERT INTO interest (id, user_id, display_name, display_name_key, description, web_url, thumbnail_url, is_searchable, categories, collaboration_tags, allowed_audiences, inference, source, created_by, last_modified_by, created_at, modified_at, version, owner_tenant_id) VALUES (:new_id, :vid, :display_name, :display_name_key, :description, :web_url, NULL, :searchable, :categories, :tags, :audience, NULL, :source, :by, :by, :now, :now, :version, :tenant) RETURNING id), category AS (SELECT k.value AS key, n.value AS name FROM json_array_elements_text(:cat_keys::json) WITH ORDINALITY AS k(value, i) JOIN json_array_elements_text(:categories::json) WITH ORDINALITY AS n(value, i) USING (i)), tag AS (SELECT value FROM json_array_elements_text(:tags::json)), categories AS (INSERT INTO interest_category (interest_id, category_key, name) SELECT :new_id, key, name FROM category), tags AS (INSERT INTO interest_tag (interest_id, tag) SELECT :new_id, value FROM tag), pairs AS (INSERT INTO interest_tag_category (interest_id, tag, category_key, created_at) SELECT :new_id, tag.value, category.key, :now FROM tag CROSS JOIN category) SELECT 1 FROM new_interest;
