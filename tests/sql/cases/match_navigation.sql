-- MATCH_RECOGNIZE: FIRST/LAST with offsets, aggregates over a variable, NULLs (X b@7 has no price), CLASSIFIER.
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
SELECT * FROM ticks MATCH_RECOGNIZE (
    PARTITION BY sym ORDER BY ts
    MEASURES
        A.price AS a_price,
        FIRST(B.price) AS b_first,
        FIRST(B.price, 1) AS b_second,
        LAST(B.price, 1) AS b_before_last,
        COUNT(B.*) AS b_rows,
        COUNT(B.price) AS b_prices,
        SUM(B.price) AS b_sum,
        AVG(B.price) AS b_avg,
        MIN(B.price) AS b_min,
        MAX(B.price) AS b_max,
        CLASSIFIER() AS last_var
    PATTERN (A B+ C)
    DEFINE
        A AS tag = 'a',
        B AS tag = 'b' AND (price IS NULL OR price < FIRST(A.price) + 40),
        C AS tag = 'c' AND price > LAST(A.price)
);
