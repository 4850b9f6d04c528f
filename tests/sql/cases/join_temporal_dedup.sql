-- sorted: temporal join against a deduplicated view (the latest price per item by time): the
-- deduplication keeps the time attribute, so its changelog is a versioned table.
CREATE TABLE prices_raw (
    item STRING, price DOUBLE, rts TIMESTAMP(3),
    WATERMARK FOR rts AS rts - INTERVAL '5' MINUTE
) WITH ('connector' = 'filesystem', 'path' = 'data/rates.jsonl', 'format' = 'json');
CREATE VIEW prices AS SELECT item, price, rts FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY item ORDER BY rts DESC) AS rn FROM prices_raw) WHERE rn = 1;
SELECT o.order_id, o.item, p.price
FROM orders o JOIN prices FOR SYSTEM_TIME AS OF o.ts AS p ON o.item = p.item;
