-- W4 as the gateway writes creates under load (src/domain/creates.rs): :b creates in ONE
-- statement, the SQL constant of creates.rs verbatim, its rows as one JSON array bound as text.
-- The gateway's writer tasks put whatever queued while their previous statement ran (at most
-- --create-batch, 32) into the next one; this script fixes the batch at :b to show what a batch
-- size costs PostgreSQL:
--
--   PGBENCH_OPTS="-D b=16" bench/pgbench/run.sh w4_batch 2 8     # 2 clients = 2 writer tasks
--
-- (-D b=N is required.) tps × b = creates per second. Rows as w4.sql writes them (source pgbench-w4, so run.sh
-- deletes them afterwards; audience ME and tag WANTS_TO_LEARN keep them out of W3), owners drawn
-- at random from bench.keys.
SELECT json_agg(json_build_object(
         'id', x.new_id, 'user_id', k.viewer_id, 'display_name', 'Benchmarking',
         'display_name_key', 'benchmarking', 'description', 'Created by the benchmark',
         'web_url', 'https://example.com/w4', 'thumbnail_url', NULL, 'is_searchable', true,
         'categories', '["Performance","Databases"]', 'collaboration_tags', '["WANTS_TO_LEARN"]',
         'allowed_audiences', 'ME', 'inference', NULL, 'source', '{"type":["pgbench-w4"]}',
         -- (json_build_object, not a literal: pgbench would read a colon before null as a variable)
         'created_by', json_build_object('application', NULL, 'device', NULL, 'user',
                         json_build_object('id', k.viewer_id, 'displayName', 'User ' || k.n, 'tenantId', k.viewer_tenant))::text,
         'last_modified_by', json_build_object('application', NULL, 'device', NULL, 'user',
                         json_build_object('id', k.viewer_id, 'displayName', 'User ' || k.n, 'tenantId', k.viewer_tenant))::text,
         'created_at', x.now, 'modified_at', x.now, 'version', 1, 'owner_tenant_id', k.viewer_tenant,
         'category_keys', json_build_array('performance', 'databases')))::text AS rows
FROM (SELECT (1 + floor(random() * 100000))::int AS n,
             floor(extract(epoch FROM t) * 1000000)::bigint AS now,
             -- UUIDv7: 48-bit Unix milliseconds, version 7, the rest random
             encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
                      PLACING substring(int8send(floor(extract(epoch FROM t) * 1000)::bigint) FROM 3)
                      FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid AS new_id
      FROM (SELECT clock_timestamp() AS t FROM generate_series(1, :b::int)) c) x
JOIN bench.keys k USING (n) \gset
WITH r AS (SELECT * FROM json_to_recordset(:rows::json) AS r(id uuid, user_id text, display_name text, display_name_key text, description text, web_url text, thumbnail_url text, is_searchable boolean, categories text, collaboration_tags text, allowed_audiences text, inference text, source text, created_by text, last_modified_by text, created_at bigint, modified_at bigint, version bigint, owner_tenant_id text, category_keys json)), new_interest AS (INSERT INTO interest (id, user_id, display_name, display_name_key, description, web_url, thumbnail_url, is_searchable, categories, collaboration_tags, allowed_audiences, inference, source, created_by, last_modified_by, created_at, modified_at, version, owner_tenant_id) SELECT id, user_id, display_name, display_name_key, description, web_url, thumbnail_url, is_searchable, categories, collaboration_tags, allowed_audiences, inference, source, created_by, last_modified_by, created_at, modified_at, version, owner_tenant_id FROM r RETURNING id), category AS (SELECT r.id, k.value AS key, n.value AS name FROM r CROSS JOIN LATERAL json_array_elements_text(r.category_keys) WITH ORDINALITY AS k(value, i) JOIN LATERAL json_array_elements_text(r.categories::json) WITH ORDINALITY AS n(value, i) ON n.i = k.i), tag AS (SELECT r.id, t.value AS tag FROM r, json_array_elements_text(r.collaboration_tags::json) AS t(value)), categories AS (INSERT INTO interest_category (interest_id, category_key, name) SELECT id, key, name FROM category), tags AS (INSERT INTO interest_tag (interest_id, tag) SELECT id, tag FROM tag), pairs AS (INSERT INTO interest_tag_category (interest_id, tag, category_key, created_at, user_id, allowed_audiences, owner_tenant_id) SELECT r.id, tag.tag, category.key, r.created_at, r.user_id, r.allowed_audiences, r.owner_tenant_id FROM r JOIN tag USING (id) JOIN category USING (id)) SELECT count(*) FROM new_interest;
