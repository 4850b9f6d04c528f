-- sorted: event-time temporal join: each order with the item's price valid at the order's time.
-- Prices arrive out of order (pear 10:01:30 after plum 10:05); order 3 (plum at 10:02:30)
-- has no price yet and is dropped by the INNER join; order 9 is late (dropped, counted).
CREATE TABLE prices (
    item STRING, price DOUBLE, rts TIMESTAMP(3),
    PRIMARY KEY (item) NOT ENFORCED,
    WATERMARK FOR rts AS rts - INTERVAL '5' MINUTE
) WITH ('connector' = 'filesystem', 'path' = 'data/rates.jsonl', 'format' = 'json');
SELECT o.order_id, o.item, o.ts, p.price, p.rts AS price_since
FROM orders o JOIN prices FOR SYSTEM_TIME AS OF o.ts AS p ON o.item = p.item;
