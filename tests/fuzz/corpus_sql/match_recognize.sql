-- examples/vshape.sql - complex event processing: per stock symbol, a price
-- that falls for three or more consecutive ticks and then rises (a "V").
--
--   build/release/sluice run examples/vshape.sql      (from the repository root)
--
-- Ticks {sym, price, ts} come from a JSON-lines file, out of order by up to
-- 3 seconds (the watermark delay is 5 seconds): MATCH_RECOGNIZE sorts each
-- symbol's rows by event time before matching, so the disorder does not
-- change the result. Two ticks arrive two minutes late: they are dropped and
-- counted (stderr: "2 late rows").
--
-- The pattern: a start row S (any row: it has no DEFINE), then D{3,} - three
-- or more rows each cheaper than the row before (PREV) - then U, a row dearer
-- than the last fall. After a match the search goes on after its last row.
-- One row per match: where the V started, bottomed out and ended.
--
-- examples/data/ticks.jsonl is made by scripts/gen-ticks.py, which also
-- computes the expected output (examples/data/ticks.expected, sorted).

CREATE TABLE ticks (
    sym    STRING,
    price  DOUBLE,
    ts     TIMESTAMP(3),
    WATERMARK FOR ts AS ts - INTERVAL '5' SECOND
) WITH (
    'connector' = 'filesystem',
    'path'      = 'examples/data/ticks.jsonl',
    'format'    = 'json'
);

SELECT *
FROM ticks
MATCH_RECOGNIZE (
    PARTITION BY sym
    ORDER BY ts
    MEASURES
        S.ts                    AS start_ts,
        LAST(D.ts)              AS bottom_ts,
        U.ts                    AS end_ts,
        S.price                 AS start_price,
        LAST(D.price)           AS bottom_price,
        U.price                 AS end_price,
        S.price - LAST(D.price) AS `drop`,
        COUNT(D.*)              AS downs
    ONE ROW PER MATCH
    AFTER MATCH SKIP PAST LAST ROW
    PATTERN (S D{3,} U) WITHIN INTERVAL '1' HOUR
    DEFINE
        D AS price < PREV(price),
        U AS price > PREV(price)
) AS v;
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
