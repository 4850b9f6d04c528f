-- sorted: interval join: payments within 5 minutes after their order. Order 3 is paid too late,
-- payment 104 has no order, payment 105 has a NULL key, order 5 comes out of order; payments
-- 107 and 112 and order 9 are late on their inputs (dropped, counted).
CREATE TABLE payments (
    pay_id BIGINT, order_id BIGINT, `user` STRING, paid DOUBLE, pts TIMESTAMP(3),
    WATERMARK FOR pts AS pts - INTERVAL '2' MINUTE
) WITH ('connector' = 'filesystem', 'path' = 'data/payments.jsonl', 'format' = 'json');
SELECT o.order_id, o.item, p.pay_id, p.paid, o.ts, p.pts
FROM orders o JOIN payments p
ON o.order_id = p.order_id AND p.pts BETWEEN o.ts AND o.ts + INTERVAL '5' MINUTE;
