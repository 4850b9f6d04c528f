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
CREATE TABLE prices (
    item STRING, price DOUBLE, rts TIMESTAMP(3),
    PRIMARY KEY (item) NOT ENFORCED,
    WATERMARK FOR rts AS rts - INTERVAL '5' MINUTE
) WITH ('connector' = 'filesystem', 'path' = 'data/rates.jsonl', 'format' = 'json');
SELECT o.order_id FROM orders o RIGHT JOIN prices FOR SYSTEM_TIME AS OF o.ts AS p ON o.item = p.item;
