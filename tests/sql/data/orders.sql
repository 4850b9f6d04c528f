-- The orders table every golden case reads (included by the runner before
-- each case): 12 lines, one malformed (line 10), one NULL amount, one NULL
-- user, row 5 (10:01:30) out of order within the 2-minute bound, row 9 (10:01:00)
-- behind the watermark the rows before it imply (late for windows).
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
