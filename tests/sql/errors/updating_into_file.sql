CREATE TABLE t (a BIGINT, s STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'data/orders.jsonl', 'format' = 'json');
CREATE TABLE out_file (s STRING, n BIGINT) WITH ('connector' = 'filesystem', 'path' = '/tmp/sluice-never-written.json', 'format' = 'json');
INSERT INTO out_file SELECT s, COUNT(*) FROM t GROUP BY s;
