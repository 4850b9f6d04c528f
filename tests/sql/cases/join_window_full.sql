-- sorted: FULL window join with a residual condition: pairs whose amounts differ come out
-- NULL-padded on both sides; NULL users never match; results when the window closes.
CREATE TABLE payments (
    pay_id BIGINT, order_id BIGINT, `user` STRING, paid DOUBLE, pts TIMESTAMP(3),
    WATERMARK FOR pts AS pts - INTERVAL '2' MINUTE
) WITH ('connector' = 'filesystem', 'path' = 'data/payments.jsonl', 'format' = 'json');
CREATE VIEW o AS SELECT * FROM orders WHERE order_id <> 9;
SELECT COALESCE(L.window_start, R.window_start) AS ws, L.order_id, R.pay_id, L.amount, R.paid
FROM TABLE(TUMBLE(TABLE o, DESCRIPTOR(ts), INTERVAL '5' MINUTE)) L
FULL JOIN TABLE(TUMBLE(TABLE payments, DESCRIPTOR(pts), INTERVAL '5' MINUTE)) R
ON L.`user` = R.`user` AND L.window_start = R.window_start AND L.window_end = R.window_end
AND L.amount = R.paid;
