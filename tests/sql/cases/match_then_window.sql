-- MATCH_RECOGNIZE then a window: MATCH_ROWTIME() is the output's time attribute, and the
-- watermark waits for matches still open (X a@40 b@41 completes only when c@60 arrives).
-- Data: tests/sql/data/ticks.jsonl (see match_plus.sql).
CREATE TABLE ticks (
    sym STRING,
    price BIGINT,
    tag STRING,
    ts TIMESTAMP(3),
    WATERMARK FOR ts AS ts - INTERVAL '3' SECOND
) WITH ('connector' = 'filesystem', 'path' = 'data/ticks.jsonl', 'format' = 'json');
CREATE VIEW matches AS
SELECT sym, mt FROM ticks MATCH_RECOGNIZE (
    PARTITION BY sym ORDER BY ts
    MEASURES MATCH_ROWTIME() AS mt
    PATTERN (A B+)
    DEFINE A AS tag = 'a', B AS tag = 'b'
);
SELECT window_start, window_end, COUNT(*) AS n
FROM TABLE(TUMBLE(TABLE matches, DESCRIPTOR(mt), INTERVAL '10' SECOND))
GROUP BY window_start, window_end;
