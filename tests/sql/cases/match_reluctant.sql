-- MATCH_RECOGNIZE: reluctant X+? takes as few rows as it can.
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
SELECT sym, x_rows, b_ts FROM ticks MATCH_RECOGNIZE (
    PARTITION BY sym ORDER BY ts
    MEASURES COUNT(X.*) AS x_rows, B.ts AS b_ts
    PATTERN (A X+? B)
    DEFINE A AS tag = 'a', X AS tag <> 'c', B AS tag = 'b'
);
