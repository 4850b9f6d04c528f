CREATE TABLE t (a BIGINT, s STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '1' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'data/orders.jsonl', 'format' = 'json');
CREATE TABLE o (s STRING) WITH ('connector' = 'print');
INSERT INTO o SELECT s, a FROM t;
