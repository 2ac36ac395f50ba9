-- W0: only the key lookup every other script starts with (SELECT ... FROM bench.keys WHERE
-- n = :n \gset): its tps tells the per-transaction overhead of the harness itself.
\set n random(1, 100000)
SELECT interest_id AS iid, owner_id AS vid FROM bench.keys WHERE n = :n \gset
