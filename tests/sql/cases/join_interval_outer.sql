-- sorted: FULL interval join with >= / < bounds: unmatched orders and payments come out
-- NULL-padded once the other side's watermark rules out a match; row 9 is late (dropped).
CREATE TABLE payments (
    pay_id BIGINT, order_id BIGINT, `user` STRING, paid DOUBLE, pts TIMESTAMP(3),
    WATERMARK FOR pts AS pts - INTERVAL '2' MINUTE
) WITH ('connector' = 'filesystem', 'path' = 'data/payments.jsonl', 'format' = 'json');
SELECT o.order_id, p.pay_id, p.order_id AS paid_order
FROM orders o FULL JOIN payments p
ON o.order_id = p.order_id AND p.pts >= o.ts AND p.pts < o.ts + INTERVAL '5' MINUTE;
