-- W5 (first page): interests(first: 20, orderBy: {field: CREATED_DATE_TIME}) as user-n -- the
-- same listing as w5.sql without a cursor. visible_to is then the whole WHERE, and SeaORM writes
-- it without outer parentheses (as captured).
-- The only statement the gateway sends for this request (17 parameters),
-- captured from the release gateway (log_min_duration_statement, 2026-11-28, after d3ee0a5);
-- only whitespace differs (line breaks).
-- compare.sh's w5first runs this script (w5first.sql is a link to it).
\set n random(1, 100000)
\set page 21
-- Keys of row :n of bench.keys (bench/pgbench/setup.sql), and the constants the gateway binds
-- as parameters (SeaORM binds every value), so that -M prepared sends the same parameters.
SELECT viewer_id AS vid, viewer_tenant AS tenant, viewer_g1 AS g1, viewer_g2 AS g2, 1 AS one,
       'EVERYONE' AS a_everyone, 'FAMILY' AS a_family, 'CONTACTS' AS a_contacts, 'GROUP_MEMBERS' AS a_group_members,
       'ORGANIZATION' AS a_organization, 'FEDERATED_ORGANIZATIONS' AS a_federated, 'FAMILY' AS k_family, 'CONTACT' AS k_contact
FROM bench.keys WHERE n = :n \gset
SELECT "interest"."id", "interest"."user_id", "interest"."display_name", "interest"."display_name_key", "interest"."description", "interest"."web_url", "interest"."thumbnail_url", "interest"."is_searchable", "interest"."categories", "interest"."collaboration_tags", "interest"."allowed_audiences", "interest"."inference", "interest"."source", "interest"."created_by", "interest"."last_modified_by", "interest"."created_at", "interest"."modified_at", "interest"."version", "interest"."owner_tenant_id"
FROM "interest"
WHERE "interest"."user_id" = :vid
   OR "interest"."allowed_audiences" = :a_everyone
   OR ("interest"."allowed_audiences" = :a_family AND "interest"."user_id" IN (SELECT "owner_id" FROM "relationship" WHERE "relationship"."other_id" = :vid AND "relationship"."kind" IN (:k_family)))
   OR ("interest"."allowed_audiences" = :a_contacts AND "interest"."user_id" IN (SELECT "owner_id" FROM "relationship" WHERE "relationship"."other_id" = :vid AND "relationship"."kind" IN (:k_family, :k_contact)))
   OR ("interest"."allowed_audiences" = :a_group_members AND EXISTS(SELECT :one FROM "directory_group" WHERE "directory_group"."user_id" = "interest"."user_id" AND "directory_group"."group_id" IN (:g1, :g2)))
   OR ("interest"."allowed_audiences" = :a_organization AND "interest"."owner_tenant_id" = :tenant)
   OR ("interest"."allowed_audiences" = :a_federated AND "interest"."owner_tenant_id" IN (:tenant))
ORDER BY "interest"."created_at" ASC, "interest"."id" ASC
LIMIT :page;
