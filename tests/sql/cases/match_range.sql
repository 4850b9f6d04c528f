-- MATCH_RECOGNIZE: {1,2} and {3,} quantifiers, alternation.
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
SELECT sym, first_ts, last_ts, n_b, kind FROM ticks MATCH_RECOGNIZE (
    PARTITION BY sym ORDER BY ts
    MEASURES FIRST(ts) AS first_ts, LAST(ts) AS last_ts, COUNT(B.*) + COUNT(L.*) AS n_b,
             CASE WHEN COUNT(L.*) > 0 THEN 'long' ELSE 'short' END AS kind
    PATTERN (A (L{3,} | B{1,2}) C)
    DEFINE A AS tag = 'a', B AS tag = 'b', L AS tag = 'b', C AS tag = 'c'
);
