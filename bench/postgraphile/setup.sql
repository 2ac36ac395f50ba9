-- PostGraphile side of the comparison: schema `pgl` in the SAME database as the gateway
-- (ig_bench), holding the gateway's interests in PostGraphile's natural shape.
--
--   psql postgres://postgres@127.0.0.1:5432/ig_bench -v ON_ERROR_STOP=1 -f bench/postgraphile/setup.sql
--
-- Idempotent: drops and rebuilds schema pgl (about 1 min for 1,000,000 rows on 2 cores).
-- Reads public.interest, public.interest_category (names through public.interest.categories),
-- public.interest_tag and public.directory_user; writes nothing outside schema pgl.
--
-- Shape: one row per interest, categories and collaboration tags as text[] (no side tables),
-- timestamps as timestamptz (the gateway stores BIGINT microseconds), the owner's
-- organization denormalised into owner_tenant (W3's visibility rule needs it without a join).
\timing on
\set ON_ERROR_STOP 1

DROP SCHEMA IF EXISTS pgl CASCADE;
CREATE SCHEMA pgl;
COMMENT ON SCHEMA pgl IS 'PostGraphile benchmark copy of the interest-gateway data';

CREATE TABLE pgl.interest (
  id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id                 text NOT NULL,
  display_name            text NOT NULL,
  description             text,
  web_url                 text,
  thumbnail_url           text,
  is_searchable           boolean NOT NULL DEFAULT true,
  categories              text[] NOT NULL DEFAULT '{}',
  collaboration_tags      text[] NOT NULL DEFAULT '{}',
  allowed_audiences       text NOT NULL DEFAULT 'ORGANIZATION',
  owner_tenant            text,
  inference               jsonb,
  source                  jsonb,
  created_by              jsonb,
  last_modified_by        jsonb,
  created_date_time       timestamptz NOT NULL DEFAULT now(),
  last_modified_date_time timestamptz NOT NULL DEFAULT now(),
  version                 bigint NOT NULL DEFAULT 1
);
COMMENT ON TABLE pgl.interest IS 'An interest a person has associated with themselves (copy of public.interest).';

-- Bulk copy. Categories come from the gateway's JSON column (display names, in the order
-- given), tags from interest_tag (ordered as in the JSON column). Microseconds are converted
-- exactly (no float rounding).
INSERT INTO pgl.interest (id, user_id, display_name, description, web_url, thumbnail_url, is_searchable,
                          categories, collaboration_tags, allowed_audiences, owner_tenant,
                          inference, source, created_by, last_modified_by,
                          created_date_time, last_modified_date_time, version)
SELECT i.id, i.user_id, i.display_name, i.description, i.web_url, i.thumbnail_url, i.is_searchable,
       ARRAY(SELECT json_array_elements_text(i.categories::json)),
       ARRAY(SELECT json_array_elements_text(i.collaboration_tags::json)),
       i.allowed_audiences, u.tenant_id,
       i.inference::jsonb, i.source::jsonb, i.created_by::jsonb, i.last_modified_by::jsonb,
       timestamptz 'epoch' + i.created_at * interval '1 microsecond',
       timestamptz 'epoch' + i.modified_at * interval '1 microsecond',
       i.version
FROM public.interest i
LEFT JOIN public.directory_user u ON u.id = i.user_id;

-- The same indexes that serve the gateway: a user's list in created order (W2) and the
-- user-independent listing in (created, id) order (W5, and W3's newest-first walk).
CREATE INDEX interest_user_id_created_idx ON pgl.interest (user_id, created_date_time, id);
CREATE INDEX interest_created_idx ON pgl.interest (created_date_time, id);
-- W3: one multi-column GIN index over both arrays. Of the plain indexes tried (see
-- queries/README.md "W3 index choice" and w3-indexes.sh) it is the only one that keeps
-- PostGraphile's prepared (generic) plan fast: a bitmap of the category's mentors (5-12k rows),
-- filtered by audience and top-21 sorted. With btree indexes only, the custom plan walks
-- (created_date_time, id) backwards (fine) but the generic plan PostGraphile may switch to after
-- five executions scans ~150k rows (250-450 ms).
CREATE INDEX interest_categories_tags_gin ON pgl.interest USING gin (categories, collaboration_tags);

-- W3: discovery of mentors in one category, as a colleague in `viewer_tenant` sees them.
-- Visibility rule (simplified, documented in queries/README.md): EVERYONE, or ORGANIZATION /
-- FEDERATED_ORGANIZATIONS with the owner in the viewer's organization (the gateway puts the
-- viewer's own tenant into the federated list, so a colleague sees same-organization
-- FEDERATED_ORGANIZATIONS interests too). One SQL statement, STABLE: PostgreSQL inlines it into
-- PostGraphile's query, so PostGraphile's LIMIT reaches the plan. (A UNION ALL of the two
-- audience branches was slower: PostgreSQL 15 never merges the branches in index order here.)
CREATE FUNCTION pgl.mentors(category text, viewer_tenant text)
RETURNS SETOF pgl.interest
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT * FROM pgl.interest i
  WHERE i.collaboration_tags @> ARRAY['ABLE_TO_MENTOR']
    AND i.categories @> ARRAY[category]
    AND (i.allowed_audiences = 'EVERYONE'
         OR (i.allowed_audiences IN ('ORGANIZATION', 'FEDERATED_ORGANIZATIONS')
             AND i.owner_tenant = viewer_tenant))
  ORDER BY i.created_date_time DESC, i.id DESC
$$;
COMMENT ON FUNCTION pgl.mentors(text, text) IS
  'Newest first: interests tagged ABLE_TO_MENTOR in `category` (exact display name, e.g. ''Category 7'') that a colleague in organization `viewer_tenant` may see.';

VACUUM (ANALYZE) pgl.interest;
