-- sorted: LEFT temporal join with an extra condition: orders without a valid price (or whose
-- price fails the condition) come out with NULLs; order 7 has a NULL user, not a NULL key.
CREATE TABLE prices (
    item STRING, price DOUBLE, rts TIMESTAMP(3),
    PRIMARY KEY (item) NOT ENFORCED,
    WATERMARK FOR rts AS rts - INTERVAL '5' MINUTE
) WITH ('connector' = 'filesystem', 'path' = 'data/rates.jsonl', 'format' = 'json');
SELECT o.order_id, o.item, p.price, o.amount * p.price AS cost
FROM orders o LEFT JOIN prices FOR SYSTEM_TIME AS OF o.ts AS p
ON o.item = p.item AND p.price < 2.5;
