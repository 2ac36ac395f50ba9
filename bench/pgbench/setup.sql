-- Random keys for the pgbench scripts in bench/pgbench (schema `bench`, database ig_bench).
--
--   psql postgres://postgres@127.0.0.1:5432/ig_bench -v ON_ERROR_STOP=1 -f bench/pgbench/setup.sql
--
-- Idempotent (drops and rebuilds schema bench; a few seconds). Reads public.interest and
-- public.directory_user as seeded by bench/seed-postgres.sql; writes only schema bench.
-- Every script does `\set n random(1, 100000)` and reads its keys from row n with \gset.
\set ON_ERROR_STOP 1
\timing on

DROP SCHEMA IF EXISTS bench CASCADE;
CREATE SCHEMA bench;

CREATE TABLE bench.keys (
  n                 int PRIMARY KEY,
  -- W1: a random interest, read by its owner (so it is always visible).
  interest_id       uuid NOT NULL,
  owner_id          text NOT NULL,
  owner_tenant      text,
  owner_g1          text,
  owner_g2          text,
  -- W2 (profile owner and viewer), W3 (viewer), W4 (owner), W5 (viewer): user-n.
  viewer_id         text NOT NULL,
  viewer_tenant     text,
  viewer_g1         text,
  viewer_g2         text,
  -- W3: one of the 30 categories, as the gateway's filter key and as display name.
  category_key      text NOT NULL,
  category          text NOT NULL,
  -- W5: the row at position 9·n (9 .. 900,000) of the (created_at, id) order: a cursor.
  cursor_created_at bigint NOT NULL,
  cursor_id         uuid NOT NULL
);

-- n runs over 1..100000 whatever the data's size: with fewer users (bench/compare.sh --smoke
-- seeds 1,000 users, 10,000 interests) the keys repeat (user-((n-1) % users + 1), the
-- ((n-1) % interests + 1)-th sampled interest, the cursor at position ((9n-1) % interests) + 1),
-- so every script's random(1, 100000) finds its row. On the full data (100,000 users,
-- 1,000,000 interests) these are user-n, the n-th sample and position 9·n.
WITH sizes AS (
  SELECT (SELECT count(*) FROM public.interest) AS interests,
         -- the seeded users (user-1 … user-N own the "Topic n" rows); tokens of other users
         -- (the W6 probe's, say) may have added directory entries beyond them
         (SELECT count(DISTINCT user_id) FROM public.interest WHERE display_name LIKE 'Topic %') AS users
),
ordered AS (       -- every interest by (created_at, id), numbered
  SELECT id, user_id, created_at, row_number() OVER (ORDER BY created_at, id) AS pos
  FROM public.interest
),
sampled AS (       -- 100,000 interests in uuid order: uuids are random, so a random sample
  SELECT id, user_id, row_number() OVER (ORDER BY id) AS m
  FROM public.interest
  ORDER BY id
  LIMIT 100000
)
INSERT INTO bench.keys
SELECT k.n, s.id, s.user_id, o.tenant_id, o.groups::json->>0, o.groups::json->>1,
       v.id, v.tenant_id, v.groups::json->>0, v.groups::json->>1,
       'category ' || (k.n % 30), 'Category ' || (k.n % 30),
       c.created_at, c.id
FROM generate_series(1, 100000) AS k(n)
CROSS JOIN sizes z
JOIN sampled s ON s.m = (k.n - 1) % least(z.interests, 100000) + 1
JOIN public.directory_user o ON o.id = s.user_id
JOIN public.directory_user v ON v.id = 'user-' || ((k.n - 1) % z.users + 1)
JOIN ordered c ON c.pos = (9 * k.n - 1) % z.interests + 1;

ANALYZE bench.keys;
SELECT count(*) AS keys FROM bench.keys;
