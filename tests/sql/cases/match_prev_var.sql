-- MATCH_RECOGNIZE: PREV with a variable (the row before that variable's last row).
-- Data: tests/sql/data/ticks.jsonl (see match_plus.sql).
CREATE TABLE ticks (
    sym STRING,
    price BIGINT,
    tag STRING,
    ts TIMESTAMP(3),
    WATERMARK FOR ts AS ts - INTERVAL '3' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'data/ticks.jsonl', 'format' = 'json');
SELECT * FROM ticks MATCH_RECOGNIZE (
    PARTITION BY sym ORDER BY ts
    MEASURES PREV(B.price) AS before_last_b, PREV(B.price, 2) AS two_before, PREV(price) AS before_c,
             PREV(A.price) AS before_a
    PATTERN (A B+ C)
    DEFINE A AS tag = 'a', B AS tag = 'b' AND PREV(B.price) IS NOT NULL, C AS tag = 'c'
);
