-- Nexmark q5 without a join: the hot item of each sliding window (10 s, every
-- 2 s) as a window Top-N over the per-auction bid counts. Sluice's Top-N has
-- ROW_NUMBER only (no RANK), so where several auctions tie for the most bids
-- this keeps one, the smallest id, where Flink's q5 (q5.sql) keeps all.
-- The bench's reference program (bench/nexmark/ref.c) computes this form.
CREATE TABLE nexmark_q5 (
    auction BIGINT, num BIGINT, starttime TIMESTAMP(3), endtime TIMESTAMP(3)
) WITH ('connector' = 'blackhole');

INSERT INTO nexmark_q5
SELECT auction, num, window_start, window_end FROM (
    SELECT auction, num, window_start, window_end,
           ROW_NUMBER() OVER (PARTITION BY window_start, window_end
                              ORDER BY num DESC, auction ASC) AS rn
    FROM (
        SELECT auction, COUNT(*) AS num, window_start, window_end
        FROM TABLE(HOP(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '2' SECOND, INTERVAL '10' SECOND))
        GROUP BY auction, window_start, window_end))
WHERE rn <= 1;
