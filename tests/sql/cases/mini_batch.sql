-- table.exec.mini-batch.enabled: GROUP BY folds each batch (here 4 rows)
-- per group first, then emits one change per group and batch.
SET 'table.exec.mini-batch.enabled' = 'true';
SET 'table.exec.mini-batch.allow-latency' = '2 s';
SET 'table.exec.mini-batch.size' = '5000';
SET 'batch.rows' = '4';
SELECT `user`, COUNT(*) AS n, SUM(amount) AS total FROM orders GROUP BY `user`;
