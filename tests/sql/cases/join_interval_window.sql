-- The interval join keeps the left side's time attribute: a window aggregation over its
-- result (orders paid within 5 minutes, per 5-minute window of the order time).
CREATE TABLE payments (
    pay_id BIGINT, order_id BIGINT, `user` STRING, paid DOUBLE, pts TIMESTAMP(3),
    WATERMARK FOR pts AS pts - INTERVAL '2' MINUTE
) WITH ('connector' = 'filesystem', 'path' = 'data/payments.jsonl', 'format' = 'json');
CREATE VIEW paid AS
SELECT o.order_id, o.ts, p.paid
FROM orders o JOIN payments p
ON o.order_id = p.order_id AND p.pts BETWEEN o.ts AND o.ts + INTERVAL '5' MINUTE;
SELECT window_start, window_end, COUNT(*) AS n, SUM(paid) AS total
FROM TABLE(TUMBLE(TABLE paid, DESCRIPTOR(ts), INTERVAL '5' MINUTE))
GROUP BY window_start, window_end;
