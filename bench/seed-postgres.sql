-- Bulk seed for PostgreSQL: 100,000 users in 100 organizations (each in 2 of 1,000 groups, with
-- one family or contact), and 1,000,000 interests (10 per user): ~500 topics, ~30 categories
-- (0-3 each), 0-2 collaboration tags, every audience. Run on a migrated, empty database:
--   psql "$URL" -v ON_ERROR_STOP=1 -f bench/seed-postgres.sql
-- Everything is set-based (INSERT ... SELECT over generate_series): about a minute on 2 cores.

-- `-v users=N` seeds N users and 10·N interests instead (the 10,000-row comparison uses 1000).

\if :{?users}
\else
  \set users 100000
\endif
\timing on
BEGIN;

INSERT INTO directory_user (id, display_name, tenant_id, groups, fingerprint, updated_at)
SELECT 'user-' || u, 'User ' || u, 'org-' || (u % 100),
       json_build_array('g-' || (u % 1000), 'g-' || ((u * 7 + 1) % 1000))::text, 'seed', 0
FROM generate_series(1, :users) AS u;

INSERT INTO directory_group (user_id, group_id)
SELECT 'user-' || u, g
FROM generate_series(1, :users) AS u,
     LATERAL (VALUES ('g-' || (u % 1000)), ('g-' || ((u * 7 + 1) % 1000))) AS t(g)
ON CONFLICT DO NOTHING;

INSERT INTO relationship (owner_id, other_id, kind, created_at)
SELECT 'user-' || u, 'user-' || ((u * 13) % :users + 1),
       CASE WHEN u % 2 = 0 THEN 'FAMILY' ELSE 'CONTACT' END, 0
FROM generate_series(1, :users) AS u
WHERE (u * 13) % :users + 1 <> u;

CREATE TEMP TABLE seed ON COMMIT DROP AS
SELECT i,
       gen_random_uuid() AS id,
       'user-' || (i % :users + 1) AS user_id,
       (i * 7919) % 500 AS topic,
       i % 4 AS ncat,
       (i * 31) % 3 AS ntag,
       (ARRAY['ME','FAMILY','CONTACTS','GROUP_MEMBERS','ORGANIZATION','FEDERATED_ORGANIZATIONS','EVERYONE'])[1 + (i * 17) % 7] AS audience,
       1700000000000000::bigint + i::bigint * (31536000000000 / (:users * 10)) AS ts
FROM generate_series(1::bigint, :users * 10) AS i;

CREATE TEMP TABLE seed_category ON COMMIT DROP AS
SELECT s.id, k, 'Category ' || ((s.topic + k * 11) % 30) AS name
FROM seed s, generate_series(1, 3) AS k WHERE k <= s.ncat;

CREATE TEMP TABLE seed_tag ON COMMIT DROP AS
SELECT s.id, k, (ARRAY['ASK_ME_ABOUT','ABLE_TO_MENTOR','WANTS_TO_LEARN','WANTS_TO_IMPROVE'])[1 + (s.i + k) % 4] AS tag
FROM seed s, generate_series(1, 2) AS k WHERE k <= s.ntag;

CREATE TEMP TABLE seed_lists ON COMMIT DROP AS
SELECT s.id,
       coalesce(c.names, '[]') AS categories,
       coalesce(t.tags, '[]') AS tags
FROM seed s
LEFT JOIN (SELECT id, json_agg(name ORDER BY k)::text AS names FROM seed_category GROUP BY id) c ON c.id = s.id
LEFT JOIN (SELECT id, json_agg(tag ORDER BY k)::text AS tags FROM seed_tag GROUP BY id) t ON t.id = s.id;

INSERT INTO interest (id, user_id, display_name, display_name_key, description, web_url, thumbnail_url,
                      is_searchable, categories, collaboration_tags, allowed_audiences, inference, source,
                      created_by, last_modified_by, created_at, modified_at, version, owner_tenant_id)
SELECT s.id, s.user_id, 'Topic ' || s.topic, 'topic ' || s.topic, 'About topic ' || s.topic, NULL, NULL,
       s.i % 10 <> 0,
       l.categories,
       l.tags,
       s.audience, NULL, NULL,
       json_build_object('user', json_build_object('id', s.user_id))::text,
       json_build_object('user', json_build_object('id', s.user_id))::text,
       s.ts, s.ts, 1, 'org-' || ((s.i % :users + 1) % 100)
FROM seed s JOIN seed_lists l ON l.id = s.id;

INSERT INTO interest_category (interest_id, category_key) SELECT id, lower(name) FROM seed_category;
INSERT INTO interest_tag (interest_id, tag) SELECT id, tag FROM seed_tag;
-- Each pair carries its interest's owner, audience and owner's organization (migration
-- 000007), as the service writes them: discovery reads the audience rule from the pair.
INSERT INTO interest_tag_category (interest_id, tag, category_key, created_at, user_id, allowed_audiences,
                                   owner_tenant_id)
SELECT t.id, t.tag, lower(c.name), s.ts, i.user_id, i.allowed_audiences, i.owner_tenant_id
FROM seed_tag t JOIN seed_category c ON c.id = t.id JOIN seed s ON s.id = t.id JOIN interest i ON i.id = t.id
ON CONFLICT DO NOTHING;

COMMIT;
-- VACUUM, not only ANALYZE: the visibility map lets index-only scans skip the heap, as on a
-- database autovacuum has been through (discovery reads the audience from its index).
VACUUM ANALYZE;
