-- MATCH_RECOGNIZE: a price that falls three or more times, then rises (PREV).
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
    PARTITION BY sym
    ORDER BY ts
    MEASURES
        S.price AS start_price,
        LAST(D.price) AS bottom,
        U.price AS up_price,
        COUNT(D.*) AS downs,
        MATCH_ROWTIME() AS end_ts
    ONE ROW PER MATCH
    AFTER MATCH SKIP PAST LAST ROW
    PATTERN (S D{3,} U)
    DEFINE
        D AS price < PREV(price),
        U AS price > PREV(price)
) AS v;
