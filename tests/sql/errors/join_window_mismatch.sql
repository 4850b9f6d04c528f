CREATE TABLE orders (
    order_id BIGINT,
    `user` STRING,
    item STRING,
    amount DOUBLE,
    ts TIMESTAMP(3),
    WATERMARK FOR ts AS ts - INTERVAL '2' MINUTE
) WITH (
    'connector' = 'filesystem',
    'path' = 'data/orders.jsonl',
    'format' = 'json'
);
SELECT L.order_id
FROM TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '5' MINUTE)) L
JOIN TABLE(TUMBLE(TABLE orders, DESCRIPTOR(ts), INTERVAL '10' MINUTE)) R
ON L.`user` = R.`user` AND L.window_start = R.window_start AND L.window_end = R.window_end;
