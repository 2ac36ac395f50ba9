-- W5 (deep page) as an admin: visible_to is "everything" for admins, so no audience
-- condition -- the same question PostGraphile's allInterests(orderBy: [CREATED_DATE_TIME_ASC,
-- ROW_ID_ASC], after: ...) answers. Cursor as in w5.sql.
\set n random(1, 100000)
\set page 21
SELECT cursor_created_at AS k, cursor_id AS i FROM bench.keys WHERE n = :n \gset
SELECT "interest"."id", "interest"."user_id", "interest"."display_name", "interest"."display_name_key", "interest"."description", "interest"."web_url", "interest"."thumbnail_url", "interest"."is_searchable", "interest"."categories", "interest"."collaboration_tags", "interest"."allowed_audiences", "interest"."inference", "interest"."source", "interest"."created_by", "interest"."last_modified_by", "interest"."created_at", "interest"."modified_at", "interest"."version", "interest"."owner_tenant_id"
FROM "interest"
WHERE ("interest"."created_at" >= :k AND ("interest"."created_at" > :k OR "interest"."id" > :i))
ORDER BY "interest"."created_at" ASC, "interest"."id" ASC
LIMIT :page;
