-- Nexmark q12: processing-time windows: bids per bidder in 10-second windows
-- of processing time (results depend on the wall clock). Flink's suite writes
-- FROM (SELECT *, PROCTIME() AS p_time FROM bid); Sluice's planner takes a
-- processing-time attribute only from a table's computed column
-- (p_time AS PROCTIME()), so this declares the bid table again with one.
CREATE TABLE bid_proctime (
    auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, url VARCHAR,
    dateTime TIMESTAMP(3), extra VARCHAR, p_time AS PROCTIME()
) WITH (
    'connector' = 'nexmark',
    'nexmark.table' = 'bid',
    'first-event.rate' = '10000000',
    'next-event.rate' = '10000000',
    'events.num' = '100000000'
);

CREATE TABLE nexmark_q12 (
    bidder BIGINT, bid_count BIGINT, starttime TIMESTAMP(3), endtime TIMESTAMP(3)
) WITH ('connector' = 'blackhole');

INSERT INTO nexmark_q12
SELECT B.bidder, COUNT(*) AS bid_count,
       TUMBLE_START(B.p_time, INTERVAL '10' SECOND) AS starttime,
       TUMBLE_END(B.p_time, INTERVAL '10' SECOND) AS endtime
FROM bid_proctime B
GROUP BY B.bidder, TUMBLE(B.p_time, INTERVAL '10' SECOND);
