-- W5 (first page) as an admin: no audience condition; compare with w5_admin.sql.
\set page 21
SELECT "interest"."id", "interest"."user_id", "interest"."display_name", "interest"."display_name_key", "interest"."description", "interest"."web_url", "interest"."thumbnail_url", "interest"."is_searchable", "interest"."categories", "interest"."collaboration_tags", "interest"."allowed_audiences", "interest"."inference", "interest"."source", "interest"."created_by", "interest"."last_modified_by", "interest"."created_at", "interest"."modified_at", "interest"."version", "interest"."owner_tenant_id"
FROM "interest"
ORDER BY "interest"."created_at" ASC, "interest"."id" ASC
LIMIT :page;
