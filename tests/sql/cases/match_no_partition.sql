-- MATCH_RECOGNIZE without PARTITION BY: one partition, rows of all symbols in time order
-- (equal times in arrival order). Data: tests/sql/data/ticks.jsonl (see match_plus.sql).
CREATE TABLE ticks (
    sym STRING,
    price BIGINT,
    tag STRING,
    ts TIMESTAMP(3),
    WATERMARK FOR ts AS ts - INTERVAL '3' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'data/ticks.jsonl', 'format' = 'json');
SELECT * FROM ticks MATCH_RECOGNIZE (ORDER BY ts MEASURES FIRST(A.sym) AS s, LAST(C.ts) AS t, COUNT(*) AS n
  PATTERN (A B+ C) DEFINE A AS tag = 'a', B AS tag = 'b', C AS tag = 'c') AS m;
