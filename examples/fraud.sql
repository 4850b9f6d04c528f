-- examples/fraud.sql - the fraud rules of examples/fraud.c in Flink SQL.
--
--   sluice run examples/fraud.sql      (from the repository root)
--
-- Transactions {user, amount, country, ts} from a JSON-lines file, event time
-- from ts with 30 seconds of allowed disorder. Three rules, one alert table:
--   high-value     any amount over 1000
--   high-velocity  more than 3 transactions of a user in a 5-minute tumbling window
--   multi-country  a user's session (1 hour of inactivity closes it) spans more than one country
-- On examples/data/transactions.jsonl it prints exactly three alerts.

CREATE TABLE transactions (
    `user`   STRING,
    amount   DOUBLE,
    country  STRING,
    ts       TIMESTAMP(3),
    WATERMARK FOR ts AS ts - INTERVAL '30' SECOND
) WITH (
    'connector' = 'filesystem',
    'path'      = 'examples/data/transactions.jsonl',
    'format'    = 'json'
);

CREATE TABLE alerts (
    rule         STRING,
    `user`       STRING,
    detail       STRING,
    window_start TIMESTAMP(3),
    window_end   TIMESTAMP(3)
) WITH (
    'connector' = 'print'
);

INSERT INTO alerts
SELECT 'high-value', `user`, 'amount=' || CAST(amount AS STRING), ts, ts
FROM transactions
WHERE amount > 1000;

INSERT INTO alerts
SELECT 'high-velocity', `user`, 'count=' || CAST(COUNT(*) AS STRING), window_start, window_end
FROM TABLE(TUMBLE(TABLE transactions, DESCRIPTOR(ts), INTERVAL '5' MINUTE))
GROUP BY window_start, window_end, `user`
HAVING COUNT(*) > 3;

INSERT INTO alerts
SELECT 'multi-country', `user`, 'countries=' || CAST(COUNT(DISTINCT country) AS STRING),
       window_start, window_end
FROM TABLE(SESSION(TABLE transactions PARTITION BY `user`, DESCRIPTOR(ts), INTERVAL '1' HOUR))
GROUP BY window_start, window_end, `user`
HAVING COUNT(DISTINCT country) > 1;
