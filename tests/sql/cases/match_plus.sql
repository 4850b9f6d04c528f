-- MATCH_RECOGNIZE: B+ (one or more), greedy.
-- Data: tests/sql/data/ticks.jsonl (per sym, tags in time order:
-- X a b b b c a b b c a b b b c x a b c; Y a b b c b b c, Y@1 late; Z a b a b c;
-- Y@3 and Y@4 arrive after X@5: out of order, not late).
CREATE TABLE ticks (
    sym STRING,
    price BIGINT,
    tag STRING,
    ts TIMESTAMP(3),
    WATERMARK FOR ts AS ts - INTERVAL '3' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'data/ticks.jsonl', 'format' = 'json');
SELECT sym, first_ts, last_ts, n_b FROM ticks MATCH_RECOGNIZE (
    PARTITION BY sym ORDER BY ts
    MEASURES FIRST(ts) AS first_ts, LAST(ts) AS last_ts, COUNT(B.*) AS n_b
    PATTERN (A B+ C)
    DEFINE A AS tag = 'a', B AS tag = 'b', C AS tag = 'c'
);
