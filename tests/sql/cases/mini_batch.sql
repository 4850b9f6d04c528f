-- final: table.exec.mini-batch.enabled: GROUP BY folds each input batch per
-- group first, then emits one change per group and batch; the changelog
-- depends on where batches end (the build's batch and buffer sizes), the
-- final result does not (tests/unit/test_group.c checks exact mini-batch
-- changelogs on batches of known size).
SET 'table.exec.mini-batch.enabled' = 'true';
SET 'table.exec.mini-batch.allow-latency' = '2 s';
SET 'table.exec.mini-batch.size' = '5000';
SET 'batch.rows' = '4';
SELECT `user`, COUNT(*) AS n, SUM(amount) AS total FROM orders GROUP BY `user`;
