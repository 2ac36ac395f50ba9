-- W1: one interest by id with every column, as its owner reads it (Query.interest(id)).
-- Gateway shape: interest::Entity::find_by_id(id).filter(visible_to(viewer)).one()
--   => WHERE id = $ AND (visible_to) LIMIT $  (src/domain/interests.rs find_visible).
-- Statement text captured from the release gateway (log_min_duration_statement, 2026-11-28,
-- after d3ee0a5): 19 columns (owner_tenant_id added), ORGANIZATION / FEDERATED_ORGANIZATIONS
-- compare "interest"."owner_tenant_id" with the viewer's tenant; 18 parameters. Only
-- whitespace differs (line breaks).
\set n random(1, 100000)
\set lim 1
-- Keys of row :n of bench.keys (bench/pgbench/setup.sql), and the constants the gateway binds
-- as parameters (SeaORM binds every value), so that -M prepared sends the same parameters.
SELECT interest_id AS iid, owner_id AS vid, owner_tenant AS tenant, owner_g1 AS g1, owner_g2 AS g2, 1 AS one,
       'EVERYONE' AS a_everyone, 'FAMILY' AS a_family, 'CONTACTS' AS a_contacts, 'GROUP_MEMBERS' AS a_group_members,
       'ORGANIZATION' AS a_organization, 'FEDERATED_ORGANIZATIONS' AS a_federated, 'FAMILY' AS k_family, 'CONTACT' AS k_contact
FROM bench.keys WHERE n = :n \gset
SELECT "interest"."id", "interest"."user_id", "interest"."display_name", "interest"."display_name_key", "interest"."description", "interest"."web_url", "interest"."thumbnail_url", "interest"."is_searchable", "interest"."categories", "interest"."collaboration_tags", "interest"."allowed_audiences", "interest"."inference", "interest"."source", "interest"."created_by", "interest"."last_modified_by", "interest"."created_at", "interest"."modified_at", "interest"."version", "interest"."owner_tenant_id"
FROM "interest"
WHERE "interest"."id" = :iid
  AND ("interest"."user_id" = :vid
   OR "interest"."allowed_audiences" = :a_everyone
   OR ("interest"."allowed_audiences" = :a_family AND "interest"."user_id" IN (SELECT "owner_id" FROM "relationship" WHERE "relationship"."other_id" = :vid AND "relationship"."kind" IN (:k_family)))
   OR ("interest"."allowed_audiences" = :a_contacts AND "interest"."user_id" IN (SELECT "owner_id" FROM "relationship" WHERE "relationship"."other_id" = :vid AND "relationship"."kind" IN (:k_family, :k_contact)))
   OR ("interest"."allowed_audiences" = :a_group_members AND EXISTS(SELECT :one FROM "directory_group" WHERE "directory_group"."user_id" = "interest"."user_id" AND "directory_group"."group_id" IN (:g1, :g2)))
   OR ("interest"."allowed_audiences" = :a_organization AND "interest"."owner_tenant_id" = :tenant)
   OR ("interest"."allowed_audiences" = :a_federated AND "interest"."owner_tenant_id" IN (:tenant)))
LIMIT :lim;
