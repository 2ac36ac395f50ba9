-- Deletes the interests for which :cond holds, with their category, tag and (tag, category)
-- rows: the service removes side rows itself, no foreign key cascades to them on PostgreSQL
-- (migration 000008). Prints how many interests went.
--
--   psql "$URL" -qAtX -v cond="display_name = 'Benchmarking'" -f bench/delete-interests.sql
WITH gone AS (DELETE FROM interest WHERE :cond RETURNING id),
     categories AS (DELETE FROM interest_category WHERE interest_id IN (SELECT id FROM gone)),
     tags AS (DELETE FROM interest_tag WHERE interest_id IN (SELECT id FROM gone)),
     pairs AS (DELETE FROM interest_tag_category WHERE interest_id IN (SELECT id FROM gone))
SELECT count(*) FROM gone;
