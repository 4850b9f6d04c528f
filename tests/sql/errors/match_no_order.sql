CREATE TABLE ticks (sym STRING, price BIGINT, tag STRING, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '3' SECOND)
WITH ('connector' = 'filesystem', 'path' = 'data/ticks.jsonl', 'format' = 'json');
SELECT * FROM ticks MATCH_RECOGNIZE (PARTITION BY sym
    MEASURES A.price AS p PATTERN (A B) DEFINE A AS tag = 'a');
