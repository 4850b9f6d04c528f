-- examples/enrich.sql - orders enriched with the currency rate valid when each
-- order was placed (an event-time temporal join against a versioned table).
--
--   build/release/sluice run examples/enrich.sql      (from the repository root)
--
-- currency_rates is a versioned table: its PRIMARY KEY (currency) names what
-- a version belongs to, its event time says from when a version is valid, and
-- its watermark tells the join how far the versions are complete. Each order
-- {order_id, currency, amount, ots} is joined with the rate of its currency
-- valid at ots (FOR SYSTEM_TIME AS OF o.ots) and its amount converted to EUR.
-- An order waits in the join until the watermark passes its time, so a rate
-- that arrives out of order within the rates' watermark delay (GBP 1.16 from
-- 09:45, after the 10:00 USD rate) is still used by the orders it applies
-- to: the result does not depend on the order of arrival. (A rate behind its
-- table's watermark would be late: dropped and counted.)
--
-- What examples/data/shop_orders.jsonl (10 orders) shows:
--   - order 7 (09:06) arrives after order 3 (09:10), within the 5-minute
--     watermark delay, and gets the USD rate of 09:00;
--   - order 5 (GBP, 09:40) gets 1.17 (from 09:30), order 8 (GBP, 09:50) the
--     late-arriving 1.16 (from 09:45);
--   - order 6 is in CHF, which has no rate: LEFT JOIN keeps it with NULLs;
--   - order 10 (09:30) arrives after the watermark passed 10:00: it is late,
--     dropped and counted (the CLI reports "1 late row" on stderr).
-- It prints 9 rows, one JSON line each, in no defined order across currencies.

CREATE TABLE orders (
    order_id BIGINT,
    currency STRING,
    amount   DOUBLE,
    ots      TIMESTAMP(3),
    WATERMARK FOR ots AS ots - INTERVAL '5' MINUTE
) WITH (
    'connector' = 'filesystem',
    'path'      = 'examples/data/shop_orders.jsonl',
    'format'    = 'json'
);

CREATE TABLE currency_rates (
    currency STRING,
    rate     DOUBLE,
    rts      TIMESTAMP(3),
    PRIMARY KEY (currency) NOT ENFORCED,
    WATERMARK FOR rts AS rts - INTERVAL '30' MINUTE
) WITH (
    'connector' = 'filesystem',
    'path'      = 'examples/data/currency_rates.jsonl',
    'format'    = 'json'
);

CREATE TABLE orders_eur (
    order_id   BIGINT,
    currency   STRING,
    amount     DOUBLE,
    rate       DOUBLE,
    amount_eur DOUBLE,
    ots        TIMESTAMP(3)
) WITH (
    'connector' = 'print'
);

INSERT INTO orders_eur
SELECT o.order_id, o.currency, o.amount, r.rate, ROUND(o.amount * r.rate, 2), o.ots
FROM orders AS o
LEFT JOIN currency_rates FOR SYSTEM_TIME AS OF o.ots AS r
ON o.currency = r.currency;
