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
SELECT * FROM orders a, orders b;
