-- Nexmark q7 without a join: the highest bid of each 10-second tumbling
-- window as a window Top-N over the bids. Where several bids of a window share
-- the highest price this keeps one (the earliest, then the smallest auction,
-- bidder), where Flink's q7 (q7.sql) keeps all of them (and also matches a
-- bid at exactly the window's end). The bench's reference program computes
-- this form.
CREATE TABLE nexmark_q7 (
    auction BIGINT, price BIGINT, bidder BIGINT, dateTime TIMESTAMP(3), extra VARCHAR
) WITH ('connector' = 'blackhole');

INSERT INTO nexmark_q7
SELECT auction, price, bidder, dateTime, extra FROM (
    SELECT auction, price, bidder, dateTime, extra,
           ROW_NUMBER() OVER (PARTITION BY window_start, window_end
                              ORDER BY price DESC, dateTime ASC, auction ASC, bidder ASC) AS rn
    FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(dateTime), INTERVAL '10' SECOND)))
WHERE rn <= 1;
