-- examples/top_items.sql - the 3 best-selling items of every hour (window Top-N).
--
--   build/release/sluice run examples/top_items.sql      (from the repository root)
--
-- Purchases {order_id, item, quantity, ts} come from a JSON-lines file, out of
-- order by up to 50 seconds (the watermark delay is 1 minute). The inner query
-- sums the units sold per item and hour (a TUMBLE window aggregation); the
-- outer one numbers the items of each hour by units (ROW_NUMBER() OVER
-- (PARTITION BY window_start, window_end ...)) and keeps the first three.
-- An hour's top 3 is printed once, when the watermark passes the hour's end:
-- an append-only result, rank 1 to 3 in order.
--
-- examples/data/purchases.jsonl (made by scripts/gen-purchases.py, which also
-- computes the expected output, examples/data/purchases.expected) has two
-- purchases that arrive after their hour has closed: they would change the
-- ranking, but are dropped and counted as late (stderr: "2 late rows"). Ties
-- on units are broken by the item name (monitor before usb-cable at 10:00,
-- keyboard before webcam at 12:00).

CREATE TABLE purchases (
    order_id  BIGINT,
    item      STRING,
    quantity  INT,
    ts        TIMESTAMP(3),
    WATERMARK FOR ts AS ts - INTERVAL '1' MINUTE
) WITH (
    'connector' = 'filesystem',
    'path'      = 'examples/data/purchases.jsonl',
    'format'    = 'json'
);

CREATE TABLE top_items (
    window_start TIMESTAMP(3),
    window_end   TIMESTAMP(3),
    rn           BIGINT,
    item         STRING,
    units        BIGINT,
    orders       BIGINT
) WITH (
    'connector' = 'print'
);

INSERT INTO top_items
SELECT window_start, window_end, rn, item, units, orders
FROM (
    SELECT window_start, window_end, item, units, orders,
           ROW_NUMBER() OVER (PARTITION BY window_start, window_end
                              ORDER BY units DESC, item) AS rn
    FROM (
        SELECT window_start, window_end, item, SUM(quantity) AS units, COUNT(*) AS orders
        FROM TABLE(TUMBLE(TABLE purchases, DESCRIPTOR(ts), INTERVAL '1' HOUR))
        GROUP BY window_start, window_end, item
    )
)
WHERE rn <= 3;
