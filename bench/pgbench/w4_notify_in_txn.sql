-- W4 with the change notification inside the statement (pg_notify on 'interest_events', as the
-- gateway did before its notifier): see w4.sql.
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
WITH new_interest AS (INSERT INTO interest (id, user_id, display_name, display_name_key, description, web_url, thumbnail_url, is_searchable, categories, collaboration_tags, allowed_audiences, inference, source, created_by, last_modified_by, created_at, modified_at, version, owner_tenant_id) VALUES (:new_id, :vid, :display_name, :display_name_key, :description, :web_url, NULL, :searchable, :categories, :tags, :audience, NULL, :source, :by, :by, :now, :now, :version, :tenant) RETURNING id), category AS (SELECT k.value AS key, n.value AS name FROM json_array_elements_text(:cat_keys::json) WITH ORDINALITY AS k(value, i) JOIN json_array_elements_text(:categories::json) WITH ORDINALITY AS n(value, i) USING (i)), tag AS (SELECT value FROM json_array_elements_text(:tags::json)), categories AS (INSERT INTO interest_category (interest_id, category_key, name) SELECT :new_id, key, name FROM category), tags AS (INSERT INTO interest_tag (interest_id, tag) SELECT :new_id, value FROM tag), pairs AS (INSERT INTO interest_tag_category (interest_id, tag, category_key, created_at) SELECT :new_id, tag.value, category.key, :now FROM tag CROSS JOIN category) SELECT pg_notify(:channel, :payload) FROM new_interest;
