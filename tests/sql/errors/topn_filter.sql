CREATE TABLE t (a BIGINT, s STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'data/orders.jsonl', 'format' = 'json');
SELECT * FROM (SELECT a, ROW_NUMBER() OVER (PARTITION BY s ORDER BY a) AS rn FROM t) WHERE rn > 2;
