-- sorted: window join of two 5-minute tumbling windows on the user: orders and payments of a
-- user in the same window. Order 9 is filtered out (it is late: whether a window join still
-- takes it would depend on the other input's progress).
CREATE TABLE payments (
    pay_id BIGINT, order_id BIGINT, `user` STRING, paid DOUBLE, pts TIMESTAMP(3),
    WATERMARK FOR pts AS pts - INTERVAL '2' MINUTE
) WITH ('connector' = 'filesystem', 'path' = 'data/payments.jsonl', 'format' = 'json');
CREATE VIEW o AS SELECT * FROM orders WHERE order_id <> 9;
SELECT L.window_start, L.window_end, L.`user`, L.order_id, R.pay_id
FROM (SELECT * FROM TABLE(TUMBLE(TABLE o, DESCRIPTOR(ts), INTERVAL '5' MINUTE))) L
JOIN (SELECT * FROM TABLE(TUMBLE(TABLE payments, DESCRIPTOR(pts), INTERVAL '5' MINUTE))) R
ON L.`user` = R.`user` AND L.window_start = R.window_start AND L.window_end = R.window_end;
